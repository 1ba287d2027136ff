// Step Functions' quotas under `dagc emulate --target asl` (src/emulate/asl/aws-local.ts watchLimits; AWS docs, "Step
// Functions service quotas" and "Handling errors"): a state's input or output over 256 KiB fails the execution
// with States.DataLimitExceeded, which no Catch takes; an execution history past its limit fails the execution.
// Either way the closing execution (the EventBridge rule's) closes the run FAIL with nothing left PROCESSING.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { emulate, thisDagc } from '../src/library/emulate.js';
import { loadTarget } from '../src/library/targets.js';
import { loadInputFiles } from '../src/config/inputs.js';
import type { StateMachine } from '../src/emit/asl/asl-types.js';
import type { RunLog, StepLog } from '../src/services/run-log/types.js';

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
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-limits-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(path.join(dir, 'params.yaml'), 'chunks: [1, 2, 3, 4, 5, 6]\n');
  return dir;
}

async function runLog(dir: string, runId: string): Promise<RunLog> {
  const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as RunLog;
}

function processing(steps: Record<string, StepLog>): string[] {
  return Object.values(steps).flatMap((s) => [
    ...(s.status === 'PROCESSING' ? [s.internal_name] : []),
    ...Object.values(s.branches ?? {}).flatMap((b) => [...(b.status === 'PROCESSING' ? [b.internal_name] : []), ...processing(b.steps)]),
  ]);
}

describe('asl emulator: payload and history quotas', () => {
  it('a history past its limit fails the execution; the run closes FAIL', { timeout: 240_000 }, async () => {
    const dir = project();
    // The same pipeline within the limit: SUCCESS (the limit, not the pipeline, makes the difference).
    const ok = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', 'within'], { cwd: dir, timeoutMs: 200_000 });
    expect(ok.status, ok.stderr).toBe(0);
    // Six map items and the states around them are ~80 events; a limit of 40 is passed in the map.
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', 'history'], {
      cwd: dir,
      env: { DAGC_EMULATE_HISTORY_LIMIT: '40' },
      timeoutMs: 200_000,
    });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('dagc.HistoryLimitExceeded');
    const log = await runLog(dir, 'history');
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    expect(log.steps.shards?.status).toBe('FAIL');
  });

  it('a state output over 256 KiB fails the execution with States.DataLimitExceeded, which no Catch takes', { timeout: 240_000 }, async () => {
    const dir = project();
    let printed = '';
    const out = (t: string) => void (printed += t);
    const env = { ...process.env, NO_COLOR: '1' };
    const inputs = { pipelineFile: 'pipeline.yaml', parametersFile: 'params.yaml', varFiles: [], cwd: dir, env };
    // The compiled definition, run once as it is (SUCCESS), then with a Pass inside dagc.run whose output is
    // 300,000 bytes — under the run's Catch on States.ALL, which must not take it.
    const ran = await emulate({ ...inputs, target: 'asl', runId: 'plain', out, err: out });
    expect(ran.exitCode, printed).toBe(0);
    const machine = JSON.parse(ran.files[0]!.text) as StateMachine;
    const run = machine.States['dagc.run'] as { Branches: StateMachine[] };
    const branch = run.Branches[0]!;
    branch.States.big = { Type: 'Pass', Result: 'x'.repeat(300_000), ResultPath: '$.big', Next: branch.StartAt } as never;
    branch.StartAt = 'big';
    const target = await loadTarget('asl');
    const loaded = await loadInputFiles(inputs);
    const r = await target.emulate([{ ...ran.files[0]!, text: JSON.stringify(machine) }], {
      runId: 'big',
      cwd: dir,
      env,
      dagc: thisDagc(),
      pipeline: loaded.pipeline,
      config: loaded.config,
      out,
      err: out,
    });
    expect(printed).toContain('States.DataLimitExceeded');
    // The closing execution ran (EventBridge's rule): the run exists, FAIL, nothing PROCESSING — no step ran.
    expect(r.exitCode).toBe(1);
    const log = await runLog(dir, 'big');
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    expect(log.steps.shards).toBeUndefined();
  });
});
