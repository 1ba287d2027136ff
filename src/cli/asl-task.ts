// `dagc asl-task -f <pipeline> [-c config] [-p params] [-v vars] -- <op> <args…>`: what one Task state of the
// asl target runs in its container (src/emit/asl/container-script.ts writes the argv). It makes the
// entrypoint calls of one operation in ONE node process — the node's `dagc exec` or `dagc fan`, then the pure
// nodes (stubs, success, fail) that Pass/Succeed/Fail states cannot record — so each Task's Command is a short
// argv instead of a shell script repeated in every state (Step Functions takes 1,048,576 characters per
// definition). Each call runs the `exec` or `fan` command as a separate `dagc` would (run-command.ts), so its
// flags, errors and exit codes are those of `dagc exec` and `dagc fan`.
//
// Operations (a chain is a count followed by that many dot paths):
//   task PATH ATTEMPTS OK-CHAIN FAIL-CHAIN  one attempt of a leaf node, numbered $$.State.RetryCount + 1
//                                          (DAGC_ASL_RETRY); SUCCESS: OK-CHAIN, exit 0; FAIL before the last
//                                          attempt: exit 1 (the engine retries); on the last: FAIL-CHAIN, exit 1
//   fan-in PATH OK-CHAIN FAIL-CHAIN        fan in, then the chain of the outcome (exit 0 / 1)
//   fan-out PATH CHAIN                     fan out a parallel or dag, then each branch's leading chain
//   map PATH CHAIN                         fan out a map, then the branch's leading chain once per item
//   start CHAIN                            the root graph's leading chain
//   close                                  the run ended outside what the entrypoint recorded (an error the
//                                          state machine caught at its top, or an execution that failed,
//                                          timed out or was stopped): `dagc fan close` with the error and its
//                                          cause (DAGC_ASL_ERROR, DAGC_ASL_CAUSE) records it FAIL; exit 0
// Exit codes: 0/1 as above; 2 bad input or a broken record (passed on); 3 from a fan out with nothing to run
// (a re-run took it from the previous run, or the map could not open): the state machine skips to the fan in.
// The run id and map indices arrive as environment (DAGC_ASL_RUN_ID, DAGC_MAP_INDEX), never in the argv.
import type { Command, Io } from './types.js';
import type { RunLog } from '../services/run-log/types.js';
import { UsageError, stringList, stringOption } from './types.js';
import { INPUT_OPTIONS } from './load-inputs.js';
import { decodeArg } from '../emit/asl/container-script.js';
import { executionInput } from '../runtime/execution-input.js';
import { runIdOfExecutionName } from '../runtime/run-id.js';

/** One entrypoint call: its exit code and, when asked, what it printed on stdout. */
export type EntryCall = (argv: string[], capture: boolean) => Promise<{ code: number; out: string }>;

/**
 * The attempts of a task node the run log holds (for the map item DAGC_MAP_INDEX names) that count against the
 * node's `retry:`: not an attempt whose job was stopped by a signal, as a Spot reclaim or an instance's end stops
 * it (the infrastructure's loss, which Batch retries apart: build-states.ts HOST_LOST_RETRY). The next attempt
 * takes the lost one's number: it is that attempt, run again.
 */
export type AttemptsRecorded = (path: string) => Promise<number>;

/**
 * After a map's fan out, for an execution whose name is not its run id (runIdOfExecutionName): the state
 * machine reads the map's count and indices under the execution's name (`States.Format` of
 * $$.Execution.Name), so they are copied there from the run id's keys.
 */
export type MapObjectsAlias = (path: string, indices: string) => Promise<void>;

/**
 * What `close` records on steps besides closing the run: the cause on the step an error hit (created FAIL when
 * it never started), and on the steps a signal stopped (their message "aborted", from the job's SIGTERM).
 */
export interface StepNotes {
  step(path: string, index: string | undefined, message: string): Promise<void>;
  stopped(message: string): Promise<void>;
}

/**
 * The step an error hit, when the close's cause names it: `dagc-step TOKEN INDEX ERROR-JSON` (build-states.ts
 * noteAbort and the graph's dagc.cause Pass), itself the Cause of the error the closing Pass made JSON text of.
 * Read from the text as it is, not only as parsed JSON: aws-local-stepfunctions 3 drops every backslash from
 * an intrinsic function's result, so its JSON text of a cause holding quotes does not parse.
 */
