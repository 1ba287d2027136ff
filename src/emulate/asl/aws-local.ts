// `dagc emulate --target asl`: runs the state machine `dagc compile --target asl` writes (the same bytes; a
// CloudFormation wrapper is opened to the definition it holds) under aws-local-stepfunctions, the JS ASL
// interpreter (shared/notes/toolchain.md §2). What the emulator changes is how a Task runs, never the
// definition: every Batch/ECS Task's container Command runs here as a process (its `dagc` is this dagc, in the
// working directory), and the S3 reads of map counts are answered from the configured run log store. A config
// without AWS resources (the local defaults) is compiled with placeholders for them, as config
// (src/emit/asl/emulation-config.ts), so the run shows in `dagc runs show ID` like any other.
//
// What the interpreter needs, and how it is handled here:
//  - Node 20: it calls Promise.withResolvers (Node 22) on every Task; a polyfill is installed first.
//  - $$.State.RetryCount is never set (the definition does not use it: asl-task numbers attempts from the run log).
//  - EventBridge: an execution that ends FAILED, TIMED_OUT or ABORTED is followed, as the template's rule does,
//    by an execution of the same machine with input {"dagc_close": {run, error, cause}} (build-states.ts WRAPPER).
//  - Faults (DAGC_EMULATE_FAULTS, a JSON array of {state, fault, times?, afterMs?, code?}; tests inject what AWS does):
//      throttle  the submit fails with Batch.AWSBatchException (SubmitJob's 429) before any job starts
//      spot      the job starts, then its host goes: the process gets SIGTERM after afterMs (SIGKILL 5 s later);
//                the attempt ends with Batch's "Host EC2 … terminated." status reason and no exit code, which
//                the submit's RetryStrategy retries (Batch's evaluateOnExit, emulated here); when it does not,
//                States.TaskFailed
//      timeout   the job is killed after afterMs, States.Timeout (its TimeoutSeconds, compressed)
//      stop      StopExecution while the job runs (after afterMs): the execution ends ABORTED
//      runtime   a map's count read answers a count that is no number: the index range's States.MathAdd fails
//                with States.Runtime, which no Catch sees (a map of over 1,000 items no longer reaches
//                States.ArrayRange: build-states.ts buildMap guards the count)
//      exit      the job's container exits with `code` before its command runs (as dagc's entrypoint does with
//                exit 2 on bad input)
//    `times` (default 1) is how many job attempts of that state the fault hits (a Batch retry is one more).
//  - A Batch submit's RetryStrategy is applied as Batch applies it (attempts, EvaluateOnExit rules in order).
//    A failed job's cause is the job's description as Batch (or ECS) gives it, compact JSON.
//  - The execution input is what `dagc submit --target asl` sends: {parameters} from -p (not compiled into the
//    jobs' commands), {use_cached} from --use-cached (emulatedInput); DAGC_EMULATE_INPUT (JSON text) replaces it.
//    A container's `States.JsonToString(PATH)` environment value is read by path in the interpreter's copy
//    (execution-input.ts: aws-local-stepfunctions drops the backslashes of an intrinsic's result).
//  - Retry intervals are scaled to 1 ms per second (BackoffRate and MaxDelaySeconds still apply), timeouts
//    above Node's longest timer (24.8 days) are clamped to it.
//  - No Distributed Map: an ItemReader is silently ignored. The interpreter's copy of the machine reads the
//    items first, in a Task of the map's name, then runs the map inline over them (inlineDistributedMaps).
import path from 'node:path';
import { imageEnvironment } from '../../runtime/image-env.js';
import { runIdOfExecutionName } from '../../runtime/run-id.js';
import type { DagcConfig } from '../../config/types.js';
import type { MapNode, Node, Pipeline } from '../../ir/types.js';
import { enclosingMaps, walk, resolveInternalName } from '../../ir/walk.js';
import { UserError } from '../../core/errors.js';
import { spawnPiped } from '../../core/spawn-piped.js';
import { createRunLogStore } from '../../services/run-log/index.js';
import { mapShapeHash, runLogS3Settings } from '../../services/run-log/s3.js';
import { openObjectStore } from '../../services/s3-client.js';
import type { RunLogStore } from '../../services/run-log/types.js';
import type { Json, MapState, State, StateMachine, TaskState } from '../../emit/asl/asl-types.js';
import { CONTAINER_PROGRAM } from '../../emit/asl/container-script.js';
import { HISTORY_LIMIT, PAYLOAD_LIMIT } from '../../emit/asl/limits.js';
import type { EmulateOptions, Emulator } from '../types.js';
import type { AslRecorder, RecordedExecution } from './localstack-record.js';
import { PINNED_INPUT, pinExecutionInput } from './execution-input.js';
import { executionInput } from '../../runtime/execution-input.js';
import { jsonCloneKeepFloats, parseJson, stringifyJson } from '../../core/py-float.js';
import { START_EXECUTION } from '../../emit/asl/split.js';
import { takeAslRunId } from './take-run-id.js';

type Handler = (input: unknown) => Promise<unknown>;

/**
 * A Task's TimeoutSeconds as Step Functions applies it: none given, none at all (AWS, "Using timeouts to avoid
 * stuck Step Functions workflow executions": without TimeoutSeconds an execution waits for the task for as long
 * as it takes), where aws-local-stepfunctions applies the States Language spec's 60 s (its TaskStateAction
 * DEFAULT_TIMEOUT_SECONDS): every child machine of a split, and any job, running longer than a minute failed
 * the emulated execution with States.Timeout (issue 16's 10,000-task chain, at its first part's end). Node timers
 * overflow past 2^31-1 ms (24.8 days) and fire at once: longer is clamped.
 */
