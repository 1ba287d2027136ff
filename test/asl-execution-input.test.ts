// The execution's name and input under `dagc emulate --target asl`: an execution name Step Functions accepts
// but the run-id rule refuses (nightly@2024-06-01) runs under the run id it maps to (runtime/run-id.ts
// runIdOfExecutionName), with a map whose count the state machine reads under the execution's name — from the
// configured store's records, and from a real S3-protocol server where dagc asl-task copies the count to the
// name's keys; and a run, then a re-run, whose host environment holds DAGC_* variables that say otherwise: the
// jobs see only what the execution input and the compiled files say.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import type { RunLog } from '../src/services/run-log/types.js';
import { runIdOfExecutionName } from '../src/runtime/run-id.js';

const PIPELINE = `dag:
  start_at: shards
  steps:
    shards:
      type: map
      iterate_on: chunks
      iterate_as: chunk
      next: success
      branch:
        start_at: work
        steps:
          work: {type: task, command_type: shell, command: 'echo "chunk $chunk"', next: success}
          success: {type: success}
          fail: {type: fail}
    success: {type: success}
    fail: {type: fail}
`;

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-input-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(path.join(dir, 'params.yaml'), 'chunks: [1, 2, 3]\n');
  return dir;
}

async function runLog(dir: string, runId: string, extra: string[] = [], env: Record<string, string> = {}): Promise<RunLog> {
  const shown = await runCli(['runs', 'show', runId, '--json', ...extra], { cwd: dir, env });
  expect(shown.status, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as RunLog;
}

const NAME = 'nightly@2024-06-01';

describe('asl execution names and input under the emulator', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => s3?.close());

  it('an execution name the run-id rule refuses runs under the run id it maps to, map included', { timeout: 240_000 }, async () => {
    const dir = project();
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', NAME], { cwd: dir, timeoutMs: 200_000 });
    expect(r.status, r.stderr).toBe(0);
    const runId = runIdOfExecutionName(NAME);
    expect(runId).not.toBe(NAME);
    expect(r.stderr).toContain(`the run log: dagc runs show ${runId}`);
    const log = await runLog(dir, runId);
    expect(log.status).toBe('SUCCESS');
    // The run log keeps the execution's name.
    expect(log.tag).toBe(`execution ${NAME}`);
    expect(Object.values(log.steps.shards!.branches).map((b) => b.status)).toEqual(['SUCCESS', 'SUCCESS', 'SUCCESS']);
  });

  it('with an S3 run log store, the map count is read under the execution name', { timeout: 240_000 }, async () => {
    const dir = project();
    writeFileSync(
      path.join(dir, 'asl.yaml'),
      JSON.stringify({
        executor: {
          type: 'asl',
          config: {
            image: 'dagc:test',
            job_queue: 'arn:aws:batch:us-east-1:000000000000:job-queue/q',
            job_definition: 'arn:aws:batch:us-east-1:000000000000:job-definition/d:1',
          },
        },
        run_log_store: { type: 's3', config: s3.config('names/runs/') },
        catalog: { type: 's3', config: s3.config('names/catalog/') },
      }),
    );
    const env = { ...s3.env };
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml', '-p', 'params.yaml', '--run-id', NAME], { cwd: dir, env, timeoutMs: 200_000 });
    expect(r.status, r.stderr).toBe(0);
    const log = await runLog(dir, runIdOfExecutionName(NAME), ['-c', 'asl.yaml'], env);
    expect(log.status).toBe('SUCCESS');
    expect(Object.keys(log.steps.shards!.branches)).toHaveLength(3);
  });

  it("the host's DAGC_* variables reach no job: parameters and the re-run come from the files and the execution input", { timeout: 240_000 }, async () => {
    const dir = project();
    // What a developer's shell might hold: none of it may change the run. (DAGC_USE_CACHED is `dagc emulate`'s
    // own default for --use-cached, as the bash script reads it: it is given only where --use-cached overrides it.)
    const host = { DAGC_PRM_CHUNKS: '[7, 8, 9, 10]', DAGC_RUN_TAG: 'from-the-host', DAGC_MAP_INDEX: '5', DAGC_ASL_INPUT: '{"parameters": {"chunks": [4]}}' };
    const first = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', 'clean-1'], { cwd: dir, env: host, timeoutMs: 200_000 });
    expect(first.status, first.stderr).toBe(0);
    const log = await runLog(dir, 'clean-1');
    expect(log.parameters).toEqual({ chunks: [1, 2, 3] });
    expect(log.use_cached).toBe(false);
    expect(log.tag).toBe('');
    expect(Object.keys(log.steps.shards!.branches)).toHaveLength(3);
    // The re-run names its earlier run in the execution input (--use-cached); the host still says otherwise.
    const again = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--use-cached', 'clean-1', '--run-id', 'clean-2'], {
      cwd: dir,
      env: { ...host, DAGC_USE_CACHED: 'elsewhere' },
      timeoutMs: 200_000,
    });
    expect(again.status, again.stderr).toBe(0);
    const rerun = await runLog(dir, 'clean-2');
    expect([rerun.use_cached, rerun.original_run_id, rerun.status]).toEqual([true, 'clean-1', 'SUCCESS']);
    expect(rerun.steps.shards?.mock).toBe(true);
  });

  // The host's environment with every DAGC_* variable removed (set undefined: runCli's spawn drops them).
  const noDagc = (extra: Record<string, string> = {}): Record<string, string | undefined> => ({
    ...Object.fromEntries(Object.keys(process.env).filter((k) => k.startsWith('DAGC_') || k.startsWith('MAGNUS_')).map((k) => [k, undefined])),
    ...extra,
  });

  const SAY = `dag:
  start_at: say
  steps:
    say: {type: task, command_type: shell, command: 'printf "%s" "$DAGC_PRM_msg" > "$SAY_OUT"', next: success}
    success: {type: success}
    fail: {type: fail}
`;

  it('-p and --use-cached travel in the execution input: quotes and backslashes intact, nothing from the host', { timeout: 240_000 }, async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-input-'));
    const out = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-asl-said-')), 'said.txt');
    writeFileSync(path.join(dir, 'pipeline.yaml'), SAY);
    // A value whose JSON text needs backslashes (aws-local-stepfunctions drops them from an intrinsic's result).
    const msg = 'say "hi" \\ C:\\temp\\n';
    writeFileSync(path.join(dir, 'params.yaml'), `msg: ${JSON.stringify(msg)}\n`);
    const first = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', 'in-1'], { cwd: dir, env: noDagc({ SAY_OUT: out }), timeoutMs: 200_000 });
    expect(first.status, first.stderr).toBe(0);
    // The step's DAGC_PRM_msg is the value's JSON text.
    expect(JSON.parse(readFileSync(out, 'utf8'))).toBe(msg);
    const log = await runLog(dir, 'in-1');
    expect(log.parameters).toEqual({ msg });
    // The parameters are in the input only, not compiled into the jobs' commands: an input without them (the
    // emulator's DAGC_EMULATE_INPUT replaces what -p and --use-cached make) gives a run without them.
    const bare = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', 'in-bare'], {
      cwd: dir,
      env: noDagc({ SAY_OUT: out, DAGC_EMULATE_INPUT: '{}' }),
      timeoutMs: 200_000,
    });
    expect(bare.status, bare.stderr).toBe(0);
    expect((await runLog(dir, 'in-bare')).parameters).toEqual({});
    expect(readFileSync(out, 'utf8')).toBe('');
    // The re-run: use_cached in the input, the parameters again; the step is taken from in-1.
    writeFileSync(out, 'untouched');
    const again = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--use-cached', 'in-1', '--run-id', 'in-2'], {
      cwd: dir,
      env: noDagc({ SAY_OUT: out }),
      timeoutMs: 200_000,
    });
    expect(again.status, again.stderr).toBe(0);
    const rerun = await runLog(dir, 'in-2');
    expect([rerun.use_cached, rerun.original_run_id, rerun.status, rerun.parameters]).toEqual([true, 'in-1', 'SUCCESS', { msg }]);
    expect(rerun.steps.say?.mock).toBe(true);
    expect(readFileSync(out, 'utf8')).toBe('untouched');
  });

  it.each([
    ['an unknown key', '{"parameter": {"x": 1}}', 'unknown key "parameter"'],
    ['a parameter name the run cannot carry', '{"parameters": {"Bad-Name": 1}}', 'parameter "Bad-Name"'],
    ['use_cached that is no run id', '{"use_cached": "../etc"}', 'use_cached in the execution input must be a run id'],
    ['an input that is no object', '[1, 2]', 'must be a JSON object'],
  ])('bad execution input (%s) is the first step FAIL with the reason, not retried', { timeout: 240_000 }, async (_what, input, reason) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-input-'));
    const out = path.join(dir, 'said.txt');
    writeFileSync(path.join(dir, 'pipeline.yaml'), SAY.replace('say: {type: task', 'say: {type: task, retry: 3'));
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '--run-id', 'bad-1'], { cwd: dir, env: noDagc({ SAY_OUT: out, DAGC_EMULATE_INPUT: input }), timeoutMs: 200_000 });
    expect(r.status, r.stderr).toBe(1);
    const log = await runLog(dir, 'bad-1');
    expect(log.status).toBe('FAIL');
    expect(log.steps.say?.status).toBe('FAIL');
    expect(log.steps.say?.message).toContain('dagc.BadInput');
    expect(log.steps.say?.message).toContain(reason);
    // The step's command never ran, and no attempt was made (exit 2 is not retried).
    expect(log.steps.say?.attempts).toEqual([]);
    expect(() => readFileSync(out)).toThrow();
  });
});