export function stepOfCause(raw: string | undefined): { step: string; index?: string; error: string; cause: string } | undefined {
  if (!raw) return undefined;
  let text = raw;
  try {
    const outer = JSON.parse(raw) as { Cause?: unknown };
    if (typeof outer.Cause === 'string') text = outer.Cause;
  } catch {
    /* the emulator's text: read as it is */
  }
  const found = /dagc-step ([A-Za-z0-9_-]+) ([0-9,]+|-) ([\s\S]*)$/.exec(text);
  if (!found) return undefined;
  const step = Buffer.from(found[1]!, 'base64url').toString('utf8');
  // The error as JSON text ({"Error", "Cause"}), with the closing Pass's own `"}` after it when that text did not
  // parse.
  let rest = found[3]!;
  if (text === raw && rest.endsWith('"}')) rest = rest.slice(0, -2);
  let error = 'dagc.Unknown';
  let cause = rest;
  try {
    const e = JSON.parse(rest) as { Error?: unknown; Cause?: unknown };
    if (typeof e.Error === 'string') error = e.Error;
    cause = typeof e.Cause === 'string' ? e.Cause : '';
  } catch {
    const named = /^\{"Error":"([^"]*)","Cause":"([\s\S]*)"\}$/.exec(rest);
    if (named) [error, cause] = [named[1]!, named[2]!];
  }
  return { step, ...(found[2] !== '-' ? { index: found[2] } : {}), error, cause };
}

/** The message of an attempt whose process a signal stopped (runtime/tasks/run-child.ts). */
const STOPPED = 'aborted';

/** The longest cause `close` passes on: the run log's message, not the job's whole description. */
const CAUSE_LIMIT = 1000;

// The execution input's reader lives in the runtime, where `dagc submit --target asl` checks what it sends too.
export { executionInput };

/** Reads `count name…` from the front of `words`. */
function takeChain(words: string[], what: string): string[] {
  const raw = words.shift();
  const n = Number(raw);
  if (raw === undefined || !Number.isInteger(n) || n < 0 || n > words.length) throw new UsageError(`${what}: expected a count and that many dot paths`);
  return words.splice(0, n);
}

/**
 * Runs one operation (`words`: op and its arguments, decoded) with `call` making the entrypoint calls;
 * `entry` is the -f/-c/-p/-v part every call repeats. Returns the exit code the Task's container ends with.
 */
export async function runAslOperation(
  words: readonly string[],
  entry: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  call: EntryCall,
  recorded?: AttemptsRecorded,
  aliasMapObjects?: MapObjectsAlias,
  notes?: StepNotes,
): Promise<number> {
  const rest = [...words];
  const op = rest.shift();
  const executionName = env.DAGC_ASL_RUN_ID;
  if (!executionName) throw new UsageError('DAGC_ASL_RUN_ID is not set (the state machine passes $$.Execution.Name)');
  const runId = runIdOfExecutionName(executionName);
  const exec = async (path: string, extra: string[] = []) => (await call(['exec', ...entry, ...extra, '--', runId, path], false)).code;
  /** Records a chain of pure nodes; false when one of them could not be recorded. */
  const record = async (chain: readonly string[]) => {
    for (const name of chain) if ((await exec(name)) !== 0) return false;
    return true;
  };
  /** After the node's own call ended with `s`: the chain of its outcome, then `s` (2 if the chain broke). */
  const routed = async (s: number, ok: readonly string[], fail: readonly string[]) => {
    if (s > 1) return s;
    return (await record(s === 0 ? ok : fail)) ? s : 2;
  };
  /** Fan out; the branch (item) count, or the exit code to end with. */
  const fanOut = async (path: string): Promise<{ count: number } | { exit: number }> => {
    const { code, out } = await call(['fan', ...entry, '--', 'out', runId, path], true);
    if (code > 1) return { exit: code };
    // The count is the last line fan out prints; anything before it (a warning) is not a number.
    const count = Number(/(\d*)\s*$/.exec(out)?.[1] || '0');
    return count > 0 ? { count } : { exit: 3 };
  };

  switch (op) {
    case 'task': {
      const path = rest.shift();
      const attempts = Number(rest.shift());
      if (path === undefined || !Number.isInteger(attempts) || attempts < 1) throw new UsageError('task: expected PATH ATTEMPTS OK-CHAIN FAIL-CHAIN');
      const ok = takeChain(rest, 'task');
      const fail = takeChain(rest, 'task');
      // The attempt's number is one more than the attempts the run log holds: a job lost before it recorded
      // anything (a throttled submit, a Spot reclaim), or that a signal stopped, costs no attempt. $$.State.RetryCount would count the
      // infrastructure retrier's retries too; DAGC_ASL_RETRY (RetryCount, 0 first) is the fallback without a store.
      const attempt = attempts > 1 ? (recorded ? await recorded(path) : Number(env.DAGC_ASL_RETRY || '0')) + 1 : undefined;
      const s = await exec(path, attempt === undefined ? [] : ['--attempt', String(attempt)]);
      if (s === 1 && attempt !== undefined && attempt < attempts) return 1;
      return routed(s, ok, fail);
    }
    case 'fan-in': {
      const path = rest.shift();
      if (path === undefined) throw new UsageError('fan-in: expected PATH OK-CHAIN FAIL-CHAIN');
      const ok = takeChain(rest, 'fan-in');
      const fail = takeChain(rest, 'fan-in');
      return routed((await call(['fan', ...entry, '--', 'in', runId, path], false)).code, ok, fail);
    }
    case 'fan-out':
    case 'map': {
      const path = rest.shift();
      if (path === undefined) throw new UsageError(`${op}: expected PATH CHAIN`);
      const chain = takeChain(rest, op);
      const opened = await fanOut(path);
      if ('exit' in opened) return opened.exit;
      if (op === 'fan-out') return (await record(chain)) ? 0 : 2;
      const outer = env.DAGC_MAP_INDEX;
      if (executionName !== runId) await aliasMapObjects?.(path, outer ?? '');
      // Each pure node of the branch's leading chain, for every item (the enclosing maps' indices first).
      for (const name of chain)
        for (let j = 0; j < opened.count; j++)
          if ((await exec(name, ['--map-index', outer ? `${outer},${j}` : String(j)])) !== 0) return 2;
      return 0;
    }
    case 'start':
      return (await record(takeChain(rest, 'start'))) ? 0 : 2;
    case 'close': {
      // An infrastructure error or a timeout names the step it hit; other ends (the EventBridge rule's, a
      // States.Runtime) say only what ended the execution.
      const hit = stepOfCause(env.DAGC_ASL_CAUSE);
      const error = hit?.error ?? (env.DAGC_ASL_ERROR || 'dagc.Unknown');
      const cause = (hit ? hit.cause : (env.DAGC_ASL_CAUSE ?? '')).replace(/\s+/g, ' ').trim();
      const clipped = cause.length > CAUSE_LIMIT ? `${cause.slice(0, CAUSE_LIMIT)}…` : cause;
      const said = clipped ? `${error}: ${clipped}` : error;
      if (hit) await notes?.step(hit.step, hit.index, said);
      const { code } = await call(['fan', ...entry, '--', 'close', runId, said], false);
      // The steps a signal stopped (a timeout, StopExecution, the execution's own timeout) learn why; not when the
      // pipeline reached its fail node, which says nothing about them.
      if (error !== 'dagc.PipelineFailed') await notes?.stopped(said);
      return code === 0 ? 0 : 2;
    }
    default:
      throw new UsageError(`unknown operation "${op ?? ''}" (task, fan-in, fan-out, map, start or close)`);
  }
}

