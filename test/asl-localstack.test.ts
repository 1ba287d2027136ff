// A second engine as judge: `dagc emulate --target asl --engine localstack` runs each conformance case and each
// fault case the asl fault tests inject (test/asl-faults.test.ts, read from that file so that a case added
// there is judged here too) under aws-local-stepfunctions, then replays it under LocalStack's ASL interpreter
// (the one the Python package moto ships) with the recorded Task outcomes; both must agree on every execution's
// final status and state transitions (src/emulate/asl/localstack.ts says how they are compared). The judge's
// own comparison is shown able to fail: a recorded trace that does not follow the definition is refused by
// moto's interpreter, and moto's own Retry/Catch decisions are checked against the ASL semantics by hand.
// Skips with a notice where python3 cannot import moto (.ci/run installs moto[server] from PyPI).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { caseNames, caseSpec, inputArgs, playCase, expectedFile } from './helpers/conformance.js';
import { ROOT } from './helpers/paths.js';
import { comparedForm, judge } from '../src/emulate/asl/localstack.js';
import type { Judgement } from '../src/emulate/asl/localstack.js';
import type { RecordedExecution, TraceEvent } from '../src/emulate/asl/localstack-record.js';
import type { StateMachine } from '../src/emit/asl/asl-types.js';

const JUDGE = path.join(ROOT, 'python', 'dagc_localstack_judge.py');
const HAS_MOTO = (() => {
  const r = spawnSync('python3', [JUDGE, '--probe'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) console.warn(`[skip] asl-localstack: python3 cannot run moto's Step Functions interpreter (${(r.stdout ?? '').trim() || r.error?.message}); pip install "moto[server]>=5,<6"`);
  return !r.error && r.status === 0;
})();

interface JsonOut {
  runId: string;
  exitCode: number;
  engine: Judgement | null;
}

function judged(r: { stdout: string; stderr: string }): Judgement {
  expect(r.stdout, r.stderr).not.toBe('');
  const out = JSON.parse(r.stdout) as JsonOut;
  expect(out.engine, 'no judgement in --json').not.toBeNull();
  return out.engine!;
}

/** The disagreements, readable in a failed expectation. */
const disagreements = (j: Judgement) => j.differences.map((d) => `${d.execution}: ${d.what}\n  aws-local: ${JSON.stringify(d.awsLocal)}\n  localstack: ${JSON.stringify(d.localstack)}`);

describe.runIf(HAS_MOTO)('asl: LocalStack judges every conformance case', () => {
  it.each(caseNames())('%s: both engines agree, and the run log is the expected one', { timeout: 900_000 }, async (name) => {
    const spec = caseSpec(name);
    let executions = 0;
    await playCase(
      name,
      async (dir, runId, run) => {
        const cached = run.args?.[0] === '--use-cached' ? ['--use-cached', run.args[1]!] : [];
        const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '--engine', 'localstack', '--json', ...inputArgs(dir), ...cached, '--run-id', runId], {
          cwd: dir,
          env: { ...run.env },
          timeoutMs: 600_000,
        });
        const j = judged(r);
        expect(disagreements(j), r.stderr).toEqual([]);
        expect(j.agree).toBe(true);
        executions += j.executions.length;
        // Every execution was replayed: the interpreter made every Task call the record has, and no other.
        for (const e of j.executions) expect(e.localstack.unrecorded).toEqual([]);
        return r;
      },
      async (runId, scrubbed) => expect(scrubbed).toBe(readFileSync(expectedFile(name, runId), 'utf8')),
    );
    expect(executions).toBeGreaterThanOrEqual(spec.runs.length);
  });
});

