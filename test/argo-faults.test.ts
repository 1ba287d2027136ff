// Faults under both Argo engines — Argo's real workflow controller (go/argo harness) and dagc's built-in emulator
// (`--engine dagc`), given the same fault requests (src/emulate/argo/faults.ts): a pod OOMKilled, a fan-out pod
// evicted, a node lost after its step succeeded (with and without retries) or while it ran, a workflow deadline,
// `argo stop`, `argo terminate`. On each engine the run log must end consistent — no step PROCESSING, the run FAIL
// or SUCCESS as the pipeline says — and `dagc run --use-cached` must resume it; and the two engines must end with
// the same node phases and the same run log (the controller is the oracle: where they differed, the built-in
// emulator was fixed). `retry: 6` gives 6 attempts on both.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { goOrSkipNotice, goProgram } from './helpers/go.js';
import { BIN } from './helpers/paths.js';
import { phasesOf } from './helpers/argo-phases.js';
import type { Phases } from './helpers/argo-phases.js';
import { scrubRunLog } from './helpers/run-log-compare.js';
import type { ScrubbedRunLog } from './helpers/run-log-compare.js';
import { emulateArgo } from '../src/emulate/argo/index.js';
import type { ArgoFault } from '../src/emulate/argo/faults.js';
import { emulateArgoWithController } from '../src/emulate/argo/controller-engine.js';
import type { RunLog, StepLog } from '../src/services/run-log/types.js';

const HAVE_GO = goOrSkipNotice("Argo's workflow controller under faults (go/argo harness)");

