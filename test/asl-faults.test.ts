// Faults AWS can throw at a Step Functions run, injected in `dagc emulate --target asl` (DAGC_EMULATE_FAULTS,
// src/emulate/asl/aws-local.ts): a throttled SubmitJob, a Spot host lost while the job runs, a task timeout,
// StopExecution, and States.Runtime (a map's index range over 1,000 items, which no Catch sees). Each time the
// run log must end consistent — no step or branch PROCESSING, the run FAIL with the cause in a step's message —
// and `dagc run --use-cached` must resume it. Infrastructure errors must cost no user attempt: `retry: 2` still
// gives 2 real attempts after throttled submits.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { RunLog, StepLog } from '../src/services/run-log/types.js';

// prepare sleeps $PREPARE_SLEEP seconds (0 unless a case sets it) so a fault can hit it while it runs; seed puts
// a file first, because a re-run starts from the earlier run's catalog folder (magnus-spec.md §3.11).
const PIPELINE = `dag:
  description: faults under the asl emulator
  start_at: seed
  steps:
    seed:
      type: task
      command_type: shell
      command: mkdir -p data && echo seed > data/seed.txt
      catalog: {put: [seed.txt]}
      next: prepare
    prepare:
      type: task
      command_type: shell
      command: sleep "\${PREPARE_SLEEP:-0}"; echo prepared
      retry: 2
      next: shards
    shards:
      type: map
      iterate_on: chunks
      iterate_as: chunk
      next: finish
      branch:
        start_at: work
        steps:
          work: {type: task, command_type: shell, command: 'sleep "\${WORK_SLEEP:-0}"; echo "chunk $chunk"', next: success}
          success: {type: success}
          fail: {type: fail}
    finish:
      type: task
      command_type: shell
      command: sleep "\${FINISH_SLEEP:-0}"; echo "attempt $DAGC_STEP_ATTEMPT"; test "\${FINISH_FAILS:-0}" = 0
      retry: 2
      next: success
    success: {type: success}
    fail: {type: fail}
`;

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-faults-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(path.join(dir, 'params.yaml'), 'chunks: [1, 2]\n');
  return dir;
}

interface Fault {
  state: string;
  fault: 'throttle' | 'spot' | 'timeout' | 'stop' | 'runtime' | 'exit';
  times?: number;
  afterMs?: number;
  code?: number;
}

async function emulate(dir: string, runId: string, faults: Fault[], env: Record<string, string> = {}) {
  return runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', runId], {
    cwd: dir,
    env: { ...env, DAGC_EMULATE_FAULTS: JSON.stringify(faults) },
    timeoutMs: 240_000,
  });
}

async function runLog(dir: string, runId: string): Promise<RunLog> {
  const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as RunLog;
}

/** Every step and branch still PROCESSING, by internal name. */
function processing(steps: Record<string, StepLog>): string[] {
  const out: string[] = [];
  for (const s of Object.values(steps)) {
    if (s.status === 'PROCESSING') out.push(s.internal_name);
    for (const b of Object.values(s.branches ?? {})) {
      if (b.status === 'PROCESSING') out.push(b.internal_name);
      out.push(...processing(b.steps));
    }
  }
  return out;
}

/**
 * The run ended FAIL, nothing is left PROCESSING, and the step the fault hit says why: the cause is in its
 * message, whether the close found it PROCESSING, stopped by the job's SIGTERM ("aborted"), or never started.
 */
async function closedWith(dir: string, runId: string, step: string, cause: string): Promise<RunLog> {
  const log = await runLog(dir, runId);
  expect(processing(log.steps)).toEqual([]);
  expect(log.status).toBe('FAIL');
  expect(log.steps[step]?.status).toBe('FAIL');
  expect(log.steps[step]?.message).toContain(cause);
  return log;
}

/** The run resumes: dagc run --use-cached on the faulted run ends SUCCESS. */
async function resumes(dir: string, runId: string) {
  const again = await runCli(['run', 'pipeline.yaml', '-p', 'params.yaml', '--use-cached', runId, '--run-id', `${runId}-resumed`], { cwd: dir, timeoutMs: 120_000 });
  expect(again.status, again.stdout + again.stderr).toBe(0);
  const log = await runLog(dir, `${runId}-resumed`);
  expect(log.status).toBe('SUCCESS');
  expect(log.steps.seed?.mock).toBe(true);
}