export function awsTaskTimeout(seconds: number | undefined): number {
  return seconds === undefined ? MAX_TIMER_SECONDS : Math.min(seconds, MAX_TIMER_SECONDS);
}

/** Promise.withResolvers (ES2024, Node 22) for aws-local-stepfunctions on Node 20. */
export function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  P.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

/** The state machine in a compiled file: the definition itself, or the one a CloudFormation wrapper holds. */
export function definitionOf(text: string): StateMachine {
  const document = JSON.parse(text) as { AWSTemplateFormatVersion?: unknown; Resources?: { StateMachine?: { Properties?: { Definition?: StateMachine } } } } & StateMachine;
  if (document.AWSTemplateFormatVersion === undefined) return document;
  const definition = document.Resources?.StateMachine?.Properties?.Definition;
  if (!definition) throw new Error('the CloudFormation template holds no StateMachine Definition (dagc bug)');
  return definition;
}

/** The parts of a split machine (emit/asl/split.ts) by the Task that starts each, read from the stack that wires
 * them as CloudFormation would: each machine's definition is the compiled file its DefinitionS3Location names (a
 * path beside the stack, as `aws cloudformation package` reads it; inline, DefinitionString, as dagc wrote it
 * before), and a `${key}` in it is replaced by what that machine's own DefinitionSubstitutions give the key: the
 * Ref (the ARN) of another machine of the stack. The parent starts parts, and so may a part (the branches of a
 * wide Parallel run as parts of their own). */
export function splitParts(files: readonly { readonly path: string; readonly text: string }[]): Map<string, StateMachine> {
  type Resource = { Type?: string; Properties?: { DefinitionString?: string; DefinitionS3Location?: unknown; DefinitionSubstitutions?: Record<string, { Ref?: string }> } };
  const out = new Map<string, StateMachine>();
  for (const file of files) {
    const doc = JSON.parse(file.text) as { AWSTemplateFormatVersion?: unknown; Resources?: Record<string, Resource> };
    if (doc.AWSTemplateFormatVersion === undefined) continue;
    const resources = Object.entries(doc.Resources ?? {}).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    const definitions = new Map<string, StateMachine>();
    for (const [id, r] of resources) {
      const at = r.Properties?.DefinitionS3Location;
      let body = r.Properties?.DefinitionString;
      if (typeof at === 'string') {
        const wanted = path.resolve(path.dirname(file.path), at);
        body = files.find((f) => path.resolve(f.path) === wanted)?.text;
        if (body === undefined) throw new UserError(`the stack ${path.basename(file.path)} names the definition ${at}, which is not among the compiled files`, 'emulate the files dagc compile --target asl -o FOLDER/ wrote, the stack included');
      }
      if (body !== undefined) definitions.set(id, JSON.parse(body) as StateMachine);
    }
    for (const [id, r] of resources) {
      const machine = definitions.get(id);
      if (!machine) continue;
      const substitutions = r.Properties?.DefinitionSubstitutions ?? {};
      for (const [name, state] of allStates(machine.States)) {
        if (state.Type !== 'Task' || state.Resource !== START_EXECUTION) continue;
        const arn = String((state.Parameters as Record<string, unknown> | undefined)?.StateMachineArn ?? '');
        const key = /^\$\{(\w+)\}$/.exec(arn)?.[1] ?? '';
        const part = definitions.get(substitutions[key]?.Ref ?? '');
        if (!part) throw new UserError(`the state ${name} starts ${arn}, which the stack's ${id} does not give a machine of the stack`, 'emulate the files dagc compile --target asl -o FOLDER/ wrote, the stack included');
        out.set(name, part);
      }
    }
  }
  return out;
}

/** Every state of a definition with its name, branches and iterations included. */
function* allStates(states: Record<string, State>): Generator<[string, State]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    if (state.Type === 'Parallel') for (const b of state.Branches) yield* allStates(b.States);
    if (state.Type === 'Map') yield* allStates(state.ItemProcessor.States);
  }
}

/** Where the interpreter's copy of a Distributed Map keeps the items its reader Task read. */
const READ_ITEMS = '$.dagcEmulatedItemReader';

/** The Resource of the Task that runs one child execution of a Distributed Map in the emulator's copy. */
const CHILD_EXECUTION = 'arn:aws:states:::states:startExecution.sync:2';

/**
 * The interpreter's copy of `states` with each Distributed Map split in two: a Task of the map's own name (so
 * every transition into it still lands there) that does the ItemReader's S3 read, then the map, inline, over
 * what it read. The map's new name has a space, which no name dagc writes has, so it cannot collide.
 * With `children`, each iteration of that inline map is one Task that runs the map's ItemProcessor as a child
 * execution of its own (a separate state machine, its own name, the ItemSelector's output as its input), as
 * Step Functions runs a Distributed Map's iterations; `children` gets each such Task's name → its machine.
 */
