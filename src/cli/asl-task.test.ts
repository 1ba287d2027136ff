// `dagc asl-task` operations with a stand-in for the entrypoint calls that logs each argv and answers with
// exit codes set per test: which calls each operation makes, in which order, and its exit code. The real
// calls run in test/asl-target.test.ts (every conformance case under aws-local-stepfunctions).
import { describe, expect, it } from 'vitest';
import type { EntryCall } from './asl-task.js';
import { executionInput, runAslOperation, stepOfCause } from './asl-task.js';
import { stepToken } from '../emit/asl/build-states.js';
import { checkRunId, runIdOfExecutionName } from '../runtime/run-id.js';
import { UsageError } from './types.js';

const ENTRY = ['-f', "my pipe'line.yaml", '-c', 'c.yaml'];
const F = "-f|my pipe'line.yaml|-c|c.yaml";

interface Answers {
  /** exec with --attempt exits this. */
  exec?: number;
  /** fan in exits this. */
  fanIn?: number;
  /** fan out prints a warning line, then this count. */
  count?: number;
  /** exec of this dot path (without --attempt) exits 2. */
  broken?: string;
}

async function run(words: string[], env: Record<string, string> = {}, answers: Answers = {}): Promise<{ status: number; calls: string[] }> {
  const calls: string[] = [];
  const call: EntryCall = async (argv, capture) => {
    calls.push(argv.join('|'));
    if (argv[0] === 'fan' && argv.includes('out')) {
      expect(capture).toBe(true);
      return { code: 0, out: `warning: something\n${answers.count ?? 2}\n` };
    }
    expect(capture).toBe(false);
    if (argv[0] === 'fan') return { code: answers.fanIn ?? 0, out: '' };
    if (argv.includes('--attempt')) return { code: answers.exec ?? 0, out: '' };
    return { code: argv.at(-1) === answers.broken ? 2 : 0, out: '' };
  };
  const status = await runAslOperation(words, ENTRY, { DAGC_ASL_RUN_ID: 'run-1', ...env }, call);
  return { status, calls };
}