/** The fault cases of test/asl-faults.test.ts: its pipeline, and each emulate(dir, id, faults, env?) call. */
function faultCases(): { pipeline: string; cases: { id: string; faults: unknown[]; env: Record<string, string> }[] } {
  const source = readFileSync(path.join(ROOT, 'test', 'asl-faults.test.ts'), 'utf8');
  const pipeline = /const PIPELINE = `([\s\S]*?)`;/.exec(source)?.[1]?.replaceAll('\\$', '$');
  const literal = (text: string | undefined): unknown => (text === undefined ? undefined : (new Function(`return (${text});`) as () => unknown)());
  const cases = [...source.matchAll(/emulate\(dir, '([^']+)', (\[[^\]]*\])(?:, (\{[^}]*\}))?\)/g)].map((m) => ({
    id: m[1]!,
    faults: literal(m[2]) as unknown[],
    env: (literal(m[3]) ?? {}) as Record<string, string>,
  }));
  return { pipeline: pipeline ?? '', cases };
}

describe.runIf(HAS_MOTO)('asl: LocalStack judges every fault case of the asl fault tests', () => {
  const { pipeline, cases } = faultCases();

  it('finds the fault cases', () => {
    expect(pipeline).toContain('start_at:');
    expect(cases.map((c) => c.id).sort()).toEqual(expect.arrayContaining(['branch', 'runtime', 'spot', 'stop', 'throttle', 'timeout']));
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s: both engines agree', { timeout: 600_000 }, async (_id, c) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-localstack-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline);
    writeFileSync(path.join(dir, 'params.yaml'), 'chunks: [1, 2]\n');
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '--engine', 'localstack', '--json', '-p', 'params.yaml', '--run-id', c.id], {
      cwd: dir,
      env: { ...c.env, DAGC_EMULATE_FAULTS: JSON.stringify(c.faults) },
      timeoutMs: 540_000,
    });
    const j = judged(r);
    expect(disagreements(j), r.stderr).toEqual([]);
    expect(j.agree).toBe(true);
    for (const e of j.executions) expect(e.localstack.unrecorded).toEqual([]);
  });
});

describe.runIf(HAS_MOTO)("asl: the judge's comparison can fail, and moto decides by the ASL rules", () => {
  // A Task with the dagc shape of error handling: an infrastructure retrier, then Catch to a Fail state.
  const definition: StateMachine = {
    StartAt: 'job',
    States: {
      job: {
        Type: 'Task',
        Resource: 'arn:aws:states:::batch:submitJob.sync',
        Parameters: { JobName: 'j', JobQueue: 'q', JobDefinition: 'd', ContainerOverrides: { Command: ['true'] } },
        ResultPath: null,
        Retry: [{ ErrorEquals: ['Batch.AWSBatchException'], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 2 }],
        Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.err', Next: 'failed' }],
        Next: 'done',
      },
      failed: { Type: 'Fail', Error: 'dagc.Failed' },
      done: { Type: 'Succeed' },
    },
  } as unknown as StateMachine;
  const request = { JobName: 'j', JobQueue: 'q', JobDefinition: 'd', ContainerOverrides: { Command: ['true'] } };
  const ev = (state: string, kind: TraceEvent['kind'], error?: string): TraceEvent => ({ state, kind, ...(error ? { error } : {}) });
  const recorded = (events: TraceEvent[], outcomes: RecordedExecution['calls'][number]['outcome'][], status: RecordedExecution['status'], error?: string): RecordedExecution => ({
    name: 'r',
    input: {},
    calls: outcomes.map((outcome) => ({ state: 'job', request, outcome })),
    events,
    status,
    ...(error ? { error } : {}),
  });

  it('two throttled submits are retried (MaxAttempts 2), the third attempt succeeds', { timeout: 120_000 }, async () => {
    const throttled = { error: 'Batch.AWSBatchException', cause: 'Too Many Requests' };
    const trace = [ev('job', 'entered'), ev('job', 'retry', 'Batch.AWSBatchException'), ev('job', 'retry', 'Batch.AWSBatchException'), ev('job', 'exited'), ev('done', 'entered'), ev('done', 'exited')];
    const j = await judge(definition, [recorded(trace, [throttled, throttled, { output: { Status: 'SUCCEEDED' } }], 'SUCCEEDED')], process.env);
    expect(disagreements(j)).toEqual([]);
  });

  it('a third throttle exhausts the retrier and is caught (States.ALL)', { timeout: 120_000 }, async () => {
    const throttled = { error: 'Batch.AWSBatchException', cause: 'Too Many Requests' };
    const trace = [
      ev('job', 'entered'),
      ev('job', 'retry', 'Batch.AWSBatchException'),
      ev('job', 'retry', 'Batch.AWSBatchException'),
      ev('job', 'catch', 'Batch.AWSBatchException'),
      ev('job', 'exited'),
      ev('failed', 'entered'),
      ev('failed', 'fail', 'dagc.Failed'),
    ];
    const j = await judge(definition, [recorded(trace, [throttled, throttled, throttled], 'FAILED', 'dagc.Failed')], process.env);
    expect(disagreements(j)).toEqual([]);
  });

  it('a trace that does not follow the definition is a disagreement (States.TaskFailed is not retried here)', { timeout: 120_000 }, async () => {
    const failed = { error: 'States.TaskFailed', cause: '{"Status":"FAILED"}' };
    // Claimed: the task failure was retried and then succeeded. The definition retries only Batch.AWSBatchException.
    const trace = [ev('job', 'entered'), ev('job', 'retry', 'States.TaskFailed'), ev('job', 'exited'), ev('done', 'entered'), ev('done', 'exited')];
    const j = await judge(definition, [recorded(trace, [failed, { output: {} }], 'SUCCEEDED')], process.env);
    expect(j.agree).toBe(false);
    expect(j.differences.map((d) => d.what)).toEqual(['final status', 'events of the machine']);
    expect(j.executions[0]!.localstack.events.map((e) => `${e.kind} ${e.state}`)).toEqual(['entered job', 'catch job', 'exited job', 'entered failed', 'fail failed']);
  });
});