export function inlineDistributedMaps(states: Record<string, State>, children?: Map<string, StateMachine>): Record<string, State> {
  const out: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Parallel') {
      out[name] = { ...state, Branches: state.Branches.map((b) => ({ ...b, States: inlineDistributedMaps(b.States, children) })) };
      continue;
    }
    if (state.Type !== 'Map') {
      out[name] = state;
      continue;
    }
    const processor = { ...state.ItemProcessor, States: inlineDistributedMaps(state.ItemProcessor.States, children) };
    if (!state.ItemReader) {
      out[name] = { ...state, ItemProcessor: processor };
      continue;
    }
    const { ItemReader: reader, ...map } = state;
    const inline = `${name.slice(0, 74)} items`;
    const read: TaskState = {
      Type: 'Task',
      Comment: `${name}: the Distributed Map's ItemReader (emulated)`,
      Resource: reader.Resource,
      Parameters: reader.Parameters,
      ResultPath: READ_ITEMS,
      ...(state.Catch ? { Catch: state.Catch } : {}),
      Next: inline,
    };
    out[name] = read;
    if (!children) {
      out[inline] = { ...map, ItemsPath: READ_ITEMS, ItemProcessor: { ...processor, ProcessorConfig: { Mode: 'INLINE' } } } as MapState;
      continue;
    }
    const child = `${name.slice(0, 74)} child`;
    children.set(child, { StartAt: processor.StartAt, States: processor.States });
    // The iteration's input, whole, is the child's (ResultPath null: the Map keeps no results).
    const run: TaskState = { Type: 'Task', Comment: `${name}: one child execution (emulated)`, Resource: CHILD_EXECUTION, Parameters: { 'Input.$': '$' }, ResultPath: null, End: true };
    out[inline] = { ...map, ItemsPath: READ_ITEMS, ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: child, States: { [child]: run } } } as MapState;
  }
  return out;
}

interface ContainerInput {
  Command: string[];
  Environment?: { Name: string; Value: unknown }[];
}

/** The container overrides of a Batch SubmitJob or an ECS RunTask request. */
function containerOf(input: unknown): ContainerInput {
  const i = input as { ContainerOverrides?: ContainerInput; Overrides?: { ContainerOverrides?: ContainerInput[] } };
  const c = i.ContainerOverrides ?? i.Overrides?.ContainerOverrides?.[0];
  if (!c || !Array.isArray(c.Command)) throw new Error('a container Task without a Command (dagc bug)');
  return c;
}

/** The longest timer Node keeps (2^31-1 ms), in whole seconds. */
export const MAX_TIMER_SECONDS = Math.floor(0x7fffffff / 1000);
/** Emulated seconds of retry wait per second of IntervalSeconds (1 ms per second). */
const RETRY_SCALE = 0.001;

type FaultKind = 'throttle' | 'spot' | 'timeout' | 'stop' | 'runtime' | 'exit';
interface Fault {
  readonly state: string;
  /** exit: the code the container ends with. */
  readonly code?: number;
  readonly fault: FaultKind;
  times: number;
  readonly afterMs: number;
}

/** DAGC_EMULATE_FAULTS: what the emulator does instead of a state's normal outcome (see the header). */
function readFaults(raw: string | undefined): Fault[] {
  if (!raw) return [];
  const kinds: readonly string[] = ['throttle', 'spot', 'timeout', 'stop', 'runtime', 'exit'];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new UserError('DAGC_EMULATE_FAULTS is not JSON', 'give an array such as [{"state": "train", "fault": "throttle", "times": 2}]');
  }
  if (!Array.isArray(parsed)) throw new UserError('DAGC_EMULATE_FAULTS must be a JSON array of {state, fault, times?, afterMs?}');
  return parsed.map((f: { state?: unknown; fault?: unknown; times?: unknown; afterMs?: unknown; code?: unknown }) => {
    if (typeof f.state !== 'string' || typeof f.fault !== 'string' || !kinds.includes(f.fault))
      throw new UserError(`DAGC_EMULATE_FAULTS: ${JSON.stringify(f)} needs a state name and a fault (${kinds.join(', ')})`);
    if (f.fault === 'exit' && (typeof f.code !== 'number' || !Number.isInteger(f.code) || f.code < 1 || f.code > 255))
      throw new UserError(`DAGC_EMULATE_FAULTS: ${JSON.stringify(f)}: an exit fault needs a code from 1 to 255`);
    return {
      state: f.state,
      fault: f.fault as FaultKind,
      times: typeof f.times === 'number' ? f.times : 1,
      afterMs: typeof f.afterMs === 'number' ? f.afterMs : 1500,
      ...(typeof f.code === 'number' ? { code: f.code } : {}),
    };
  });
}

function takeFault(faults: Fault[], state: string): Fault | undefined {
  const fault = faults.find((f) => f.state === state && f.times > 0);
  if (fault) fault.times -= 1;
  return fault;
}

function named(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

/** How one job attempt ended: the container's exit code (none when its host went first) and Batch's reason. */
interface AttemptEnd {
  readonly exitCode: number | null;
  readonly statusReason: string;
}

const EXITED = 'Essential container in task exited';
const HOST_LOST = 'Host EC2 (instance i-0123456789abcdef0) terminated.';

/**
 * A failed job as Step Functions reports it: States.TaskFailed with the job's description as the Cause, compact
 * JSON — Batch DescribeJobs' job (Status, StatusReason, Attempts, Container.ExitCode) or ECS DescribeTasks' task
 * (StopCode, StoppedReason, Containers[].ExitCode). A field the service leaves out (no exit code) is left out.
 */
function taskFailed(resource: string, attempts: readonly AttemptEnd[]): Error {
  const last = attempts[attempts.length - 1]!;
  const container = (a: AttemptEnd) => (a.exitCode === null ? {} : { ExitCode: a.exitCode });
  const job = resource.includes(':ecs:')
    ? { LastStatus: 'STOPPED', StopCode: 'EssentialContainerExited', StoppedReason: last.statusReason, Containers: [{ Name: 'dagc', ...container(last) }] }
    : {
        Attempts: attempts.map((a) => ({ Container: container(a), StatusReason: a.statusReason })),
        Container: container(last),
        Status: 'FAILED',
        StatusReason: last.statusReason,
      };
  return named('States.TaskFailed', JSON.stringify(job));
}

interface BatchRetryStrategy {
  readonly Attempts?: number;
  readonly EvaluateOnExit?: readonly { OnStatusReason?: string; OnReason?: string; OnExitCode?: string; Action: string }[];
}

/** A Batch glob: exact, or a prefix when it ends with * (API_EvaluateOnExit). An absent value matches only *. */
function globMatches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined) return true;
  if (pattern.endsWith('*')) return value !== undefined ? value.startsWith(pattern.slice(0, -1)) : pattern === '*';
  return value === pattern;
}

