// The local-container executor end to end (issue #7): dagc traverses here and every task step runs `dagc exec`
// in a real container (podman or docker, whichever works), from an image the tests build from a root file
// system (no registry is reachable). Held to the same expected run logs as `dagc run`; where no engine works,
// these skip with a printed notice. The misconfiguration checks need no engine and always run.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { caseNames, expectedFile, playCase } from './helpers/conformance.js';
import type { CaseRun } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { testImage } from './helpers/container-image.js';
import { startS3Server } from './helpers/s3-server.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { RunLog } from '../src/services/run-log/types.js';
import { CONFORMANCE } from './helpers/conformance.js';

const image = await testImage();
const skipReason = 'skip' in image ? image.skip : undefined;
if (skipReason) console.log(`[skip] local-container end-to-end tests: ${skipReason}`);
const PYTHON_CASES = ['python-params', 'integer-map'];

/** The case's config with the local-container executor (keeping its executor settings) and the test image. */
function containerConfig(dir: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(dir, 'config.yaml');
  const base = (existsSync(file) ? parse(readFileSync(file, 'utf8')) : {}) as Record<string, { config?: Record<string, unknown> }>;
  const config = {
    ...base,
    executor: {
      type: 'local-container',
      config: {
        ...(base.executor?.config ?? {}),
        docker_image: 'skip' in image ? 'none' : image.image,
        // The re-run case fixes its failing step with FIX=1 in the host's environment.
        pass_env: ['FIX'],
        ...extra,
      },
    },
  };
  writeFileSync(path.join(dir, 'container.yaml'), stringify(config));
  return 'container.yaml';
}

function runInContainers(dir: string, runId: string, run: CaseRun): Promise<CliResult> {
  const params = existsSync(path.join(dir, 'parameters.yaml')) ? ['-p', 'parameters.yaml'] : [];
  return runCli(['run', 'pipeline.yaml', '-c', containerConfig(dir), ...params, '--run-id', runId, ...(run.args ?? [])], {
    cwd: dir,
    env: run.env,
    timeoutMs: 180_000,
  });
}

describe.skipIf(skipReason !== undefined)('local-container conformance', () => {
  const python = !('skip' in image) && image.python;
  if (!python) console.log('[skip] local-container python cases: the test image has no python3 (Debian python3-minimal)');
  describe.each(caseNames().filter((n) => python || !PYTHON_CASES.includes(n)))('%s', (name) => {
    it('records the same run log as dagc run', { timeout: 240_000 }, async () => {
      await playCase(name, runInContainers, async (runId, scrubbed) =>
        expect(scrubbed).toBe(readFileSync(expectedFile(name, runId), 'utf8')),
      );
    });
  });
});

