// Issue 12 in the two emulators, with their own executor configs (test/isolation.test.ts runs them with the
// local defaults):
//  - executor {type: argo|asl, config: {shared_workspace: true}} is accepted, compile says what it means on a
//    cluster, and the emulated pods/jobs then share the project folder: a step reads a file an earlier step
//    wrote without a catalog get. Without it the same pipeline fails with the hint. The run log's run_config
//    and the console say shared_workspace, as under `dagc run`.
//  - the launching shell's DAGC_*/MAGNUS_* variables and its secrets reach no step (a step prints its whole
//    environment); a secret reaches only the step whose manifest asks for it.
//  - an asl re-run goes through the execution input alone: with no DAGC_* variable in the host environment,
//    `dagc emulate --use-cached` gives the committed run logs of the rerun case.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliResult } from './helpers/cli.js';
import { CONFORMANCE, expectedFile } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { BIN } from './helpers/paths.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import type { RunLog } from '../src/services/run-log/types.js';

/** This process's environment without any dagc or magnus variable (the test runner's own DAGC_CACHE_DIR too). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('DAGC_') && !k.startsWith('MAGNUS_')) out[k] = v;
  return { ...out, NO_COLOR: '1', ...extra };
}

/** bin/dagc.js with exactly `env` (runCli adds this process's environment, which a test here must control). */
function dagc(args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 240_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ stdout, stderr, status });
    });
  });
}

const MAKE_READ = `dag:
  start_at: make
  steps:
    make:
      type: task
      command_type: shell
      command: echo made > data/made.txt
      catalog:
        put: [made.txt]
      next: read
    read:
      type: task
      command_type: shell
      command: cat data/made.txt
      next: success
    success:
      type: success
    fail:
      type: fail
`;

const HINT =
  'data/made.txt was put in the catalog by step "make" but step "read" did not get it: add `catalog: {get: [made.txt]}`, or set shared_workspace';

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server('dagc-emulator-isolation');
});
afterAll(async () => {
  await s3?.close();
});

interface Target {
  /** The executor config (YAML lines under `config:`) and the stores, for shared_workspace true or false. */
  config(shared: boolean): string;
  /** A config that reads the run log where the emulated pods or jobs wrote it. */
  readBack: string;
  env(): Record<string, string>;
}

const TARGETS: Record<'argo' | 'asl', Target> = {
  argo: {
    // The pods keep the run log and catalog on the claim's volume, which the emulator stands in by a folder.
    config: (shared) =>
      `executor:\n  type: argo\n  config:\n    image: registry.example.com/p:1\n    persistent_volumes: [{name: runs, mount_path: /mnt}]\n${shared ? '    shared_workspace: true\n' : ''}`,
    readBack: 'run_log_store: {type: chunked-fs, config: {log_folder: .argo-volumes/runs/.run_log_store}}\n',
    env: () => cleanEnv(),
  },
  asl: {
    // Batch jobs share no disk: the run log and catalog are in S3 (a local S3-protocol server).
    config: (shared) =>
      `executor:\n  type: asl\n  config:\n    image: registry.example.com/p:1\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\n${shared ? '    shared_workspace: true\n' : ''}` +
      `run_log_store: {type: s3, config: ${JSON.stringify(s3.config('runs/'))}}\ncatalog: {type: s3, config: ${JSON.stringify(s3.config('catalog/'))}}\n`,
    get readBack() {
      return `run_log_store: {type: s3, config: ${JSON.stringify(s3.config('runs/'))}}\n`;
    },
    env: () => cleanEnv(s3.env),
  },
};

describe.each(['argo', 'asl'] as const)('dagc emulate --target %s with its own executor config', (target) => {
  const t = TARGETS[target];

  it('shares the project folder between steps only with shared_workspace, and says so', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), `dagc-emu-shared-${target}-`));
    writeFileSync(path.join(dir, 'pipeline.yaml'), MAKE_READ);
    // The project's data folder, as a magnus project has one (a shared folder is not made for the steps).
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'isolated.yaml'), t.config(false));
    writeFileSync(path.join(dir, 'shared.yaml'), t.config(true));
    writeFileSync(path.join(dir, 'read-back.yaml'), t.readBack);

    const isolated = await dagc(['emulate', 'pipeline.yaml', '--target', target, '-c', 'isolated.yaml', '--run-id', `iso-${target}`], dir, t.env());
    expect(isolated.status, isolated.stdout + isolated.stderr).toBe(1);
    expect(isolated.stderr).toContain(HINT);
    expect(isolated.stderr).not.toContain('shared_workspace: every step runs in');

    // The config schema and the target's own reader take the key; compile says what it means off this machine.
    const compiled = await dagc(['compile', 'pipeline.yaml', '--target', target, '-c', 'shared.yaml'], dir, t.env());
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stderr).toMatch(/shared_workspace.*each step runs in its (pod|job)'s working folder/);

    const shared = await dagc(['emulate', 'pipeline.yaml', '--target', target, '-c', 'shared.yaml', '--run-id', `shared-${target}`], dir, t.env());
    expect(shared.status, shared.stdout + shared.stderr).toBe(0);
    expect(shared.stderr).toContain(`shared_workspace: every step runs in ${dir}`);
    expect(shared.stdout + shared.stderr).toContain('read | made');
    const shown = await dagc(['runs', 'show', `shared-${target}`, '-c', 'read-back.yaml', '--json'], dir, t.env());
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    expect((log.run_config as { executor: { type: string; config: Record<string, unknown> } }).executor).toMatchObject({ type: target, config: { shared_workspace: true } });
  });
});