// prepare sleeps $PREPARE_SLEEP seconds (0 unless a case sets it), so a fault can hit it while it runs. seed puts
// a file first: a re-run starts from the earlier run's catalog folder, which magnus (and dagc) require to exist
// (magnus-spec.md §3.11), and a run whose only step was killed before its put has none.
const PIPELINE = `dag:
  description: faults under Argo's engines
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

type Engine = 'argo' | 'dagc';

interface FaultRun {
  readonly engine: Engine;
  readonly phase: string;
  readonly message: string;
  readonly exitCode: number;
  readonly phases: Phases;
  readonly messages: readonly string[];
  readonly printed: string;
}

interface FaultCase {
  readonly faults?: readonly ArgoFault[];
  readonly deadlineSeconds?: number;
  readonly env?: Record<string, string>;
  /** The controller harness's time scale (default 0.001: a step's 7200 s deadline is 8 s there). */
  readonly timeScale?: number;
}

/** One run of the pipeline in `dir` under an engine, with the case's faults. */
async function underEngine(engine: Engine, dir: string, runId: string, c: FaultCase): Promise<FaultRun> {
  let printed = '';
  const common = {
    manifest: await manifestOf(dir),
    runId,
    cwd: dir,
    env: { ...process.env, ...c.env },
    dagc: [process.execPath, BIN],
    out: (t: string) => void (printed += t),
    err: (t: string) => void (printed += t),
    faults: c.faults,
    deadlineSeconds: c.deadlineSeconds,
  };
  if (engine === 'argo') {
    const { result, exitCode } = await emulateArgoWithController({ ...common, timeScale: c.timeScale, timeoutSeconds: 300 });
    return { engine, phase: result.phase, message: result.message, exitCode, phases: phasesOf(result.nodes), messages: result.nodes.map((n) => n.message ?? ''), printed };
  }
  const { result, exitCode } = await emulateArgo(common);
  return { engine, phase: result.phase, message: result.message, exitCode, phases: phasesOf(result.nodes), messages: result.nodes.map((n) => n.message ?? ''), printed };
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

/** The run resumes: dagc run --use-cached on the faulted run ends SUCCESS. */
async function resumes(dir: string, runId: string) {
  const again = await runCli(['run', 'pipeline.yaml', '--use-cached', runId, '--run-id', `${runId}-resumed`], { cwd: dir, timeoutMs: 120_000 });
  expect(again.status, again.stdout + again.stderr).toBe(0);
  expect((await runLog(dir, `${runId}-resumed`)).status).toBe('SUCCESS');
}

/**
 * Runs a fault case under both engines (the controller first), checks each with `check` (its run log is
 * consistent, and it resumes when `resume` says so), then that both ended alike: node phases, workflow phase,
 * dagc's exit code and the run log.
 */
async function onBothEngines(
  pipeline: string,
  name: string,
  c: FaultCase,
  check: (run: FaultRun, log: RunLog) => void,
  opts: { resume?: boolean } = {},
): Promise<Record<Engine, { run: FaultRun; log: ScrubbedRunLog }>> {
  goProgram('argo-controller-harness');
  const out = {} as Record<Engine, { run: FaultRun; log: ScrubbedRunLog }>;
  for (const engine of ['argo', 'dagc'] as const) {
    const dir = project(pipeline);
    const runId = `${name}-${engine}`;
    const run = await underEngine(engine, dir, runId, c);
    const log = await runLog(dir, runId);
    const where = `${engine} engine: ${JSON.stringify(run.phases)}\n${run.printed}`;
    if (process.env.DAGC_FAULTS_DEBUG) console.log(engine, run.phase, run.message, JSON.stringify(run.phases, null, 1), run.messages.filter(Boolean), JSON.stringify(scrubRunLog(log)));
    expect(processing(log.steps), where).toEqual([]);
    expect(log.status, where).not.toBe('PROCESSING');
    check(run, log);
    if (opts.resume !== false) await resumes(dir, runId);
    out[engine] = { run, log: scrubRunLog(log) };
  }
  const { argo, dagc } = out;
  expect(dagc.run.phases, 'node phases: built-in emulator vs the controller').toEqual(argo.run.phases);
  expect([dagc.run.phase, dagc.run.exitCode]).toEqual([argo.run.phase, argo.run.exitCode]);
  expect(dagc.log, 'run log: built-in emulator vs the controller').toEqual(argo.log);
  return out;
}

describe.skipIf(!HAVE_GO)('faults on both Argo engines: the run log ends consistent, resumes, and the engines agree', () => {
  it('a task OOMKilled while it runs', { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'oom', { faults: [{ kind: 'oom', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '20' } }, (run, log) => {
      expect(run.phase).toBe('Failed');
      expect(run.messages.some((m) => m.includes('OOMKilled (exit code 137)'))).toBe(true);
      expect(run.exitCode).toBe(1);
      expect(log.status).toBe('FAIL');
      expect(log.steps.prepare?.status).toBe('FAIL');
    });
  });

  it("a parallel's fan-out pod evicted: the fan-in still closes the composite", { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'evict', { faults: [{ kind: 'evict', path: 'fan', delayMs: 0 }] }, (run, log) => {
      expect(run.phase, run.printed).toBe('Failed');
      expect(run.messages.some((m) => m.includes('low on resource'))).toBe(true);
      // The fan-in runs (its depends accept Omitted branches) and closes the composite FAIL.
      expect(run.phases['fan.fan-in'], JSON.stringify(run.phases)).toBe('Failed');
      expect(log.status).toBe('FAIL');
      expect(log.steps.fan?.status).toBe('FAIL');
    });
  });

  it('a node lost after its step succeeded, the step with retries: the run carries on and ends SUCCESS', { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'lost', { faults: [{ kind: 'node-loss', path: 'finish', when: 'success' }] }, (run, log) => {
      expect(run.messages).toContain('pod deleted');
      expect(run.phase).toBe('Succeeded');
      expect(run.exitCode).toBe(0);
      expect(log.status).toBe('SUCCESS');
      // Argo ran the pod again; the entrypoint saw the step's SUCCESS and ran and recorded nothing new.
      expect(log.steps.finish?.status).toBe('SUCCESS');
      expect(log.steps.finish?.attempts.length).toBe(1);
    }, { resume: false });
  });

  it('a node lost after its step succeeded, the step without retries: no failure route, the run carries on', { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'lost1', { faults: [{ kind: 'node-loss', path: 'prepare', when: 'success' }] }, (run, log) => {
      expect(run.messages).toContain('pod deleted');
      expect(run.phase).toBe('Succeeded');
      expect(run.phases.fail).toBe('Omitted');
      expect(log.status).toBe('SUCCESS');
      expect(log.steps.prepare?.attempts.map((a) => a.status)).toEqual(['SUCCESS']);
      expect(log.steps.fail).toBeUndefined();
    }, { resume: false });
  });

  it('a node lost while its step ran, the step without retries: the step FAILs, no second attempt', { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'lostrun', { faults: [{ kind: 'node-loss', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '20' } }, (run, log) => {
      expect(run.messages).toContain('pod deleted');
      expect(run.phase).toBe('Failed');
      expect(log.status).toBe('FAIL');
      expect(log.steps.prepare?.status).toBe('FAIL');
      expect(log.steps.prepare?.attempts.length ?? 0).toBeLessThanOrEqual(1);
    });
  });

  it('the workflow deadline passes while a step runs', { timeout: 600_000 }, async () => {
    // The deadline leaves seed time to end and prepare time to start on a loaded machine; the controller's time
    // scale keeps the step's own deadline (7200 s → 72 s) beyond it, as it is on the built-in emulator's clock.
    await onBothEngines(PIPELINE, 'deadline', { deadlineSeconds: 20, timeScale: 0.01, env: { PREPARE_SLEEP: '120' } }, (run, log) => {
      expect(run.phase, run.printed).toBe('Failed');
      expect(run.exitCode).toBe(1);
      expect(log.status).toBe('FAIL');
      expect(log.steps.prepare?.status).toBe('FAIL');
    });
  });

  it('argo stop while a step runs: the exit handler still closes the run', { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'stop', { faults: [{ kind: 'stop', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '60' } }, (run, log) => {
      expect(run.phase, run.printed).toBe('Failed');
      expect(run.message).toMatch(/Stopped with strategy 'Stop'/);
      // The exit handler started (Argo fails its DAG at once under a shutdown: dag.go assessDAGPhase) and closed
      // the run log.
      expect(run.phases).toHaveProperty(['onExit.close-run']);
      expect(log.status).toBe('FAIL');
    });
  });

  it('argo terminate while a step runs: no exit handler (as Argo), dagc closes the run all the same', { timeout: 600_000 }, async () => {
    await onBothEngines(PIPELINE, 'terminate', { faults: [{ kind: 'terminate', path: 'prepare', delayMs: 1500 }], env: { PREPARE_SLEEP: '60' } }, (run, log) => {
      expect(run.phase, run.printed).toBe('Failed');
      expect(run.message).toMatch(/Stopped with strategy 'Terminate'/);
      expect(run.phases.onExit).toBeUndefined();
      expect(log.status).toBe('FAIL');
      expect(log.steps.prepare?.status).toBe('FAIL');
    });
  });

  it('a step OOMKilled on its last attempt still takes its on_failure route, and its step log closes', { timeout: 600_000 }, async () => {
    const faults: ArgoFault[] = [
      { kind: 'oom', path: 'work', attempt: 0, delayMs: 1500 },
      { kind: 'oom', path: 'work', attempt: 1, delayMs: 1500 },
    ];
    await onBothEngines(LAST_ATTEMPT, 'last', { faults }, (run, log) => {
      expect(run.phase, run.printed).toBe('Succeeded');
      expect(run.exitCode).toBe(0);
      expect(log.status).toBe('SUCCESS');
      expect(log.steps.recover?.status).toBe('SUCCESS');
      expect(log.steps.work?.status).toBe('FAIL');
    }, { resume: false });
  });

  it('retry: 6 gives 6 attempts', { timeout: 600_000 }, async () => {
    const both = await onBothEngines(RETRY6, 'retry6', {}, (run, log) => {
      expect(run.exitCode).toBe(1);
      expect(log.status).toBe('FAIL');
      expect(log.steps.flaky?.attempts.length).toBe(6);
    }, { resume: false });
    expect(both.argo.log.steps.flaky?.attempts.map((a) => a.attempt_number)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