describe('faults under the asl emulator: the run log ends consistent and resumes', () => {
  it('throttled submits are retried apart: retry: 2 still gives 2 real attempts', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'throttle', [{ state: 'finish.attempt', fault: 'throttle', times: 3 }], { FINISH_FAILS: '1' });
    expect(r.status, r.stderr).toBe(1);
    const log = await runLog(dir, 'throttle');
    expect(processing(log.steps)).toEqual([]);
    expect(log.steps.finish?.attempts.map((a) => [a.attempt_number, a.status])).toEqual([
      [1, 'FAIL'],
      [2, 'FAIL'],
    ]);
    expect(log.steps.fail?.status).toBe('SUCCESS');
    await resumes(dir, 'throttle');
  });

  it('throttled past the infrastructure retrier: the step that never started is recorded FAIL with the cause', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'throttle-out', [{ state: 'finish.attempt', fault: 'throttle', times: 7 }]);
    expect(r.status, r.stderr).toBe(1);
    const log = await closedWith(dir, 'throttle-out', 'finish', 'Batch.AWSBatchException: Too Many Requests');
    expect(log.steps.finish?.attempts).toEqual([]);
    await resumes(dir, 'throttle-out');
  });

  it('a Spot host lost while the job runs: the step is retried and the run ends consistent', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'spot', [{ state: 'prepare.attempt', fault: 'spot', afterMs: 1500 }], { PREPARE_SLEEP: '4' });
    expect(r.status, r.stderr).toBe(0);
    const log = await runLog(dir, 'spot');
    expect(log.status).toBe('SUCCESS');
    expect(processing(log.steps)).toEqual([]);
    // A job killed before it recorded anything costs no attempt (the retry is attempt 1 again); one that got
    // SIGTERM first records its attempt FAIL ("aborted"), and the retry is the next attempt.
    const attempts = log.steps.prepare?.attempts.map((a) => [a.attempt_number, a.status]);
    expect([JSON.stringify([[1, 'SUCCESS']]), JSON.stringify([[1, 'FAIL'], [2, 'SUCCESS']])]).toContain(JSON.stringify(attempts));
  });

  it('a Spot host lost during a retried step: Batch runs it again, and retry: 2 still gives 2 real attempts', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'spot-retry', [{ state: 'finish.attempt', fault: 'spot', afterMs: 1500 }], { FINISH_SLEEP: '3', FINISH_FAILS: '1' });
    expect(r.status, r.stderr).toBe(1);
    const log = await runLog(dir, 'spot-retry');
    expect(processing(log.steps)).toEqual([]);
    const attempts = log.steps.finish!.attempts;
    // The attempt the host's SIGTERM stopped is recorded ("aborted") but is not one of the user's two.
    const real = attempts.filter((a) => a.message !== 'aborted');
    expect(real.map((a) => a.status)).toEqual(['FAIL', 'FAIL']);
    expect(attempts.length - real.length).toBeLessThanOrEqual(1);
    expect(log.steps.fail?.status).toBe('SUCCESS');
  });

  it('exit 2 (bad input) is not retried; exit 1 is', { timeout: 300_000 }, async () => {
    // The fault hits one job: were the attempt that exited 2 retried, the retry would run the step to SUCCESS.
    const dir = project();
    const bad = await emulate(dir, 'exit-2', [{ state: 'finish.attempt', fault: 'exit', code: 2 }]);
    expect(bad.status, bad.stderr).toBe(1);
    const log = await runLog(dir, 'exit-2');
    expect(processing(log.steps)).toEqual([]);
    expect(log.status).toBe('FAIL');
    expect(log.steps.finish?.attempts.some((a) => a.status === 'SUCCESS') ?? false).toBe(false);
    // The same fault with exit 1 (the step failed): the user's retry runs it again, to SUCCESS.
    const retried = await emulate(dir, 'exit-1', [{ state: 'finish.attempt', fault: 'exit', code: 1 }]);
    expect(retried.status, retried.stderr).toBe(0);
    expect((await runLog(dir, 'exit-1')).steps.finish?.status).toBe('SUCCESS');
  });

  it('a task timeout ends the run FAIL with States.Timeout', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'timeout', [{ state: 'prepare.attempt', fault: 'timeout', afterMs: 1500 }], { PREPARE_SLEEP: '20' });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('States.Timeout');
    await closedWith(dir, 'timeout', 'prepare', 'States.Timeout');
    await resumes(dir, 'timeout');
  });

  it('StopExecution: the rule on ABORTED closes the run', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'stop', [{ state: 'prepare.attempt', fault: 'stop', afterMs: 1500 }], { PREPARE_SLEEP: '20' });
    expect(r.status, r.stderr).toBe(1);
    await closedWith(dir, 'stop', 'prepare', 'dagc.ExecutionAborted');
    await resumes(dir, 'stop');
  });

  it('States.Runtime, which no Catch sees: the rule on FAILED closes the run', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'runtime', [{ state: 'shards.count', fault: 'runtime' }]);
    expect(r.status, r.stderr).toBe(1);
    await closedWith(dir, 'runtime', 'shards', 'States.Runtime');
    await resumes(dir, 'runtime');
  });

  it('a timeout inside a map iteration: the fan in records the branch that never reported FAIL', { timeout: 300_000 }, async () => {
    const dir = project();
    const r = await emulate(dir, 'branch', [{ state: 'shards.map_variable_placeholder.work', fault: 'timeout', afterMs: 1500, times: 2 }], { WORK_SLEEP: '20' });
    expect(r.status, r.stderr).toBe(1);
    const log = await runLog(dir, 'branch');
    expect(processing(log.steps)).toEqual([]);
    expect(log.status).toBe('FAIL');
    const shards = log.steps.shards!;
    expect(shards.status).toBe('FAIL');
    expect(Object.values(shards.branches).map((b) => b.status)).toEqual(['FAIL', 'FAIL']);
    expect(shards.message).toContain('branches not successful');
    await resumes(dir, 'branch');
  });
});
