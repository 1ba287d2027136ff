// DESIGN.md §3 invariant 1 end to end: every step runs the way a pod would, in `dagc run`, the rendered bash
// script and both emulators alike.
//  - parallel-map (a parallel holding a map, items writing out-<item>.txt and putting out-*.txt): ten runs at
//    once in one project folder, per runner, each with the committed run log (which the conformance tests
//    hold every target to);
//  - a step reading a file an earlier step wrote, without a catalog get: it fails on every runner and says
//    what to add; with the get it succeeds on every runner.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { CONFORMANCE, expectedFile } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { BIN } from './helpers/paths.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { RunLog } from '../src/services/run-log/types.js';

type Runner = (dir: string, runId: string, inputs: string[], env?: Record<string, string>) => Promise<CliResult>;

function bashScript(script: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', DAGC_BIN: `${process.execPath} ${BIN}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

const RUNNERS: Record<string, Runner> = {
  'dagc run': (dir, runId, inputs, env) => runCli(['run', 'pipeline.yaml', ...inputs, '--run-id', runId], { cwd: dir, env, timeoutMs: 240_000 }),
  bash: async (dir, runId, inputs, env) => {
    const script = path.join(dir, `run-${runId}.sh`);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', ...inputs, '-o', script], { cwd: dir });
    if (compiled.status !== 0) return compiled;
    return bashScript(script, [runId], dir, env);
  },
  'emulate argo': (dir, runId, inputs, env) =>
    runCli(['emulate', 'pipeline.yaml', '--target', 'argo', ...inputs, '--run-id', runId], { cwd: dir, env, timeoutMs: 240_000 }),
  'emulate asl': (dir, runId, inputs, env) =>
    runCli(['emulate', 'pipeline.yaml', '--target', 'asl', ...inputs, '--run-id', runId], { cwd: dir, env, timeoutMs: 240_000 }),
};

async function scrubbedRun(dir: string, runId: string): Promise<string> {
  const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  return scrubbedText(JSON.parse(shown.stdout) as RunLog);
}

describe.each(Object.keys(RUNNERS))('isolated steps under %s', (runnerName) => {
  const runner = RUNNERS[runnerName]!;

  it('gives parallel-map the same run log 10 runs out of 10, run at once in one folder', { timeout: 600_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'parallel-map'));
    const expected = readFileSync(expectedFile('parallel-map', 'parallel-map-1'), 'utf8');
    const ids = Array.from({ length: 10 }, (_, i) => `parallel-map-${i + 1}`);
    // Five at a time: the machines this runs on have few cores, and each emulated step is a process.
    for (let i = 0; i < ids.length; i += 5) {
      const batch = ids.slice(i, i + 5);
      const results = await Promise.all(batch.map((id) => runner(dir, id, ['-p', 'parameters.yaml'])));
      for (const r of results) expect(r.status, r.stdout + r.stderr).toBe(0);
    }
    for (const id of ids) expect(await scrubbedRun(dir, id)).toBe(expected.split('parallel-map-1').join(id));
    // Nothing any step wrote reached the project folder.
    expect(() => readFileSync(path.join(dir, 'data', 'out-a.txt'))).toThrow();
  });

  it('fails a step that reads an earlier step\'s file without a catalog get, says what to add, and passes with the get', { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-isolation-'));
    const pipeline = (get: boolean) => `dag:
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
${get ? '      catalog:\n        get: [made.txt]\n' : ''}      next: success
    success:
      type: success
    fail:
      type: fail
`;
    writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline(false));
    const failed = await runner(dir, 'without-get', []);
    expect(failed.status, failed.stdout + failed.stderr).toBe(1);
    expect(failed.stdout + failed.stderr).toContain(
      'data/made.txt was put in the catalog by step "make" but step "read" did not get it: add `catalog: {get: [made.txt]}`, or set shared_workspace',
    );
    writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline(true));
    const passed = await runner(dir, 'with-get', []);
    expect(passed.status, passed.stdout + passed.stderr).toBe(0);
    expect(passed.stdout + passed.stderr).not.toContain('shared_workspace');
  });

  it("hands a step no DAGC_*/MAGNUS_* variable of the launching shell, only the runtime's own", { timeout: 300_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-isolation-'));
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `dag:
  start_at: look
  steps:
    look:
      type: task
      command_type: shell
      command: test -z "\${DAGC_LEAK:-}\${MAGNUS_LEAK:-}\${DAGC_USE_CACHED:-}" && test "$DAGC_STEP_ATTEMPT" = 1 && test -n "$DAGC_RUN_ID"
      next: success
    success:
      type: success
    fail:
      type: fail
`,
    );
    const ran = await runner(dir, 'env', [], { DAGC_LEAK: 'from the shell', MAGNUS_LEAK: 'too' });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
  });
});