export const command: Command = {
  name: 'asl-task',
  summary: 'Run what one Task state of an asl state machine does, in one process (the runtime entrypoint).',
  usage: 'dagc asl-task -f <pipeline> [-c config] [-p params] [-v vars] -- task|fan-in|fan-out|map|start|close ARGS…',
  options: {
    file: { type: 'string', short: 'f', arg: 'FILE', description: 'the pipeline file (required)' },
    ...INPUT_OPTIONS,
  },
  async run(args, io) {
    const file = stringOption(args.options, 'file');
    if (!file) throw new UsageError('missing the pipeline file (-f FILE)');
    const config = stringOption(args.options, 'config');
    const parameters = stringOption(args.options, 'parameters');
    const entry = [
      '-f',
      file,
      ...(config ? ['-c', config] : []),
      ...(parameters ? ['-p', parameters] : []),
      ...stringList(args.options, 'var-file').flatMap((v) => ['-v', v]),
    ];
    // An execution name that is not a valid run id runs under the run id it maps to; the run log keeps the
    // name as its tag (set by the call that creates the run).
    const executionName = io.env.DAGC_ASL_RUN_ID;
    const runId = executionName === undefined ? undefined : runIdOfExecutionName(executionName);
    if (executionName !== undefined && runId !== executionName) entry.push('--tag', `execution ${executionName}`);
    // Straight to the two commands it calls (not through main.ts, which lists this one: no import cycle).
    const { runCommand } = await import('./run-command.js');
    // A close needs nothing from the input, and must work whatever it holds.
    const input = args.positionals[0] === 'close' ? { env: {} } : executionInput(io.env.DAGC_ASL_INPUT);
    // The image's environment may not say what this execution's input does not (invariant: nothing from the host).
    const base = Object.fromEntries(Object.entries(io.env).filter(([k]) => k !== 'DAGC_USE_CACHED' && !k.startsWith('DAGC_PRM_')));
    const callIo: Io = { ...io, env: { ...base, ...('env' in input ? input.env : {}) } };
    const call: EntryCall = async (argv, capture) => {
      const [name, ...rest] = argv;
      const { command } = name === 'exec' ? await import('./exec.js') : await import('./fan.js');
      let out = '';
      const sub: Io = capture ? { ...callIo, out: (text) => void (out += text) } : callIo;
      return { code: await runCommand(command, rest, sub), out };
    };
    const recorded: AttemptsRecorded = async (path) => {
      const { openEntry } = await import('./entrypoint.js');
      const { stepNames } = await import('../runtime/exec-node.js');
      const { ctx, inv } = await openEntry({ ...args, options: { ...args.options }, positionals: [runId ?? '', path] }, callIo, false);
      const attempts = (await ctx.store.getStep(ctx.runId, stepNames(inv).internal))?.step.attempts ?? [];
      return attempts.filter((a) => !(a.status === 'FAIL' && a.message === STOPPED)).length;
    };
    const aliasMapObjects: MapObjectsAlias = async (path, indices) => {
      const { openRunOnly } = await import('./entrypoint.js');
      const ctx = await openRunOnly({ ...args, options: { ...args.options }, positionals: [runId!] }, callIo);
      const section = ctx.config.run_log_store;
      if (section.type !== 's3') return;
      const { runLogS3Settings, mapCountKey, mapIndicesKey } = await import('../services/run-log/s3.js');
      const { openObjectStore } = await import('../services/s3-client.js');
      const settings = runLogS3Settings(section.config ?? {});
      const objects = openObjectStore(settings);
      for (const key of [mapCountKey, mapIndicesKey]) {
        const got = await objects.getText(key(runId!, path, indices));
        if (got) await objects.putText(key(executionName!, path, indices), got.text);
      }
    };
    const notes: StepNotes = {
      async step(path, index, message) {
        const { openEntry } = await import('./entrypoint.js');
        const { stepNames, newStepLog, stepTypeOf } = await import('../runtime/exec-node.js');
        const { preciseNow } = await import('../runtime/clock.js');
        // The step may be a leaf or a composite (a map whose fan out or count read failed): exec's or fan's entry.
        const open = (composite: boolean) =>
          openEntry({ ...args, options: { ...args.options }, positionals: [runId ?? '', path] }, { ...callIo, env: { ...callIo.env, DAGC_MAP_INDEX: index } }, composite);
        const { ctx, inv } = await open(false).catch(() => open(true));
        const names = stepNames(inv);
        const got = await ctx.store.getStep(ctx.runId, names.internal);
        if (got?.step.status === 'SUCCESS') return;
        const own = got?.step.message ?? '';
        // The close runs twice after a caught error (dagc.close, then the rule on the FAILED execution it ends).
        if (got?.step.status === 'FAIL' && own.includes(message)) return;
        const said = own === '' ? message : own === STOPPED ? `${STOPPED}: ${message}` : `${own}; ${message}`;
        const base = got?.step ?? newStepLog(inv.loc.node.name, names.internal, stepTypeOf(inv.loc.node));
        await ctx.store.putStep(ctx.runId, { parent: names.parent, order: got?.order ?? preciseNow(), step: { ...base, status: 'FAIL', message: said } });
      },
      async stopped(message) {
        const { openRunOnly } = await import('./entrypoint.js');
        const ctx = await openRunOnly({ ...args, options: { ...args.options }, positionals: [runId ?? ''] }, callIo);
        const log = await ctx.store.getRunLog(ctx.runId);
        const walk = async (steps: RunLog['steps']): Promise<void> => {
          for (const step of Object.values(steps)) {
            for (const branch of Object.values(step.branches ?? {})) await walk(branch.steps);
            if (step.status !== 'FAIL' || step.message !== STOPPED) continue;
            // (a second close finds the message it wrote, no longer STOPPED alone)
            const got = await ctx.store.getStep(ctx.runId, step.internal_name);
            if (got) await ctx.store.putStep(ctx.runId, { ...got, step: { ...got.step, message: `${STOPPED}: ${message}` } });
          }
        };
        await walk(log.steps);
      },
    };
    if ('error' in input) {
      // A bad input is the run's failure, recorded as such: the step this Task runs is recorded FAIL with the
      // reason (the run created if this is its first Task), the run closed FAIL, then exit 2 (not retried).
      io.err(`dagc asl-task: ${input.error}\n`);
      const said = `dagc.BadInput: ${input.error}`;
      const words = args.positionals.map(decodeArg);
      const step = words[0] === 'start' ? words[2] : words[0] === 'close' ? undefined : words[1];
      if (runId && step) await notes.step(step, io.env.DAGC_MAP_INDEX, said).catch((error: unknown) => io.err(`dagc asl-task: ${(error as Error).message}\n`));
      if (runId) await call(['fan', ...entry, '--', 'close', runId, said], false);
      return 2;
    }
    return runAslOperation(args.positionals.map(decodeArg), entry, io.env, call, recorded, aliasMapObjects, notes);
  },
};