/**
 * Whether Batch runs the job again after an attempt (AWS Batch User Guide, "Automated job retries"): while
 * attempts remain, the first EvaluateOnExit rule whose every condition matches decides; when none matches the
 * job is retried.
 */
function batchRetries(strategy: BatchRetryStrategy | undefined, attempt: number, end: AttemptEnd): boolean {
  if (!strategy || attempt >= (strategy.Attempts ?? 1)) return false;
  const rule = (strategy.EvaluateOnExit ?? []).find(
    (r) => globMatches(r.OnStatusReason, end.statusReason) && globMatches(r.OnExitCode, end.exitCode === null ? undefined : String(end.exitCode)) && globMatches(r.OnReason, undefined),
  );
  return rule ? rule.Action.toUpperCase() === 'RETRY' : true;
}

/** What the localstack engine passes to the emulator it judges (localstack.ts): a recorder of its calls and events. */
export interface RecordedOptions extends EmulateOptions {
  readonly record?: AslRecorder | undefined;
}

/** The asl emulator under aws-local-stepfunctions (the default engine; index.ts picks the engine). */
export const awsLocalEmulator: Emulator = {
  async emulate(files, options: RecordedOptions) {
    const { runId, record } = options;
    const file = files[0];
    if (!file) throw new Error('the asl target compiled no definition (dagc bug)');
    // Every entrypoint call checks the config's integrations (e.g. asl with a file-system store): say it once, first.
    const { checkIntegrations } = await import('../../integrations/configured.js');
    const { errors } = checkIntegrations(options.config);
    if (errors.length) throw new UserError(errors.map((e) => e.message).join('; '), errors[0]?.hint);
    const definition = definitionOf(file.text);

    const store = createRunLogStore(options.config.run_log_store, { cwd: options.cwd, env: options.env });
    const faults = readFaults(options.env.DAGC_EMULATE_FAULTS);
    let stopExecution: (() => void) | undefined;
    // Once an execution is stopped no job starts. The interpreter may still schedule a retry or the next state
    // (it settles the run at abort() but does not cancel what is under way), so those end at once, without effect:
    // a Task left pending would keep its TimeoutSeconds timer, and this process, alive.
    let stopped = false;
    const STOPPED = { Status: 'STOPPED' };
    const [program, ...prefix] = options.dagc;
    // The execution input's own text for a value that is the whole input (set below, before the execution starts).
    let asInputText: (value: unknown) => string | undefined = () => undefined;

    const container: (stateName: string, resource: string) => Handler = (stateName, resource) => async (input) => {
      // One turn of the event loop first: the limit watcher reads the events before this job (a quota passed
      // stops the execution at the state that passed it, as in Step Functions, and no job starts after it).
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped) return STOPPED;
      const { Command, Environment = [] } = containerOf(input);
      // A job starts from its image's environment (the launching shell's less dagc's variables and secrets:
      // runtime/image-env.ts) and what the Task passes; a re-run's id comes in the execution input.
      const env: Record<string, string | undefined> = imageEnvironment(options.env, options.config, options.pipeline);
      // A value the copy reads by path instead of States.JsonToString (execution-input.ts) is serialized here.
      for (const e of Environment) env[e.Name] = typeof e.Value === 'string' ? e.Value : (asInputText(e.Value) ?? JSON.stringify(e.Value));
      // The image's `dagc` is this dagc.
      const [command, ...args] = Command;
      const [bin, argv] = command === CONTAINER_PROGRAM ? [program!, [...prefix, ...args]] : [command!, args];
      // A Batch submit's RetryStrategy: Batch itself runs the job again after an attempt its rules retry.
      const strategy = (input as { RetryStrategy?: BatchRetryStrategy }).RetryStrategy;
      const ends: AttemptEnd[] = [];
      for (let attempt = 1; ; attempt++) {
        const fault = takeFault(faults, stateName);
        // SubmitJob's 429 comes before any job exists (a retried attempt is no new submit).
        if (fault?.fault === 'throttle' && attempt === 1)
          throw named('Batch.AWSBatchException', 'Too Many Requests (Service: AWSBatch; Status Code: 429; Error Code: TooManyRequestsException)');
        // exit: the container ends with the code at once, before its command runs (the entrypoint refusing its
        // input ends with 2).
        if (fault?.fault === 'exit') {
          const end = { exitCode: fault.code!, statusReason: EXITED };
          ends.push(end);
          if (!batchRetries(strategy, attempt, end)) throw taskFailed(resource, ends);
          continue;
        }
        const killer = new AbortController();
        // A timed-out job is stopped just after the interpreter's timer (Step Functions stops the job it gave up on).
        const timer = fault ? setTimeout(() => killer.abort(), fault.fault === 'timeout' ? Math.max(1, Math.ceil(fault.afterMs / 1000)) * 1000 + 200 : fault.afterMs) : undefined;
        // A lost host's container gets SIGTERM and a grace before SIGKILL (ECS's stopTimeout, 30 s, compressed):
        // time for `dagc exec` to record the attempt it was running as stopped.
        const grace = fault?.fault === 'spot' ? 5000 : 0;
        const ran = await spawnPiped(bin, argv, { cwd: options.cwd, env, out: options.out, err: options.err, signal: killer.signal, group: true, killGraceMs: grace });
        clearTimeout(timer);
        if (ran.error !== undefined) throw new Error(`could not start ${bin}: ${ran.error}`);
        let end: AttemptEnd;
        if (fault && ran.aborted) {
          // The interpreter's own States.Timeout has already failed the state; this rejection goes nowhere.
          if (fault.fault === 'timeout') throw named('States.Timeout', 'the job was stopped at its TimeoutSeconds');
          if (fault.fault === 'stop') {
            stopExecution?.();
            return STOPPED;
          }
          // spot: the host went; the container may have exited on the SIGTERM (143), Batch reports the host.
          end = { exitCode: null, statusReason: HOST_LOST };
        } else if (ran.code === 0) return { Status: 'SUCCEEDED', Container: { ExitCode: 0 } };
        else end = { exitCode: ran.code, statusReason: EXITED };
        ends.push(end);
        if (stopped) return STOPPED;
        if (!batchRetries(strategy, attempt, end)) throw taskFailed(resource, ends);
      }
    };

    const maps = mapsByShape(options.pipeline);
    const read: Handler = (input) => readMapObject(input as { Bucket: string; Key: string }, maps, store, options.config);
    const reader: (stateName: string) => Handler = (stateName) => async (input) => {
      if (stopped) throw named('States.Aborted', 'the execution was stopped');
      // runtime: a count that is no number, which States.MathAdd cannot take (States.Runtime).
      return takeFault(faults, stateName)?.fault === 'runtime' ? { Body: '{"count": "many"}', ContentType: 'application/json' } : read(input);
    };

    // $$.Execution.Input is pinned to the execution's input in branches and iterations (execution-input.ts).
    const children = new Map<string, StateMachine>();
    const machine: StateMachine = { ...definition, States: inlineDistributedMaps(pinExecutionInput(definition.States), children) };
    // A split machine's parts (emit/asl/split.ts), found through the stack that wires them: aws-local-stepfunctions
    // has no states:startExecution, so each is run here as a child execution by the parent's Task that starts it.
    // (Each part as compiled, for the judge: localstack.ts replays each part's execution against its own definition.)
    const partTasks = new Map<string, StateMachine>();
    for (const [task, part] of splitParts(files)) {
      partTasks.set(task, structuredClone(part));
      children.set(task, { ...part, States: inlineDistributedMaps(pinExecutionInput(part.States), children) });
    }
    if (machine.TimeoutSeconds !== undefined && machine.TimeoutSeconds > MAX_TIMER_SECONDS) machine.TimeoutSeconds = MAX_TIMER_SECONDS;
    // The jobs and reads each Task state makes (the parts' starts and a Distributed Map's children are made per
    // execution below: handlersFor).
    const jobs = new Map<string, Handler>();
    const mapChildren: string[] = [];
    // A Distributed Map's child executions (inlineDistributedMaps), run once the interpreter is loaded.
    const childStates = [...children.values()].flatMap((c) => [...allStates(c.States)]);
    for (const [name, state] of [...allStates(machine.States), ...childStates]) {
      if (state.Type === 'Task') state.TimeoutSeconds = awsTaskTimeout(state.TimeoutSeconds);
      if (state.Type === 'Task' && partTasks.has(name)) continue;
      if (state.Type === 'Task' && state.Resource === CHILD_EXECUTION) {
        mapChildren.push(name);
        continue;
      }
      // A retried task's Parallel holds the user's retrier (build-states.ts retriedTask): its waits are scaled too.
      if (state.Type === 'Parallel' && state.Retry)
        state.Retry = state.Retry.map((r) => ({
          ...r,
          IntervalSeconds: (r.IntervalSeconds ?? 1) * RETRY_SCALE,
          ...(r.MaxDelaySeconds !== undefined ? { MaxDelaySeconds: r.MaxDelaySeconds * RETRY_SCALE } : {}),
        }));
      if (state.Type !== 'Task') continue;
      jobs.set(name, state.Resource.includes(':s3:getObject') ? reader(name) : container(name, state.Resource));
      // Retry waits kept in proportion, 1 ms per second: the copy's IntervalSeconds and MaxDelaySeconds are
      // scaled, so BackoffRate and FULL jitter still apply (an interval override would replace the whole wait).
      if (state.Retry)
        state.Retry = state.Retry.map((r) => ({
          ...r,
          IntervalSeconds: (r.IntervalSeconds ?? 1) * RETRY_SCALE,
          ...(r.MaxDelaySeconds !== undefined ? { MaxDelaySeconds: r.MaxDelaySeconds * RETRY_SCALE } : {}),
        }));
      // A timeout fault compresses the state's TimeoutSeconds (the interpreter's copy only), so that the
      // interpreter raises its own States.Timeout, which States.TaskFailed does not match (ASL spec).
      const timeout = faults.find((f) => f.state === name && f.fault === 'timeout');
      if (timeout) state.TimeoutSeconds = Math.max(1, Math.ceil(timeout.afterMs / 1000));
    }

    polyfillWithResolvers();
    const { StateMachine } = await import('aws-local-stepfunctions');
    const engine = new StateMachine(structuredClone(machine) as never, { validationOptions: { checkPaths: true, checkArn: true } });
    const childEngines = new Map([...children].map(([name, def]) => [name, new StateMachine(structuredClone(def) as never, { validationOptions: { checkPaths: true, checkArn: true } })]));
    let childCount = 0;
    /**
     * The Task handlers of one execution. Recorded for the judge (localstack.ts), each call is the execution's
     * whose calls `into` gives: the run's, or a part's. A part is an execution of its own, judged against its own
     * definition; a Distributed Map's children are the calls of the execution that runs the map (the judge runs
     * the map itself).
     */
    const handlersFor = (into: () => RecordedExecution | undefined): Record<string, Handler> => {
      const out: Record<string, Handler> = {};
      const recorded = (name: string, handler: Handler) => (record ? record.task(name, handler, () => stopped, into) : handler);
      for (const [name, job] of jobs) out[name] = recorded(name, job);
      // A part of a split machine: startExecution.sync:2 gives the child's output as JSON under Output, and a
      // failed child fails the Task.
      for (const name of partTasks.keys())
        out[name] = recorded(name, async (input) => {
          try {
            return { Output: await runChild(name, input), Status: 'SUCCEEDED' };
          } catch (error) {
            throw named('States.TaskFailed', (error as Error).message);
          }
        });
      for (const name of mapChildren) out[name] = (input) => runChild(name, input, out);
      return out;
    };
    const handlers = handlersFor(() => undefined);
    // A child execution: its own name (the definition reads the run id from its input, $.run, not from
    // $$.Execution.Name), its input the iteration's, its context's execution input that input. A child that fails
    // fails the Map Run, whose failure tolerance is 0: States.ExceedToleratedFailureThreshold on the map.
    // `parentHandlers`: those of the execution running a Distributed Map (a part gets its own).
    const runChild = async (child: string, input: unknown, parentHandlers = handlers): Promise<unknown> => {
      if (stopped) return STOPPED;
      childCount += 1;
      const name = `dagc-child-${childCount}`;
      const childInput = (input as { Input?: unknown }).Input as Json;
      const part = partTasks.get(child);
      const recorded: RecordedExecution | undefined = record && part ? record.child(name, childInput, part) : undefined;
      const execution = childEngines.get(child)!.run(childInput as never, {
        overrides: { taskResourceLocalHandlers: (recorded ? handlersFor(() => recorded) : parentHandlers) as never },
        context: { Execution: { Name: name, Id: `arn:aws:states:us-east-1:000000000000:execution:dagc-emulate-child:${name}`, Input: childInput, [PINNED_INPUT]: childInput }, State: { RetryCount: 0 } },
        noThrowOnAbort: true,
      });
      if (record && recorded) record.follow(recorded, execution.eventLogs as AsyncGenerator<unknown>);
      else void drain(execution.eventLogs as AsyncGenerator<unknown>);
      try {
        return await execution.result;
      } catch (error) {
        const cause = (error as { cause?: { name?: string; message?: string } }).cause;
        throw named('States.ExceedToleratedFailureThreshold', `a child execution failed: ${cause?.name ?? 'States.Runtime'}: ${cause?.message ?? String(error)}`);
      }
    };
    const historyLimit = Number(options.env.DAGC_EMULATE_HISTORY_LIMIT) || HISTORY_LIMIT;
    const start = async (input: Json, name: string): Promise<{ status: 'SUCCEEDED' | 'FAILED' | 'ABORTED'; error?: string; cause?: string }> => {
      // StartExecution refuses an input over the payload quota (before anything runs).
      const inputBytes = Buffer.byteLength(JSON.stringify(input), 'utf8');
      if (inputBytes > PAYLOAD_LIMIT) return { status: 'FAILED', error: 'States.DataLimitExceeded', cause: `the execution input is ${inputBytes} bytes, over the ${PAYLOAD_LIMIT}-byte quota` };
      const execution = engine.run(input as never, {
        overrides: { taskResourceLocalHandlers: handlers as never },
        context: { Execution: { Name: name, Id: `arn:aws:states:us-east-1:000000000000:execution:dagc-emulate:${name}`, Input: input, [PINNED_INPUT]: input }, State: { RetryCount: 0 } },
        noThrowOnAbort: true,
      });
      // The quotas Step Functions holds an execution to, read from the interpreter's events (which the localstack
      // recorder reads after them): a state's input or output over 256 KiB fails the execution with
      // States.DataLimitExceeded, which no Catch takes; a history past 25,000 events fails it.
      let overLimit: { error: string; cause: string } | undefined;
      const events = watchLimits(execution.eventLogs as AsyncGenerator<unknown>, historyLimit, (error, cause) => {
        if (overLimit) return;
        overLimit = { error, cause };
        stopped = true;
        execution.abort();
      });
      if (record) record.execution(name, input, events);
      else void drain(events);
      let aborted = false;
      stopped = false;
      stopExecution = () => {
        aborted = true;
        stopped = true;
        execution.abort();
      };
      try {
        await execution.result;
        await settle();
        if (overLimit) return { status: 'FAILED', ...overLimit };
        return aborted ? { status: 'ABORTED', error: 'dagc.ExecutionAborted', cause: 'the execution was stopped (StopExecution)' } : { status: 'SUCCEEDED' };
      } catch (error) {
        if (overLimit) return { status: 'FAILED', ...overLimit };
        if (aborted) return { status: 'ABORTED', error: 'dagc.ExecutionAborted', cause: 'the execution was stopped (StopExecution)' };
        const cause = (error as { cause?: { name?: string; message?: string } }).cause;
        return { status: 'FAILED', error: cause?.name ?? 'States.Runtime', cause: cause?.message ?? String(error) };
      } finally {
        stopExecution = undefined;
      }
    };
    // The execution input (README "asl target"), as `dagc submit --target asl` builds it: -p's parameters and the
    // run a re-run starts from travel there, not in the jobs' commands or the host's environment.
    // Its text keeps a whole float's `.0` (stringifyJson, as submit sends it); the interpreter is given plain JSON,
    // and the job that reads the whole input (DAGC_ASL_INPUT) gets that text, as LocalStack's interpreter gives
    // 1.0 back from States.JsonToString (json.dumps of a float).
    const inputText = stringifyJson(emulatedInput(options));
    const input = JSON.parse(inputText) as Json;
    const plainInput = JSON.stringify(input);
    asInputText = (value) => (JSON.stringify(value) === plainInput ? inputText : undefined);
    const inputEnv = executionInput(inputText);
    // The run id is taken before the execution starts, as the bash script's first call takes it (issue 19), with
    // what the execution input gives every Task (a bad input: none of it; the first Task records the run FAIL).
    await takeAslRunId(definition, { ...options, useCached: undefined }, runId, 'env' in inputEnv ? inputEnv.env : {});
    const ended = await start(input, runId);
    let engineError = ended.status === 'SUCCEEDED' ? undefined : ended;
    if (ended.status !== 'SUCCEEDED') {
      // The EventBridge rule on the execution's status (cloudformation.ts): a new execution only closes the run.
      const closed = await start({ dagc_close: { run: runId, error: ended.error ?? ended.status, cause: ended.cause ?? '' } }, `${runId}-close`);
      if (closed.status !== 'SUCCEEDED') engineError = closed;
    }
    // The exit code is the run's, as `dagc run`: what the run log says, whatever the engine's verdict.
    // An execution name the run-id rule refuses runs under the run id it maps to (asl-task, runtime/run-id.ts).
    const recordedAs = runIdOfExecutionName(runId);
    if (recordedAs !== runId) options.err(`dagc emulate: the execution name "${runId}" is recorded as run "${recordedAs}"\n`);
    let status: string | undefined;
    try {
      status = (await store.getRun(recordedAs)).status;
    } catch {
      status = undefined;
    }
    const exitCode = status === 'SUCCESS' ? 0 : status === 'FAIL' ? 1 : 2;
    if (exitCode === 2)
      options.err(`dagc emulate: the state machine stopped before the run ended${engineError ? `: ${engineError.error}: ${engineError.cause}` : ''}\n`);
    else if (engineError && exitCode === 1) options.err(`dagc emulate: the execution ended ${engineError.status}: ${engineError.error}\n`);
    return { exitCode, engine: ' (asl, aws-local-stepfunctions)', ...(recordedAs !== runId ? { runId: recordedAs } : {}) };
  },
};

