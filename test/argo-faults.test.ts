// Faults under Argo's real workflow controller (go/argo harness): a pod OOMKilled, a fan-out pod evicted, a node
// lost after its step succeeded, a workflow deadline, `argo stop`, `argo terminate`. The run log must end
// consistent — no step PROCESSING, the run FAIL or SUCCESS — and `dagc run --use-cached` must resume it. And
// `retry: 6` gives 6 attempts under the controller and under the built-in emulator alike.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { goOrSkipNotice, goProgram } from './helpers/go.js';
import { BIN } from './helpers/paths.js';
import { emulateArgo } from '../src/emulate/argo/index.js';
import type { ArgoFault, ControllerRunResult } from '../src/emulate/argo/controller-engine.js';
import { emulateArgoWithController } from '../src/emulate/argo/controller-engine.js';
import type { RunLog, StepLog } from '../src/services/run-log/types.js';

const HAVE_GO = goOrSkipNotice("Argo's workflow controller under faults (go/argo harness)");

// prepare sleeps $PREPARE_SLEEP seconds (0 unless a case sets it), so a fault can hit it while it runs. seed puts
// a file first: a re-run starts from the earlier run's catalog folder, which magnus (and dagc) require to exist
// (magnus-spec.md §3.11), and a run whose only step was killed before its put has none.
const PIPELINE = `dag:
  description: faults under Argo's controller
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
      next: fan
    fan:
      type: parallel
      next: finish
      branches:
        a:
          start_at: work
          steps:
            work: {type: task, command_type: shell, command: echo a, next: success}
            success: {type: success}
            fail: {type: fail}
        b:
          start_at: work
          steps:
            work: {type: task, command_type: shell, command: echo b, next: success}
            success: {type: success}
            fail: {type: fail}
    finish:
      type: task
      command_type: shell
      command: echo finished
      retry: 2
      next: success
    success: {type: success}
    fail: {type: fail}
`;

const RETRY6 = `dag:
  start_at: flaky
  steps:
    flaky:
      type: task
      command_type: shell
      command: echo "attempt $DAGC_STEP_ATTEMPT"; exit 1
      retry: 6
      next: success
    success: {type: success}
    fail: {type: fail}
`;

function project(pipeline: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-faults-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline);
  return dir;
}