describe.skipIf(skipReason !== undefined)('local-container services and identity', () => {
  it('lands catalog files written in containers in the host catalog with their hashes, and records the image', { timeout: 120_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'catalog'));
    const result = await runCli(['run', 'pipeline.yaml', '-c', containerConfig(dir), '--run-id', 'cat'], { cwd: dir, timeoutMs: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const shown = await runCli(['runs', 'show', 'cat', '--json'], { cwd: dir });
    const log = JSON.parse(shown.stdout) as RunLog;
    const entries = Object.values(log.steps).flatMap((s) => s.data_catalog.filter((c) => c.stage === 'put'));
    expect(entries.length).toBeGreaterThan(3);
    for (const entry of entries) {
      const file = path.join(dir, '.catalog', entry.catalog_relative_path);
      expect(createHash('sha256').update(readFileSync(file)).digest('hex'), entry.catalog_relative_path).toBe(entry.data_hash);
    }
    const task = Object.values(log.steps).find((s) => s.step_type === 'task')!;
    const inspected = image as Exclude<typeof image, { skip: string }>;
    expect(task.code_identities.map((c) => c.code_identifier_type)).toEqual(['git', 'docker']);
    expect(task.code_identities[1]).toMatchObject({ code_identifier_dependable: true, code_identifier_message: `image ${inspected.image}` });
    expect(task.code_identities[1]!.code_identifier).toMatch(/^[0-9a-f]{64}$/);
    // A stub runs on the host: no container, so no image identity.
    const stub = Object.values(log.steps).find((s) => s.step_type === 'stub');
    if (stub) expect(stub.code_identities.map((c) => c.code_identifier_type)).toEqual(['git']);
  });

  it('runs a run_in_local step on the host and the others in the image', { timeout: 120_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8').replace('    read initial:\n', "    read initial:\n      executor_config:\n        local-container: {run_in_local: true}\n"),
    );
    const result = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '-c', containerConfig(dir), '--run-id', 'hy'], { cwd: dir, timeoutMs: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    const log = JSON.parse((await runCli(['runs', 'show', 'hy', '--json'], { cwd: dir })).stdout) as RunLog;
    expect(log.steps['read initial']!.code_identities.map((c) => c.code_identifier_type)).toEqual(['git']);
    expect(log.steps['output file']!.code_identities.map((c) => c.code_identifier_type)).toEqual(['git', 'docker']);
  });

  // Two branches that each wait (at most 3 s) for the other to start: they both succeed only when their
  // containers run at the same time, and the second fails when the cap allows one at a time. The barrier is a
  // file in data/, so the steps share the project folder (shared_workspace) instead of a workspace each.
  it('runs parallel branches in containers at once, under the same cap as local runs', { timeout: 120_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    const branch = (me: string, other: string) => ({
      start_at: me,
      steps: {
        [me]: {
          type: 'task',
          command_type: 'shell',
          command: `mkdir -p data && touch data/${me} && i=0 && while [ ! -e data/${other} ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i+1)); done && test -e data/${other}`,
          next: 'success',
        },
        success: { type: 'success' },
        fail: { type: 'fail' },
      },
    });
    const dag = {
      start_at: 'both',
      steps: {
        both: { type: 'parallel', branches: { one: branch('b1', 'b2'), two: branch('b2', 'b1') }, next: 'success' },
        success: { type: 'success' },
        fail: { type: 'fail' },
      },
    };
    writeFileSync(path.join(dir, 'barrier.yaml'), stringify({ dag }));
    const together = await runCli(['run', 'barrier.yaml', '-c', containerConfig(dir, { shared_workspace: true }), '--run-id', 'together'], { cwd: dir, timeoutMs: 60_000 });
    expect(together.status, together.stderr).toBe(0);
    rmSync(path.join(dir, 'data'), { recursive: true, force: true });
    const oneAtATime = await runCli(['run', 'barrier.yaml', '-c', containerConfig(dir, { max_parallel: 1, shared_workspace: true }), '--run-id', 'single'], { cwd: dir, timeoutMs: 60_000 });
    expect(oneAtATime.status, oneAtATime.stderr).toBe(1);
  });

  // Stores outside the working directory, not created yet: each is mounted at its own path, so the steps in
  // containers and the host write one run log and one catalog, and the log equals dagc run's.
  it('mounts a file-system run log and catalog that live outside the working directory', { timeout: 120_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'nested'));
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'dagc-lc-stores-'));
    containerConfig(dir);
    const config = parse(readFileSync(path.join(dir, 'container.yaml'), 'utf8')) as Record<string, unknown>;
    const stores = {
      run_log_store: { type: 'file-system', config: { log_folder: path.join(elsewhere, 'logs') } },
      catalog: { type: 'file-system', config: { catalog_location: path.join(elsewhere, 'catalog') } },
    };
    writeFileSync(path.join(dir, 'fs.yaml'), stringify({ ...config, ...stores }));
    const result = await runCli(['run', 'pipeline.yaml', '-c', 'fs.yaml', '--run-id', 'nested-1'], { cwd: dir, timeoutMs: 120_000 });
    expect(result.status, result.stderr).toBe(0);
    expect(existsSync(path.join(elsewhere, 'logs', 'nested-1.json'))).toBe(true);
    const shown = await runCli(['runs', 'show', 'nested-1', '--json', '-c', 'fs.yaml'], { cwd: dir });
    expect(scrubbedText(JSON.parse(shown.stdout) as RunLog)).toBe(readFileSync(expectedFile('nested', 'nested-1'), 'utf8'));
  });

  // Stores that share no disk with the containers: the AWS variables pass through by name and the object
  // store on the host's loopback is reached over the host network. Same run log as dagc run.
  it('runs with the s3 run log store and catalog, credentials passed by name', { timeout: 120_000 }, async () => {
    const s3 = await startS3Server();
    try {
      const dir = copyFixture(path.join(CONFORMANCE, 'catalog'));
      containerConfig(dir);
      const config = parse(readFileSync(path.join(dir, 'container.yaml'), 'utf8')) as Record<string, unknown>;
      writeFileSync(
        path.join(dir, 's3.yaml'),
        stringify({ ...config, run_log_store: { type: 's3', config: s3.config('runs/') }, catalog: { type: 's3', config: s3.config('catalog/') } }),
      );
      const result = await runCli(['run', 'pipeline.yaml', '-c', 's3.yaml', '--run-id', 'catalog-1'], { cwd: dir, env: s3.env, timeoutMs: 120_000 });
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr).not.toContain(s3.env.AWS_SECRET_ACCESS_KEY!);
      expect(existsSync(path.join(dir, '.run_log_store'))).toBe(false);
      const shown = await runCli(['runs', 'show', 'catalog-1', '--json', '-c', 's3.yaml'], { cwd: dir, env: s3.env });
      expect(shown.status, shown.stderr).toBe(0);
      // A failed get names where it looked: the bucket here, the catalog folder in the expected log.
      const said = scrubbedText(JSON.parse(shown.stdout) as RunLog).split(`s3://${s3.bucket}/catalog/`).join('.catalog/');
      expect(said).toBe(readFileSync(expectedFile('catalog', 'catalog-1'), 'utf8'));
    } finally {
      await s3.close();
    }
  });

  it('refuses an image that is not there, before anything runs', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    const config = containerConfig(dir, { docker_image: 'localhost/dagc-no-such-image:0' });
    const result = await runCli(['run', 'pipeline.yaml', '-c', config], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/the image "localhost\/dagc-no-such-image:0" is not in (podman|docker)'s local images/);
    expect(result.stderr).toMatch(/hint: build it \(`dagc image dockerfile`/);
    expect(existsSync(path.join(dir, '.run_log_store'))).toBe(false);
  });
});