describe('asl: the localstack engine (no moto needed)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-localstack-cli-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), 'dag:\n  start_at: a\n  steps:\n    a: {type: task, command_type: shell, command: "true", next: success}\n    success: {type: success}\n    fail: {type: fail}\n');

  it('without moto: exit 2 before any step runs, saying how to install it', async () => {
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '--engine', 'localstack'], { cwd: dir, env: { DAGC_PYTHON: path.join(dir, 'no-python') } });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain('moto');
    expect(r.stderr).toContain('pip install');
    expect(r.stderr).not.toContain('▶ a');
  });

  it('an unknown engine is refused', async () => {
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '--engine', 'stepfunctions-local'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown --engine "stepfunctions-local"');
  });

  it('groups events by branch and iteration: interleaved iterations compare equal, an order inside one does not', () => {
    const machine = {
      StartAt: 'm',
      States: { m: { Type: 'Map', ItemProcessor: { StartAt: 'a', States: { a: { Type: 'Pass', Next: 'b' }, b: { Type: 'Pass', End: true } } }, End: true } },
    } as unknown as StateMachine;
    const e = (state: string, kind: TraceEvent['kind'], index?: number): TraceEvent => ({ state, kind, ...(index !== undefined ? { index } : {}) });
    const one = [e('m', 'entered'), e('a', 'entered', 0), e('a', 'entered', 1), e('a', 'exited', 1), e('a', 'exited', 0), e('b', 'entered', 0), e('b', 'entered', 1), e('b', 'exited', 0), e('b', 'exited', 1), e('m', 'exited')];
    const other = [e('m', 'entered'), e('a', 'entered', 1), e('a', 'exited', 1), e('b', 'entered', 1), e('b', 'exited', 1), e('a', 'entered', 0), e('a', 'exited', 0), e('b', 'entered', 0), e('b', 'exited', 0), e('m', 'exited')];
    expect(comparedForm(machine, 'SUCCEEDED', null, one)).toEqual(comparedForm(machine, 'SUCCEEDED', null, other));
    const swapped = [e('m', 'entered'), e('b', 'entered', 0), e('b', 'exited', 0), e('a', 'entered', 0), e('a', 'exited', 0), e('a', 'entered', 1), e('a', 'exited', 1), e('b', 'entered', 1), e('b', 'exited', 1), e('m', 'exited')];
    expect(comparedForm(machine, 'SUCCEEDED', null, swapped)).not.toEqual(comparedForm(machine, 'SUCCEEDED', null, one));
  });
});