/**
 * The execution input an emulation starts with: {parameters} from -p (EmulateOptions.parameters) and {use_cached}
 * from --use-cached, the shape `dagc submit --target asl` sends (src/deploy/index.ts). Names the containers'
 * reader refuses are refused here too, as submit refuses them (exit 2). DAGC_EMULATE_INPUT, the raw JSON text of
 * an input, replaces it (tests: the first step records a bad input as the run's FAIL).
 */
export function emulatedInput(options: Pick<EmulateOptions, 'parameters' | 'useCached' | 'env'>): Json {
  const raw = options.env.DAGC_EMULATE_INPUT;
  if (raw !== undefined && raw !== '') {
    try {
      return parseJson(raw) as Json;
    } catch {
      throw new UserError('DAGC_EMULATE_INPUT is not JSON', 'give the execution input as JSON text, e.g. {"parameters": {"n": 1}}');
    }
  }
  const input: { [key: string]: Json } = {};
  // PyFloats kept: the input text writes a whole float as 1.0, as `dagc submit` does (issue 15).
  if (options.parameters !== undefined) input['parameters'] = jsonCloneKeepFloats(options.parameters) as Json;
  if (options.useCached) input['use_cached'] = options.useCached;
  const accepted = executionInput(stringifyJson(input));
  if ('error' in accepted) throw new UserError(`the execution input cannot carry these parameters: ${accepted.error}`, 'rename the parameter in the -p file (the run reads it as DAGC_PRM_<NAME>)');
  return input;
}