describe('the launching shell', () => {
  // (A DAGC_PRM_x or MAGNUS_PRM_x of the launching shell is a parameter of the run, as in magnus: the run's
  // parameters reach every step, so those are not in this list.)
  const LEAKS = { DAGC_LEAK: 'leak-d', MAGNUS_LEAK: 'leak-m', DAGC_API_TOKEN: 'leak-t' };
  /** The variables a step printed (`env` lines behind its "<step> | " output prefix). */
  const envOf = (output: string, step: string): Map<string, string> =>
    new Map(
      output
        .split('\n')
        .filter((l) => l.startsWith(`${step} | `))
        .map((l) => l.slice(step.length + 3))
        .filter((l) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(l))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  const expectNoLeak = (vars: Map<string, string>) => {
    expect(vars.size).toBeGreaterThan(3);
    for (const name of Object.keys(LEAKS)) expect(vars.has(name), name).toBe(false);
    for (const value of vars.values()) expect(String(value)).not.toMatch(/leak-[dmt]|tok-from-the-shell/);
    // What the runtime itself gives a step is there, so the listing is the step's own environment.
    expect(vars.get('DAGC_RUN_ID')).toBeDefined();
  };

  it('argo: hands a pod no DAGC_*/MAGNUS_* variable of its own, and a Kubernetes secret only to the pod that asks for it', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-emu-env-argo-'));
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `dag:
  start_at: look
  steps:
    look:
      type: task
      command_type: shell
      command: env
      next: uses
    uses:
      type: task
      command_type: shell
      overrides: {argo: with_token}
      command: env
      next: success
    success:
      type: success
    fail:
      type: fail
`,
    );
    writeFileSync(
      path.join(dir, 'argo.yaml'),
      'executor:\n  type: argo\n  config:\n    image: registry.example.com/p:1\n    persistent_volumes: [{name: runs, mount_path: /mnt}]\n' +
        '    overrides:\n      with_token:\n        secrets_from_k8s: [{environment_variable: API_TOKEN, secret_name: svc, secret_key: token}]\n',
    );
    // The emulator stands the Kubernetes secret in by this process's API_TOKEN.
    const ran = await dagc(['emulate', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml', '--run-id', 'env'], dir, cleanEnv({ ...LEAKS, API_TOKEN: 'tok-from-the-shell' }));
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    const look = envOf(ran.stderr + ran.stdout, 'look');
    expectNoLeak(look);
    expect(look.has('API_TOKEN')).toBe(false);
    const uses = envOf(ran.stderr + ran.stdout, 'uses');
    expect(uses.get('API_TOKEN')).toBe('tok-from-the-shell');
    for (const name of Object.keys(LEAKS)) expect(uses.has(name), name).toBe(false);
  });

  it('asl: hands a job no DAGC_*/MAGNUS_* variable of its own, nor a secret the config reads from the environment', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-emu-env-asl-'));
    // SVC_TOKEN is a secret of this config (env-secrets-manager, asked for by a step on the failure path).
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `dag:
  start_at: look
  steps:
    look:
      type: task
      command_type: shell
      command: env
      next: success
      on_failure: uses
    uses:
      type: task
      command_type: shell
      overrides: {local: with_token}
      command: 'true'
      next: fail
    success:
      type: success
    fail:
      type: fail
`,
    );
    writeFileSync(
      path.join(dir, 'local.yaml'),
      'executor:\n  type: local\n  config:\n    overrides:\n      with_token:\n        secret_as_env: {API_TOKEN: SVC_TOKEN}\nsecrets:\n  type: env-secrets-manager\n',
    );
    const ran = await dagc(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'local.yaml', '--run-id', 'env'], dir, cleanEnv({ ...LEAKS, SVC_TOKEN: 'tok-from-the-shell' }));
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    const look = envOf(ran.stderr + ran.stdout, 'look');
    expectNoLeak(look);
    expect(look.has('SVC_TOKEN')).toBe(false);
    expect(look.has('API_TOKEN')).toBe(false);
  });
});

describe('an asl re-run', () => {
  it('resumes through the execution input alone, with no DAGC_* variable in the host environment', { timeout: 300_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'rerun'));
    const env = cleanEnv();
    expect(Object.keys(env).filter((k) => k.startsWith('DAGC_'))).toEqual([]);
    const first = await dagc(['emulate', 'pipeline.yaml', '--target', 'asl', '--run-id', 'first'], dir, env);
    expect(first.status, first.stdout + first.stderr).toBe(1);
    const second = await dagc(['emulate', 'pipeline.yaml', '--target', 'asl', '--use-cached', 'first', '--run-id', 'second'], dir, { ...env, FIX: '1' });
    expect(second.status, second.stdout + second.stderr).toBe(0);
    // The oracle: the run logs `dagc run` is held to for this case (test/conformance.test.ts).
    for (const id of ['first', 'second']) {
      const shown = await dagc(['runs', 'show', id, '--json'], dir, env);
      expect(shown.status, shown.stderr).toBe(0);
      expect(scrubbedText(JSON.parse(shown.stdout) as RunLog)).toBe(readFileSync(expectedFile('rerun', id), 'utf8'));
    }
  });
});