describe('local-container misconfigurations (no engine needed)', () => {
  const noRunYet = (dir: string) => expect(existsSync(path.join(dir, '.run_log_store')), 'a run was created').toBe(false);

  it('refuses the buffered run log store', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    writeFileSync(path.join(dir, 'c.yaml'), 'executor:\n  type: local-container\n  config: {docker_image: img}\nrun_log_store:\n  type: buffered\n');
    const result = await runCli(['run', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'dagc run: the local-container executor runs every step as its own process, so an in-memory (buffered) run log cannot be shared\n' +
        'hint: use run_log_store: {type: chunked-fs} or {type: file-system}\n',
    );
    noRunYet(dir);
  });

  it('says when no image is set at all, and names the one step without an image at its line', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    writeFileSync(path.join(dir, 'c.yaml'), 'executor:\n  type: local-container\n');
    const none = await runCli(['execute', '-f', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir });
    expect(none.status).toBe(2);
    expect(none.stderr).toBe(
      'pipeline.yaml:5:5 error DAGC-CONTAINER-NO-IMAGE the local-container executor has no docker_image in c.yaml, and no step sets its own\n' +
        '  4 |   steps:\n> 5 |     read initial:\n    |     ^\n' +
        'hint: set executor.config.docker_image to the image the steps run in (`dagc image dockerfile` writes a Dockerfile for one), or use executor: {type: local}\n\n1 error\n',
    );
    // validate finds it too, without running anything.
    const validated = await runCli(['validate', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir });
    expect(validated.status).toBe(2);
    expect(validated.stderr).toBe(none.stderr);
    // Every step but one has its image from a named override: the one left is reported where it is.
    writeFileSync(path.join(dir, 'c.yaml'), 'executor:\n  type: local-container\n  config:\n    overrides:\n      img: {docker_image: img}\n');
    const pipeline = readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8');
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      pipeline.replace(/\n {4}(?!read initial)([a-z][a-z ]+):\n {6}type: task\n/g, '\n    $1:\n      type: task\n      overrides: {local-container: img}\n'),
    );
    const one = await runCli(['execute', '-f', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir });
    expect(one.status).toBe(2);
    expect(one.stderr).toMatch(/^pipeline\.yaml:5:5 error DAGC-CONTAINER-NO-IMAGE step "read initial": the local-container executor has no image to run it in$/m);
    expect(one.stderr).toMatch(/^1 error$/m);
    expect(one.stderr).not.toMatch(/^\s+at /m);
    noRunYet(dir);
  });

  it('says what is missing when no engine works', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    writeFileSync(path.join(dir, 'c.yaml'), 'executor:\n  type: local-container\n  config: {docker_image: img}\n');
    const result = await runCli(['run', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir, env: { PATH: path.join(dir, 'no-bin') } });
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'dagc run: no container engine works here for the local-container executor (docker: not installed (not found on PATH); podman: not installed (not found on PATH))\n' +
        'hint: start a Docker engine, or install podman (Debian: apt-get install podman runc); set executor.config.engine to choose one, or use executor: {type: local} to run the steps here\n',
    );
    noRunYet(dir);
  });

  it('checks the executor config against the schema, at the line', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'shell-params'));
    writeFileSync(path.join(dir, 'c.yaml'), 'executor:\n  type: local-container\n  config:\n    docker_image: img\n    engine: kubernetes\n');
    const result = await runCli(['run', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^c\.yaml:5:13 error DAGC-SCHEMA-UNKNOWN-VALUE "config\.engine" of "executor" cannot be the text "kubernetes"$/m);
    noRunYet(dir);
  });
});