/** Gives the event loop a turn, so that the limit watcher has read the events an execution ended with. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 20));
}

async function drain(events: AsyncGenerator<unknown>): Promise<void> {
  for await (const _event of events) {
    /* read only for the limits */
  }
}

/** UTF-8 bytes of a payload as Step Functions counts it, without the emulator's own copy of a Distributed Map's items. */
function payloadBytes(value: unknown): number {
  if (value && typeof value === 'object' && !Array.isArray(value) && READ_ITEMS.slice(2) in value) {
    const { [READ_ITEMS.slice(2)]: _items, ...rest } = value as Record<string, unknown>;
    return Buffer.byteLength(JSON.stringify(rest), 'utf8');
  }
  return Buffer.byteLength(JSON.stringify(value ?? null), 'utf8');
}

/**
 * Reads an execution's events (aws-local-stepfunctions' event log), calls `fail` when a quota is passed, and hands
 * every event on (the returned generator). History: one event per interpreter event, and four more per Task state
 * entered (TaskScheduled, TaskStarted, TaskSubmitted, TaskSucceeded or TaskFailed in Step Functions' history) —
 * an estimate close to, not exactly, Step Functions' count. AWS docs, "Step Functions service quotas": 256 KiB per
 * state input or output (States.DataLimitExceeded, "a terminal error that can't be caught by States.ALL"),
 * 25,000 history events ("the execution fails"; the docs name no error: the emulator says
 * dagc.HistoryLimitExceeded). DAGC_EMULATE_HISTORY_LIMIT lowers the history limit (tests).
 */