async function manifestOf(dir: string): Promise<string> {
  const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo'], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

async function underController(dir: string, runId: string, opts: { faults?: ArgoFault[]; deadlineSeconds?: number; env?: Record<string, string> } = {}) {
  let printed = '';
  const { result, exitCode } = await emulateArgoWithController({
    manifest: await manifestOf(dir),
    runId,
    cwd: dir,
    env: { ...process.env, ...opts.env },
    dagc: [process.execPath, BIN],
    out: (t) => void (printed += t),
    err: (t) => void (printed += t),
    faults: opts.faults,
    deadlineSeconds: opts.deadlineSeconds,
    timeoutSeconds: 300,
  });
  return { result, exitCode, printed };
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

const phaseOf = (r: ControllerRunResult, display: string) => r.nodes.find((n) => n.displayName === display)?.phase;

/** The run resumes: dagc run --use-cached on the faulted run ends SUCCESS. */
async function resumes(dir: string, runId: string) {
  const again = await runCli(['run', 'pipeline.yaml', '--use-cached', runId, '--run-id', `${runId}-resumed`], { cwd: dir, timeoutMs: 120_000 });
  expect(again.status, again.stdout + again.stderr).toBe(0);
  expect((await runLog(dir, `${runId}-resumed`)).status).toBe('SUCCESS');
}

describe.skipIf(!HAVE_GO)("faults under Argo's controller: the run log ends consistent and resumes", () => {
  it('a task OOMKilled while it runs', { timeout: 600_000 }, async () => {
    goProgram('argo-controller-harness');
    const dir = project(PIPELINE);
    const { result, exitCode, printed } = await underController(dir, 'oom', { faults: [{ kind: 'oom', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '20' } });
    expect(result.phase, printed).toBe('Failed');
    expect(result.nodes.find((n) => n.type === 'Pod' && n.message?.includes('OOMKilled'))?.phase).toBe('Failed');
    expect(exitCode).toBe(1);
    const log = await runLog(dir, 'oom');
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    expect(log.steps.prepare?.status).toBe('FAIL');
    await resumes(dir, 'oom');
  });

  it("a parallel's fan-out pod evicted", { timeout: 600_000 }, async () => {
    const dir = project(PIPELINE);
    const { result, printed } = await underController(dir, 'evict', { faults: [{ kind: 'evict', path: 'fan', delayMs: 0 }] });
    expect(result.phase, printed).toBe('Failed');
    expect(result.nodes.find((n) => n.type === 'Pod' && n.message?.includes('low on resource'))?.phase).toBe('Failed');
    // The fan-in still runs (its depends accept Omitted branches), and the exit handler closes the run.
    expect(phaseOf(result, 'fan-in'), JSON.stringify(result.nodes.map((n) => [n.displayName, n.phase]))).not.toBe('Omitted');
    const log = await runLog(dir, 'evict');
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    await resumes(dir, 'evict');
  });

  it('a node lost after its step succeeded: Argo errors the pod and retries it; the run ends SUCCESS', { timeout: 600_000 }, async () => {
    const dir = project(PIPELINE);
    const { result, exitCode, printed } = await underController(dir, 'lost', { faults: [{ kind: 'node-loss', path: 'finish', when: 'success' }] });
    expect(result.nodes.some((n) => n.type === 'Pod' && n.phase === 'Error' && n.message === 'pod deleted'), printed).toBe(true);
    expect(result.phase).toBe('Succeeded');
    expect(exitCode).toBe(0);
    const log = await runLog(dir, 'lost');
    expect(log.status).toBe('SUCCESS');
    expect(processing(log.steps)).toEqual([]);
    expect(log.steps.finish?.status).toBe('SUCCESS');
    // Argo ran the pod again; the entrypoint saw the step's SUCCESS and ran and recorded nothing new.
    expect(log.steps.finish?.attempts.length).toBe(1);
  });

  it('the workflow deadline passes while a step runs', { timeout: 600_000 }, async () => {
    const dir = project(PIPELINE);
    const { result, exitCode, printed } = await underController(dir, 'deadline', { deadlineSeconds: 4, env: { PREPARE_SLEEP: '60' } });
    expect(result.phase, printed).toBe('Failed');
    expect(exitCode).toBe(1);
    const log = await runLog(dir, 'deadline');
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    await resumes(dir, 'deadline');
  });

  it('argo stop while a step runs: the exit handler still closes the run', { timeout: 600_000 }, async () => {
    const dir = project(PIPELINE);
    const { result, printed } = await underController(dir, 'stop', { faults: [{ kind: 'stop', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '60' } });
    expect(result.phase, printed).toBe('Failed');
    expect(result.message).toMatch(/Stopped with strategy 'Stop'/);
    const log = await runLog(dir, 'stop');
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    await resumes(dir, 'stop');
  });

  it('argo terminate while a step runs: no exit handler runs (Argo), the run resumes all the same', { timeout: 600_000 }, async () => {
    const dir = project(PIPELINE);
    const { result, printed } = await underController(dir, 'terminate', { faults: [{ kind: 'terminate', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '60' } });
    expect(result.phase, printed).toBe('Failed');
    expect(result.message).toMatch(/Stopped with strategy 'Terminate'/);
    expect(result.nodes.some((n) => n.name.endsWith('.onExit'))).toBe(false);
    await resumes(dir, 'terminate');
  });
});

describe.skipIf(!HAVE_GO)('retry: 6 gives 6 attempts', () => {
  it("under Argo's controller and under the built-in emulator", { timeout: 600_000 }, async () => {
    const attempts: Record<string, number> = {};
    for (const engine of ['argo', 'dagc'] as const) {
      const dir = project(RETRY6);
      const runId = `retry6-${engine}`;
      if (engine === 'argo') {
        const { exitCode, printed } = await underController(dir, runId);
        expect(exitCode, printed).toBe(1);
      } else {
        const { exitCode } = await emulateArgo({ manifest: await manifestOf(dir), runId, cwd: dir, env: process.env, dagc: [process.execPath, BIN], out: () => {}, err: () => {} });
        expect(exitCode).toBe(1);
      }
      const log = await runLog(dir, runId);
      expect(log.status).toBe('FAIL');
      attempts[engine] = log.steps.flaky!.attempts.length;
    }
    expect(attempts).toEqual({ argo: 6, dagc: 6 });
  });
});

const LAST_ATTEMPT = `dag:
  start_at: work
  steps:
    work:
      type: task
      command_type: shell
      command: sleep 20
      retry: 2
      on_failure: recover
      next: success
    recover:
      type: stub
      next: success
    success: {type: success}
    fail: {type: fail}
`;

describe.skipIf(!HAVE_GO)('the failure chain under Argo does not hang on the pod guessing its last attempt', () => {
  it('a step OOMKilled on its last attempt still takes its on_failure route, and its step log closes', { timeout: 600_000 }, async () => {
    const dir = project(LAST_ATTEMPT);
    const { result, exitCode, printed } = await underController(dir, 'last', {
      faults: [
        { kind: 'oom', path: 'work', attempt: 0, delayMs: 1500 },
        { kind: 'oom', path: 'work', attempt: 1, delayMs: 1500 },
      ],
    });
    expect(result.phase, printed).toBe('Succeeded');
    expect(exitCode).toBe(0);
    const log = await runLog(dir, 'last');
    expect(log.status).toBe('SUCCESS');
    expect(log.steps.recover?.status).toBe('SUCCESS');
    expect(log.steps.work?.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
  });
});