describe('dagc run', () => {
  it('names a data file lying in the project that the failed step did not get', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-isolation-'));
    mkdirSync(path.join(dir, 'data'));
    writeFileSync(path.join(dir, 'data', 'input.csv'), 'x\n');
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'dag:\n  start_at: read\n  steps:\n    read:\n      type: task\n      command_type: shell\n      command: cat data/input.csv\n      next: success\n    success:\n      type: success\n    fail:\n      type: fail\n',
    );
    const ran = await runCli(['run', 'pipeline.yaml'], { cwd: dir });
    expect(ran.status).toBe(1);
    expect(ran.stderr).toContain(
      'data/input.csv exists in the project but step "read" did not get it from the catalog: add `catalog: {get: [input.csv]}`, or set shared_workspace',
    );
    // magnus's shared folder, on request: the step sees the project's data folder, and the console says so.
    writeFileSync(path.join(dir, 'shared.yaml'), 'executor:\n  type: local\n  config:\n    shared_workspace: true\n');
    const shared = await runCli(['run', 'pipeline.yaml', '-c', 'shared.yaml'], { cwd: dir });
    expect(shared.status, shared.stderr).toBe(0);
    expect(shared.stderr).toContain('shared_workspace: every step runs in');
  });

  it("a step's write into an image file reaches neither the project nor a later step, and each retry starts without the last one's files", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-isolation-'));
    writeFileSync(path.join(dir, 'notes.txt'), 'mine\n');
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `dag:
  start_at: retried
  steps:
    retried:
      type: task
      command_type: shell
      retry: 2
      command: test ! -e left-behind && touch left-behind && test "$DAGC_STEP_ATTEMPT" = 2
      next: scribble
    scribble:
      type: task
      command_type: shell
      command: echo theirs >> notes.txt && chmod 600 notes.txt && grep -q theirs notes.txt
      next: read
    read:
      type: task
      command_type: shell
      command: test "$(cat notes.txt)" = mine && test -r notes.txt && ! test -e left-behind
      next: success
    success:
      type: success
    fail:
      type: fail
`,
    );
    const mode = statSync(path.join(dir, 'notes.txt')).mode;
    const ran = await runCli(['run', 'pipeline.yaml', '--run-id', 'r'], { cwd: dir });
    expect(ran.status, ran.stderr).toBe(0);
    const log = JSON.parse((await runCli(['runs', 'show', 'r', '--json'], { cwd: dir })).stdout) as RunLog;
    expect(log.steps.retried!.status).toBe('SUCCESS');
    expect(log.steps.retried!.attempts.map((a) => a.status)).toEqual(['FAIL', 'SUCCESS']);
    // As in a pod: the step changed its own copy (and saw the change), the next step and the project did not.
    expect(log.steps.scribble!.status).toBe('SUCCESS');
    expect(log.steps.read!.status).toBe('SUCCESS');
    expect(readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine\n');
    expect(statSync(path.join(dir, 'notes.txt')).mode).toBe(mode);
    expect(existsSync(path.join(dir, 'left-behind'))).toBe(false);
  });
});

describe('compiled output in the image', () => {
  it('compile -o out/wf.yaml names the files from the pipeline\'s folder, and runs with pods started in the image\'s copy of it', { timeout: 300_000 }, async () => {
    const { emulateArgo } = await import('../src/emulate/argo/index.js');
    const project = mkdtempSync(path.join(tmpdir(), 'dagc-host-'));
    const quickstart = path.join(path.dirname(CONFORMANCE), '..', 'examples', 'quickstart');
    const { cpSync, rmSync } = await import('node:fs');
    cpSync(quickstart, project, { recursive: true, filter: (src) => !/[\\/](\.run_log_store|\.catalog|data|\.argo-volumes)$/.test(src) });
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml', '-p', 'parameters.yaml', '-o', 'out/wf.yaml'], { cwd: project });
    expect(compiled.status, compiled.stderr).toBe(0);
    const manifest = readFileSync(path.join(project, 'out', 'wf.yaml'), 'utf8');
    expect(manifest).not.toContain('../');
    const asl = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'configs/asl.yaml', '-p', 'parameters.yaml', '-o', 'out/sm.json'], { cwd: project });
    expect(asl.status, asl.stderr).toBe(0);
    expect(readFileSync(path.join(project, 'out', 'sm.json'), 'utf8')).not.toContain('../');
    // The image holds the project (here: a copy at another path, without the output folder), and its pods
    // start there; the host's folder is not where they run.
    const image = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-image-')), 'app');
    cpSync(project, image, { recursive: true, filter: (src) => !src.endsWith(`${path.sep}out`) });
    rmSync(path.join(project, 'pipeline.yaml'));
    let printed = '';
    const { exitCode, result } = await emulateArgo({
      manifest,
      runId: 'in-image',
      cwd: image,
      env: process.env,
      dagc: [process.execPath, BIN],
      out: (t) => (printed += t),
      err: (t) => (printed += t),
    });
    expect(exitCode, `${result.message}\n${printed}`).toBe(0);
  });
});