function watchLimits(source: AsyncGenerator<unknown>, historyLimit: number, fail: (error: string, cause: string) => void): AsyncGenerator<unknown> {
  const buffered: unknown[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  let history = 0;
  void (async () => {
    for await (const event of source) {
      const e = event as { type?: string; state?: { name?: string; type?: string; input?: unknown; output?: unknown } };
      history += e.type === 'StateEntered' && e.state?.type === 'Task' ? 5 : 1;
      if (history > historyLimit) fail('dagc.HistoryLimitExceeded', `the execution history reached ${historyLimit.toLocaleString('en-US')} events, Step Functions' quota: the execution fails`);
      for (const [what, value] of [
        ['input', e.state?.input],
        ['output', e.state?.output],
      ] as const) {
        if (value === undefined) continue;
        const bytes = payloadBytes(value);
        if (bytes > PAYLOAD_LIMIT)
          fail('States.DataLimitExceeded', `the ${what} of state "${e.state?.name ?? '?'}" is ${bytes.toLocaleString('en-US')} bytes, over the ${PAYLOAD_LIMIT.toLocaleString('en-US')}-byte quota`);
      }
      buffered.push(event);
      wake?.();
    }
    done = true;
    wake?.();
  })();
  return (async function* () {
    while (true) {
      while (buffered.length) yield buffered.shift();
      if (done) return;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  })();
}

interface MapPlace {
  readonly node: Node;
  /** The maps around it, outermost first. */
  readonly enclosing: readonly MapNode[];
}

/** Every map of the pipeline by the hash its S3 keys carry (services/run-log/s3.ts mapShapeHash). */
function mapsByShape(pipeline: Pipeline): Map<string, MapPlace> {
  const out = new Map<string, MapPlace>();
  for (const { node, ancestors } of walk(pipeline.root))
    if (node.type === 'map') out.set(mapShapeHash(node.internalName), { node, enclosing: enclosingMaps(ancestors) });
  return out;
}

/**
 * A getObject of a map's `{"count": n}` (the inline map's count read) or its `[0, …, n-1]` (a Distributed Map's
 * ItemReader): a real S3 read when the run log store is s3, else answered from the configured store's map
 * items, found as the entrypoint finds them (indices of the enclosing maps from the key, items read back by
 * index: src/cli/entrypoint.ts).
 */
async function readMapObject(request: { Bucket: string; Key: string }, maps: ReadonlyMap<string, MapPlace>, store: RunLogStore, config: DagcConfig): Promise<unknown> {
  const section = config.run_log_store;
  const noSuchKey = () => Object.assign(new Error(`The specified key does not exist: ${request.Key}`), { name: 'S3.NoSuchKeyException' });
  const indicesRead = /\/map-indices\/[0-9a-f]{16}\/[^/]+$/.test(request.Key);
  let text: string;
  if (section.type === 's3') {
    const settings = runLogS3Settings(section.config ?? {});
    if (request.Bucket !== settings.bucket || !request.Key.startsWith(settings.prefix))
      throw new UserError(`the state machine reads s3://${request.Bucket}/${request.Key}, outside the run log store s3://${settings.bucket}/${settings.prefix}`);
    const got = await openObjectStore(settings).getText(request.Key.slice(settings.prefix.length));
    if (!got) throw noSuchKey();
    text = got.text;
  } else {
    const match = /^(.+)\/map-(?:count|indices)\/([0-9a-f]{16})\/([0-9,]+|_)\.json$/.exec(request.Key);
    const place = match ? maps.get(match[2]!) : undefined;
    if (!match || !place) throw noSuchKey();
    // The key has the execution's name; the run log store has its run id (asl-task maps one to the other).
    const runId = runIdOfExecutionName(match[1]!);
    const indices = match[3] === '_' ? [] : match[3]!.split(',').map(Number);
    const values: unknown[] = [];
    for (const [k, outer] of place.enclosing.entries()) {
      const items = await store.getMapItems(runId, resolveInternalName(outer.internalName, values));
      if (!items || indices[k]! >= items.length) throw noSuchKey();
      values.push(items[indices[k]!]);
    }
    const items = await store.getMapItems(runId, resolveInternalName(place.node.internalName, values));
    if (!items) throw noSuchKey();
    text = JSON.stringify(indicesRead ? items.map((_, i) => i) : { count: items.length });
  }
  // An ItemReader (InputType JSON) hands the map the parsed array; the count read gets the object's Body.
  return indicesRead ? (JSON.parse(text) as unknown) : { Body: text, ContentType: 'application/json' };
}