describe('dagc asl-task', () => {
  it('runs a plain task with one entrypoint call', async () => {
    expect(await run(['task', 'a', '1', '0', '0'])).toEqual({ status: 0, calls: [`exec|${F}|--|run-1|a`] });
  });

  it('runs an attempt, then the chain of pure nodes the success leads to', async () => {
    const name = 'odd $(touch x) `y` \'q\'\nsecond line\\n';
    expect(await run(['task', name, '1', '2', 'stub', 'success', '1', 'fail'])).toEqual({
      status: 0,
      calls: [`exec|${F}|--|run-1|${name}`, `exec|${F}|--|run-1|stub`, `exec|${F}|--|run-1|success`],
    });
    // A pure node that cannot be recorded breaks the run: exit 2.
    expect((await run(['task', 'a', '1', '2', 'stub', 'success', '0'], {}, { broken: 'stub' })).status).toBe(2);
  });

  it('exits 1 for the engine to retry, and runs the failure chain only on the last attempt', async () => {
    const op = ['task', 'flaky', '3', '1', 'success', '2', 'note', 'fail'];
    expect(await run(op, { DAGC_ASL_RETRY: '1' }, { exec: 1 })).toEqual({ status: 1, calls: [`exec|${F}|--attempt|2|--|run-1|flaky`] });
    expect(await run(op, { DAGC_ASL_RETRY: '2' }, { exec: 1 })).toEqual({
      status: 1,
      calls: [`exec|${F}|--attempt|3|--|run-1|flaky`, `exec|${F}|--|run-1|note`, `exec|${F}|--|run-1|fail`],
    });
    // The first attempt has no DAGC_ASL_RETRY from an engine that does not set it: attempt 1.
    expect((await run(op, {}, { exec: 0 })).calls).toEqual([`exec|${F}|--attempt|1|--|run-1|flaky`, `exec|${F}|--|run-1|success`]);
    // Bad input (exit 2) is passed on as it is, with no chain.
    expect(await run(op, { DAGC_ASL_RETRY: '2' }, { exec: 2 })).toEqual({ status: 2, calls: [`exec|${F}|--attempt|3|--|run-1|flaky`] });
  });

  it("fans out a map and records the branch's leading chain once per item, with the item index", async () => {
    expect(await run(['map', 'M', '1', 'M.map_variable_placeholder.s'], { DAGC_MAP_INDEX: '4' })).toEqual({
      status: 0,
      calls: [
        `fan|${F}|--|out|run-1|M`,
        `exec|${F}|--map-index|4,0|--|run-1|M.map_variable_placeholder.s`,
        `exec|${F}|--map-index|4,1|--|run-1|M.map_variable_placeholder.s`,
      ],
    });
    expect((await run(['map', 'M', '1', 's'], {}, { count: 1 })).calls).toEqual([`fan|${F}|--|out|run-1|M`, `exec|${F}|--map-index|0|--|run-1|s`]);
    // Nothing to run: exit 3, so the state machine goes straight to the fan in.
    expect(await run(['fan-out', 'P', '1', 'P.a.s'], {}, { count: 0 })).toEqual({ status: 3, calls: [`fan|${F}|--|out|run-1|P`] });
    expect(await run(['fan-out', 'P', '2', 'P.a.s', 'P.b.s'])).toEqual({
      status: 0,
      calls: [`fan|${F}|--|out|run-1|P`, `exec|${F}|--|run-1|P.a.s`, `exec|${F}|--|run-1|P.b.s`],
    });
  });

  it("records the root graph's leading chain", async () => {
    expect(await run(['start', '2', 'a', 'b'])).toEqual({ status: 0, calls: [`exec|${F}|--|run-1|a`, `exec|${F}|--|run-1|b`] });
  });

  it('fans in and records the chain of the outcome', async () => {
    const op = ['fan-in', 'P', '1', 'after', '2', 'handled', 'success'];
    expect(await run(op)).toEqual({ status: 0, calls: [`fan|${F}|--|in|run-1|P`, `exec|${F}|--|run-1|after`] });
    expect(await run(op, {}, { fanIn: 1 })).toEqual({
      status: 1,
      calls: [`fan|${F}|--|in|run-1|P`, `exec|${F}|--|run-1|handled`, `exec|${F}|--|run-1|success`],
    });
  });

  it('refuses malformed operations and a missing run id as usage errors', async () => {
    await expect(run(['task', 'a', '1', '3', 'x'])).rejects.toThrow(new UsageError('task: expected a count and that many dot paths'));
    await expect(run(['task', 'a', 'zero', '0', '0'])).rejects.toThrow(UsageError);
    await expect(run(['jump'])).rejects.toThrow('unknown operation "jump" (task, fan-in, fan-out, map, start or close)');
    await expect(runAslOperation(['start', '0'], ENTRY, {}, async () => ({ code: 0, out: '' }))).rejects.toThrow('DAGC_ASL_RUN_ID is not set');
  });

  it('takes parameters and use_cached from the execution input, and names what is wrong with a bad one', () => {
    expect(executionInput(undefined)).toEqual({ env: {} });
    expect(executionInput('{}')).toEqual({ env: {} });
    expect(executionInput('{"parameters": {"lr": 0.1, "name": "a b"}, "use_cached": "nightly-1"}')).toEqual({
      env: { DAGC_PRM_LR: '0.1', DAGC_PRM_NAME: '"a b"', DAGC_USE_CACHED: 'nightly-1' },
    });
    expect(executionInput('{"dagc_close": {"run": "r"}}')).toEqual({ env: {} });
    expect(executionInput('[1]')).toEqual({ error: expect.stringContaining('must be a JSON object') });
    expect(executionInput('{"params": {}}')).toEqual({ error: 'unknown key "params" in the execution input (parameters, use_cached)' });
    expect(executionInput('{"use_cached": "a b"}')).toEqual({ error: 'use_cached in the execution input must be a run id, not "a b"' });
    expect(executionInput('{"parameters": {"Lr": 1}}')).toEqual({ error: expect.stringContaining('parameter "Lr"') });
    expect(executionInput('{"parameters": [1]}')).toEqual({ error: expect.stringContaining('must be an object') });
  });

  it('maps an execution name the run-id rule refuses to a valid run id, deterministically, and keeps valid ones', () => {
    expect(runIdOfExecutionName('nightly-2024-06-01')).toBe('nightly-2024-06-01');
    const names = ['nightly@2024-06-01', 'nightly+2024-06-01', "a'b(c)!", '_leading', 'x..y', 'état-1', '@', 'a'.repeat(80)];
    const ids = names.map(runIdOfExecutionName);
    for (const [i, id] of ids.entries()) {
      expect(checkRunId(id), `${names[i]} → ${id}`).toBeUndefined();
      // A mapped id is its own run id (mapping twice changes nothing), and the same name maps the same way.
      expect(runIdOfExecutionName(id)).toBe(id);
      expect(runIdOfExecutionName(names[i]!)).toBe(id);
    }
    expect(ids[0]).toMatch(/^nightly-2024-06-01-[0-9a-f]{12}$/);
    // Names that differ only where the rule refuses them still get different run ids.
    expect(new Set(ids).size).toBe(ids.length);
    // The run id every entrypoint call gets is the mapped one.
    return run(['start', '1', 'x'], { DAGC_ASL_RUN_ID: 'nightly@2024-06-01' }).then(({ calls }) => expect(calls).toEqual([`exec|${F}|--|${ids[0]}|x`]));
  });

  it('reads the step an error hit from the close\'s cause, as Step Functions and as aws-local-stepfunctions write it', () => {
    const step = 'odd "step": with {braces}\nand a line';
    const error = { Error: 'Batch.AWSBatchException', Cause: 'Too Many Requests (Status Code: 429) "quoted"' };
    const note = `dagc-step ${stepToken(step)} - ${JSON.stringify(error)}`;
    // Step Functions: the closing Pass's JSON text of {Error, Cause}, the note as the Cause.
    const aws = JSON.stringify({ Error: error.Error, Cause: note });
    expect(stepOfCause(aws)).toEqual({ step, error: error.Error, cause: error.Cause });
    // aws-local-stepfunctions 3 drops the backslashes of an intrinsic's result: the text does not parse as JSON.
    const emulated = aws.replaceAll('\\', '');
    expect(() => JSON.parse(emulated) as unknown).toThrow();
    expect(stepOfCause(emulated)).toEqual({ step, error: error.Error, cause: error.Cause });
    // In a map: the indices of the item.
    expect(stepOfCause(JSON.stringify({ Error: 'States.Timeout', Cause: `dagc-step ${stepToken('m.x.work')} 3,1 {"Error":"States.Timeout"}` }))).toEqual({
      step: 'm.x.work',
      index: '3,1',
      error: 'States.Timeout',
      cause: '',
    });
    // Any other cause names no step.
    expect(stepOfCause(JSON.stringify({ Error: 'dagc.PipelineFailed', Cause: 'the pipeline reached its fail node' }))).toBeUndefined();
    expect(stepOfCause('the execution ended ABORTED')).toBeUndefined();
  });
});
