// IR → states. Every node becomes the states the engine needs to traverse it (DESIGN.md §6, asl):
//   task / stub with a catalog   Task (.sync on Batch or ECS) running `dagc asl-task` (one `dagc exec` and the
//                                pure nodes after it, src/cli/asl-task.ts); Retry; Catch → on_failure
//   task with retry: N > 1       Parallel around that Task, whose Retry is the user's (retriedTask)
//   stub without a catalog       Pass              (recorded by the container that hands control to it)
//   success / fail               Succeed / Fail at the root; inside a branch a Pass that ends the branch
//                                (a Fail state would cancel the sibling branches, which `dagc run` lets
//                                finish: the branch's status is in the run log and fan in decides)
//   parallel                     fan out Task → Parallel (Catch → fan in) → fan in Task
//   map                          fan out Task → s3 getObject of the count → Pass with States.ArrayRange →
//                                inline Map over the indices (Distributed Map with an S3 item reader when
//                                the declared width is over the inline limit) → fan in Task
//   dag                          fan out Task → the sub-graph's states inline → fan in Task
// Only indices, the run id and small status objects travel in the payload: every Task has ResultPath null.
import type { ChainNode, Graph, Node } from '../../ir/types.js';
import { getNode, isComposite } from '../../ir/types.js';
import { failureRoute, reachable, successPath } from '../../ir/routes.js';
import { mapCountKey, mapIndicesKey } from '../../services/run-log/s3.js';
import type { AslConfig, AslSettings } from './asl-config.js';
import type { Catcher, ChoiceRule, Json, MapState, ParallelState, Retrier, State, TaskState } from './asl-types.js';
import type { ContainerOp, EntryFiles } from './container-script.js';
import { containerCommand } from './container-script.js';

/** The inline Map's index array is built by States.ArrayRange, which makes at most 1,000 items (AWS docs, intrinsic functions). */
export const INLINE_MAP_LIMIT = 1000;
/** An inline Map runs at most 40 iterations at once (AWS docs, "Map state in Inline mode": MaxConcurrency). */
export const INLINE_CONCURRENCY_LIMIT = 40;
/**
 * MaxConcurrency of a Distributed Map whose node sets no max_concurrency: each child execution submits a job,
 * and Batch takes about 50 SubmitJob calls a second (Metaflow's step_functions plugin retries its throttling).
 */
export const DEFAULT_DISTRIBUTED_CONCURRENCY = 50;

/** How a graph's terminal nodes end: the whole execution, a branch, or an inline dag that returns to its fan in. */
export type GraphMode = { kind: 'root' } | { kind: 'branch' } | { kind: 'inline'; exit: string };

export interface BuildContext {
  readonly config: AslConfig;
  /** State name of a node's (or a role's) virtual dot path. */
  readonly stateName: (virtualPath: string) => string;
  /** The pipeline, config, parameters and variables files as the containers name them. */
  readonly files: EntryFiles;
  /** Where the run log store keeps map counts (the configured s3 store; placeholders when emulating). */
  readonly store: { readonly bucket: string; readonly prefix: string };
  /** false: every map is inline (aws-local-stepfunctions has no Distributed Map). */
  readonly distributedMaps: boolean;
  /** A Batch Task's JobDefinition: the configured ARN, or a Ref to one the CloudFormation wrapper declares. */
  readonly jobDefinitionOf: (settings: AslSettings) => Json;
}

/** Where the current graph sits: how deep in maps, and where the run id comes from. */
interface Scope {
  /** Number of enclosing maps (the payload's `idx` holds their indices when > 0). */
  readonly depth: number;
  /**
   * The run id: $$.Execution.Name, except inside a Distributed Map, whose iterations are child executions with
   * names of their own; there the ItemSelector carries it as `run`.
   */
  readonly runIdPath: string;
  /** The execution's input ({parameters, use_cached}): $$.Execution.Input, or `$.input` inside a Distributed Map. */
  readonly inputPath: string;
}

/** Role states of a composite are named `<dot path>.<role>`; node states have an odd number of parts, these even. */
export const ROLE = {
  fanOut: 'fan-out',
  fanIn: 'fan-in',
  count: 'count',
  items: 'items',
  // A retried task's Parallel holds these (retriedTask below).
  attempt: 'attempt',
  exitCode: 'exit-code',
  again: 'again',
  failed: 'failed',
  // Where a node's infrastructure errors and timeouts go first: a Pass that names the node (noteAbort).
  abort: 'abort',
  // An inline map's guard on its item count (buildMap).
  width: 'width',
  tooWide: 'too-wide',
} as const;
export const START_RECORDER = 'dagc.start';

/**
 * The states around the pipeline's own (a run log that always closes, DESIGN.md §3 invariant 5):
 *   entry     Choice: an execution whose input has `dagc_close` only closes that run (finalise → closed);
 *             every other execution runs the pipeline
 *   run       Parallel with one branch, the pipeline: whatever error leaves it that a Catch can see (an
 *             infrastructure error, a task timeout, the pipeline's fail node) goes to closing → close → failed
 *   abort     one Fail state per graph that has container Tasks: where their infrastructure errors go, so the
 *             error leaves the branch (to the fan in that closes it) or the pipeline (to close) instead of
 *             following the node's on_failure route with its step still PROCESSING
 * What no Catch sees (States.Runtime, the execution's own timeout, StopExecution: AWS docs, "Error handling in
 * Step Functions") ends the execution FAILED, TIMED_OUT or ABORTED; the CloudFormation template's EventBridge
 * rule on that status starts this machine again with `dagc_close` (the emulator does the same).
 */
export const WRAPPER = {
  entry: 'dagc.entry',
  run: 'dagc.run',
  closing: 'dagc.closing',
  close: 'dagc.close',
  failed: 'dagc.failed',
  finalise: 'dagc.finalise',
  closed: 'dagc.closed',
} as const;

/** The Fail state a graph's infrastructure errors go to: `<graph>.dagc.abort` (4 or more parts, or 2 at the root). */
export function abortPath(graph: Graph): string {
  return graph.internalName ? `${graph.internalName}.dagc.abort` : 'dagc.abort';
}

/** The Pass before a graph's abort that makes the Fail state's cause: `<graph>.dagc.cause` ('dagc.cause' at the root). */
export function causePath(graph: Graph): string {
  return graph.internalName ? `${graph.internalName}.dagc.cause` : 'dagc.cause';
}

/**
 * Errors the services raise when a job could not be submitted or run, as Step Functions names them
 * (`<Service>.<exception>` of the SDK call: AWS docs, "Handling errors in Step Functions service integrations";
 * Metaflow's step_functions plugin retries Batch.AWSBatchException for SubmitJob throttling). They are retried by
 * an infrastructure retrier of their own, before the user's `retry:` (each retrier counts its own attempts: ASL
 * spec, "Retrying after an error"), so a throttled submit costs no user attempt.
 */
export const INFRA_ERRORS = ['Batch.AWSBatchException', 'Batch.ServerException', 'ECS.AmazonECSException', 'ECS.ServerException'] as const;
/** What else ends the graph rather than following on_failure: the job outlived its TimeoutSeconds. */
const ABORTING_ERRORS = [...INFRA_ERRORS, 'States.Timeout'];

export function isPure(node: Node): boolean {
  if (node.type === 'success' || node.type === 'fail') return true;
  if (node.type !== 'stub') return false;
  return !node.catalog || (node.catalog.get.length === 0 && node.catalog.put.length === 0);
}

/** The pure nodes from `name` on, following `next`, up to a node that records itself (exclusive) or a terminal. */
export function chainFrom(graph: Graph, name: string): string[] {
  return successPath(graph, name, isPure).taken.map((n) => n.internalName);
}

/**
 * The nodes the state machine can reach from the graph's start. Step Functions rejects unreachable states,
 * and a fail node nothing routes to (a branch of stubs) is common. Pure stubs are Pass states, which only go
 * on; every other node may also fail to its on_failure or the graph's fail node.
 */
export function reachableStates(graph: Graph): ReadonlySet<string> {
  let live = reachedStates.get(graph);
  if (live === undefined) reachedStates.set(graph, (live = reachable(graph, { canFail: (node) => !isPure(node) })));
  return live;
}
/** Asked of each graph four times by a compile (names, states, their containers): a 10,000-step graph's walk
 * is ~20 ms. The IR does not change once built (its types are read-only). */
const reachedStates = new WeakMap<Graph, ReadonlySet<string>>();

/** Virtual dot paths of every state, in the order states are written (for name assignment). */
export function statePaths(root: Graph, distributed: (node: Node) => boolean): string[] {
  const out: string[] = [WRAPPER.entry, WRAPPER.run, WRAPPER.closing, WRAPPER.close, WRAPPER.failed, WRAPPER.finalise, WRAPPER.closed];
  if (isPure(getNode(root, root.startAt)!)) out.push(START_RECORDER);
  const visit = (graph: Graph) => {
    const live = reachableStates(graph);
    // Only a Task's abort note leads to them: a graph of Pass states alone (a pipeline of stubs) has neither,
    // or asl-validator refuses them as unreachable.
    if (hasContainers(graph)) out.push(abortPath(graph), causePath(graph));
    for (const node of graph.nodes) {
      if (!live.has(node.name)) continue;
      switch (node.type) {
        case 'parallel':
          out.push(`${node.internalName}.${ROLE.fanOut}`, node.internalName);
          for (const b of node.branches) visit(b);
          out.push(`${node.internalName}.${ROLE.fanIn}`, `${node.internalName}.${ROLE.abort}`);
          break;
        case 'map':
          out.push(`${node.internalName}.${ROLE.fanOut}`);
          if (!distributed(node))
            out.push(`${node.internalName}.${ROLE.count}`, `${node.internalName}.${ROLE.width}`, `${node.internalName}.${ROLE.tooWide}`, `${node.internalName}.${ROLE.items}`);
          out.push(node.internalName);
          visit(node.branch);
          out.push(`${node.internalName}.${ROLE.fanIn}`, `${node.internalName}.${ROLE.abort}`);
          break;
        case 'dag':
          out.push(`${node.internalName}.${ROLE.fanOut}`);
          visit(node.branch);
          out.push(`${node.internalName}.${ROLE.fanIn}`, `${node.internalName}.${ROLE.abort}`);
          break;
        default:
          out.push(node.internalName);
          if (isRetried(node)) for (const role of [ROLE.attempt, ROLE.exitCode, ROLE.again, ROLE.failed]) out.push(`${node.internalName}.${role}`);
          if (!isPure(node)) out.push(`${node.internalName}.${ROLE.abort}`);
      }
    }
  };
  visit(root);
  return out;
}

/** A task node with `retry:` over 1: its Task is wrapped in a Parallel that retries it (retriedTask). */
export function isRetried(node: Node): boolean {
  return node.type === 'task' && node.retry > 1;
}

/** Whether a graph has Task states that run a container (a non-pure leaf, or a composite's fan out and in). */
export function hasContainers(graph: Graph): boolean {
  const live = reachableStates(graph);
  return graph.nodes.some((n) => live.has(n.name) && !isPure(n));
}

/** Inside an ASL intrinsic string literal `'`, `{`, `}` and `\` are escaped with a backslash (ASL spec, intrinsics). */
function escapeLiteral(text: string): string {
  return text.replace(/[\\'{}]/g, (c) => `\\${c}`);
}

const RUN_SLOT = '\u0000';
const INDEX_SLOT = '\u0001';

/** A Batch job name: letters, digits, '-' and '_', at most 128, starting with a letter or digit (Batch SubmitJob). */
function jobName(stateName: string): string {
  const clean = stateName.replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return (clean || 'dagc').slice(0, 128);
}

function describe(node: Node): string {
  switch (node.type) {
    case 'task':
      return `${node.commandType} task${node.retry > 1 ? `, up to ${node.retry} attempts` : ''}`;
    case 'stub':
      return node.spelledAs;
    case 'map':
      return `map over "${node.iterateOn}" as "${node.iterateAs}"`;
    case 'parallel':
      return `parallel, ${node.branches.length} branches`;
    case 'dag':
      return `dag from ${node.dagDefinition}`;
    default:
      return node.type;
  }
}

/**
 * A map is a Distributed Map when its declared width (map_width) or its max_concurrency is over what an inline
 * Map runs at once (40): an inline Map would run it 40 at a time whatever max_concurrency says. A map that
 * declares neither is inline, with a guard on its item count (buildMap).
 */
export function isDistributed(ctx: Pick<BuildContext, 'config' | 'distributedMaps'>, node: Node): boolean {
  if (!ctx.distributedMaps || node.type !== 'map') return false;
  const settings = ctx.config.forNode(node);
  return (settings.mapWidth ?? 0) > INLINE_CONCURRENCY_LIMIT || settings.maxConcurrency > INLINE_CONCURRENCY_LIMIT;
}

export function buildStateMachineStates(root: Graph, ctx: BuildContext): { startAt: string; states: Record<string, State> } {
  const pipeline = pipelineStates(root, ctx);
  const name = ctx.stateName;
  // Where a close gets the run, the error and its cause: `dagc_close` of the input (an EventBridge-started
  // close, see WRAPPER) or of the closing Pass (an error the run's Catch saw).
  const closeEnv: Json[] = [
    { Name: 'DAGC_ASL_ERROR', 'Value.$': '$.dagc_close.error' },
    { Name: 'DAGC_ASL_CAUSE', 'Value.$': '$.dagc_close.cause' },
  ];
  const closeScope: Scope = { depth: 0, runIdPath: '$.dagc_close.run', inputPath: '$$.Execution.Input' };
  const closeTask = (state: string, comment: string) =>
    batchOrEcsTask(ctx, ctx.config.global, state, { op: 'close' }, closeScope, comment, closeEnv);
  const states: Record<string, State> = {
    [name(WRAPPER.entry)]: {
      Type: 'Choice',
      Comment: 'an execution started with {"dagc_close": {"run", "error", "cause"}} only closes that run',
      Choices: [{ Variable: '$.dagc_close', IsPresent: true, Next: name(WRAPPER.finalise) }],
      Default: name(WRAPPER.run),
    },
    [name(WRAPPER.run)]: {
      Type: 'Parallel',
      Comment: 'the pipeline; an error that leaves it is recorded by dagc.close before the execution fails',
      Branches: [{ StartAt: pipeline.startAt, States: pipeline.states }],
      ResultPath: null,
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.dagcError', Next: name(WRAPPER.closing) }],
      End: true,
    },
    [name(WRAPPER.closing)]: {
      Type: 'Pass',
      Comment: 'the run, the error and its cause for dagc.close',
      Parameters: { 'run.$': '$$.Execution.Name', 'error.$': '$.dagcError.Error', 'cause.$': 'States.JsonToString($.dagcError)' },
      ResultPath: '$.dagc_close',
      Next: name(WRAPPER.close),
    },
    [name(WRAPPER.close)]: {
      ...closeTask(name(WRAPPER.close), 'closes the run: steps and branches still PROCESSING and the run become FAIL (a run that ended stays as it is)'),
      Next: name(WRAPPER.failed),
    },
    [name(WRAPPER.failed)]: { Type: 'Fail', Comment: 'the error that left the pipeline', ErrorPath: '$.dagc_close.error', CausePath: '$.dagc_close.cause' },
    [name(WRAPPER.finalise)]: {
      ...closeTask(name(WRAPPER.finalise), 'closes a run whose execution ended FAILED, TIMED_OUT or ABORTED outside any Catch'),
      Next: name(WRAPPER.closed),
    },
    [name(WRAPPER.closed)]: { Type: 'Succeed', Comment: 'the run is closed' },
  };
  return { startAt: name(WRAPPER.entry), states };
}

/** The pipeline's own states (the branch of dagc.run). */
function pipelineStates(root: Graph, ctx: BuildContext): { startAt: string; states: Record<string, State> } {
  const built = buildGraph(root, { kind: 'root' }, { depth: 0, runIdPath: '$$.Execution.Name', inputPath: '$$.Execution.Input' }, ctx);
  const start = getNode(root, root.startAt)!;
  if (!isPure(start)) return built;
  // A root graph that starts with pure nodes has no container before them to record them: one Task does.
  const recorder = ctx.stateName(START_RECORDER);
  const states: Record<string, State> = {
    [recorder]: {
      ...batchOrEcsTask(
        ctx,
        ctx.config.global,
        recorder,
        { op: 'start', chain: chainFrom(root, root.startAt) },
        { depth: 0, runIdPath: '$$.Execution.Name', inputPath: '$$.Execution.Input' },
        'records the pure nodes the pipeline starts with (they run no container of their own)',
      ),
      Next: built.startAt,
    },
    ...built.states,
  };
  return { startAt: recorder, states };
}

/** The tags the config puts on Batch jobs: the CloudFormation wrapper's (cloudformation: {tags}). */
function jobTags(ctx: BuildContext): readonly (readonly [string, string])[] {
  return ctx.config.machine.cloudformation?.tags ?? [];
}

/** Parameters of a `.sync` Task that runs the container command on Batch or ECS. */
function batchOrEcsTask(
  ctx: BuildContext,
  settings: AslSettings,
  stateName: string,
  op: ContainerOp,
  scope: Scope,
  comment: string,
  extraEnv: readonly Json[] = [],
): Omit<TaskState, 'Next' | 'End'> {
  // The execution input as JSON text: `dagc asl-task` validates it and takes parameters and use_cached from it
  // (not for a close, which needs neither, and whose input holds the error's cause).
  const environment = shared(settings, `env ${op.op === 'close'} ${scope.depth > 0} ${scope.runIdPath} ${scope.inputPath}`, extraEnv.length === 0, () => {
    const list: Json[] = [
      { Name: 'DAGC_ASL_RUN_ID', 'Value.$': scope.runIdPath },
      ...(op.op === 'close' ? [] : [{ Name: 'DAGC_ASL_INPUT', 'Value.$': `States.JsonToString(${scope.inputPath})` }]),
      ...extraEnv,
    ];
    // No attempt number: $$.State.RetryCount counts the infrastructure retrier's retries too, so `dagc asl-task`
    // numbers a task's attempt from the attempts the run log holds.
    if (scope.depth > 0) list.push({ Name: 'DAGC_MAP_INDEX', 'Value.$': '$.idx' });
    for (const [name, value] of settings.env) list.push({ Name: name, Value: value });
    return list;
  });
  // No secrets here, not even their ARNs: a submit cannot carry `secrets`, and the entrypoint reads
  // secret_as_env from the same config file and fetches each one with the job's role (DESIGN.md invariant 5).
  const command = containerCommand(ctx.files, op);
  const compute = settings.compute;
  let resource: string;
  let parameters: { [key: string]: Json };
  if (compute.kind === 'batch') {
    const requirements = shared(settings, 'batch requirements', true, () => {
      const list: Json[] = [];
      if (settings.vcpus !== undefined) list.push({ Type: 'VCPU', Value: String(settings.vcpus) });
      if (settings.memory !== undefined) list.push({ Type: 'MEMORY', Value: String(settings.memory) });
      if (settings.gpu !== undefined) list.push({ Type: 'GPU', Value: String(settings.gpu) });
      return list;
    });
    resource = 'arn:aws:states:::batch:submitJob.sync';
    parameters = {
      JobName: jobName(stateName),
      JobQueue: compute.jobQueue,
      JobDefinition: ctx.jobDefinitionOf(settings),
      ContainerOverrides: {
        Command: command,
        Environment: environment,
        ...(requirements.length ? { ResourceRequirements: requirements } : {}),
      },
      RetryStrategy: HOST_LOST_RETRY,
      // cloudformation.tags on every job (AWS Batch API SubmitJob: tags, a map of at most 50; propagateTags: the
      // job's tags also go on the ECS task that runs it). The role needs batch:TagResource (iam-policy.ts).
      ...(jobTags(ctx).length ? { Tags: Object.fromEntries(jobTags(ctx)), PropagateTags: true } : {}),
    };
  } else {
    const requirements = shared(settings, 'ecs requirements', true, () =>
      settings.gpu !== undefined ? [{ Type: 'GPU', Value: String(settings.gpu) }] : [],
    );
    resource = 'arn:aws:states:::ecs:runTask.sync';
    parameters = {
      Cluster: compute.cluster,
      TaskDefinition: compute.taskDefinition,
      LaunchType: compute.launchType,
      ...(compute.subnets.length
        ? {
            NetworkConfiguration: {
              AwsvpcConfiguration: {
                Subnets: [...compute.subnets],
                ...(compute.securityGroups.length ? { SecurityGroups: [...compute.securityGroups] } : {}),
                AssignPublicIp: compute.assignPublicIp ? 'ENABLED' : 'DISABLED',
              },
            },
          }
        : {}),
      Overrides: {
        ContainerOverrides: [
          {
            Name: compute.containerName,
            Command: command,
            Environment: environment,
            // ECS counts CPU in units of 1/1024 vCPU.
            ...(settings.vcpus !== undefined ? { Cpu: Math.round(settings.vcpus * 1024) } : {}),
            ...(settings.memory !== undefined ? { Memory: settings.memory } : {}),
            ...(requirements.length ? { ResourceRequirements: requirements } : {}),
          },
        ],
      },
    };
  }
  const task: Omit<TaskState, 'Next' | 'End'> = {
    Type: 'Task',
    Comment: comment,
    Resource: resource,
    Parameters: parameters,
    ResultPath: null,
    // Always explicit: Step Functions has no default, aws-local-stepfunctions has 60 s (toolchain.md §2).
    TimeoutSeconds: settings.timeoutSeconds,
    Retry: [INFRA_RETRIER],
  };
  return task;
}

/**
 * Batch retries a job whose host went away (a Spot reclaim or an instance's end: the job's statusReason is
 * "Host EC2 (instance i-…) terminated."), twice, inside one submit; every other end is the job's own (AWS Batch
 * User Guide, "Automated job retries"; API_EvaluateOnExit: rules in order, onStatusReason a glob that may end
 * with *, the last rule exits for any status reason so nothing else is retried). Step Functions sees one job, so
 * a lost host costs no user attempt, and `dagc asl-task` does not count the attempt the signal stopped.
 */
export const HOST_LOST_RETRY: Json = deepFreeze({
  Attempts: 3,
  EvaluateOnExit: [
    { OnStatusReason: 'Host EC2*', Action: 'RETRY' },
    { OnStatusReason: '*', Action: 'EXIT' },
  ],
});

/** Backoff with full jitter, 2 s doubling to at most a minute, six times (about 2 min in all before jitter). */
export const INFRA_RETRIER: Retrier = deepFreeze({ ErrorEquals: [...INFRA_ERRORS], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });

/** The lists Tasks with the same settings and scope hold alike, made once each and frozen (deepFreeze). */
const sharedLists = new WeakMap<AslSettings, Map<string, Json[]>>();
function shared(settings: AslSettings, key: string, shareable: boolean, make: () => Json[]): Json[] {
  if (!shareable) return make();
  let lists = sharedLists.get(settings);
  if (lists === undefined) sharedLists.set(settings, (lists = new Map()));
  let list = lists.get(key);
  if (list === undefined) lists.set(key, (list = deepFreeze(make())));
  return list;
}

/**
 * Values every Task of a machine shares are frozen, members and all: nothing can change one state's copy under
 * the others, and the JSON printer lays each out once (emit/json-text.ts).
 */
function deepFreeze<T extends object>(value: T): T {
  for (const member of Object.values(value)) if (member !== null && typeof member === 'object') deepFreeze(member as object);
  return Object.freeze(value);
}

/**
 * A task with `retry: N` (N > 1): its Task inside a one-branch Parallel whose Retry is the user's, so that only an
 * attempt that failed as the user's code fails is retried:
 *   attempt     the Task (infrastructure retrier only); States.TaskFailed (a wildcard for every error but
 *               States.Timeout: AWS docs, "Error handling in Step Functions") goes to exit-code
 *   exit-code   Choice on the job's description, which Step Functions gives as the Cause (Batch DescribeJobs'
 *               job: Container.ExitCode; ECS DescribeTasks' task: Containers[].ExitCode): exit 1 — the step
 *               failed and `dagc asl-task` asks for another attempt, or it was the last — goes to again;
 *               anything else (exit 2, bad input; a host lost for good; an infrastructure error) to failed
 *   again       Fail with dagc.AttemptFailed, which the Parallel retries with the user's interval, backoff and
 *               jitter, N - 1 times (each retrier counts its own: the infrastructure's never spend these)
 *   failed      Fail that raises the error as it came (ErrorPath/CausePath), which the Parallel does not retry:
 *               its Catch takes it (an infrastructure error aborts the graph, a failure follows on_failure)
 * A timeout skips exit-code and leaves the Parallel as States.Timeout.
 */
function retriedTask(
  ctx: BuildContext,
  node: Node,
  settings: AslSettings,
  op: ContainerOp,
  scope: Scope,
  comment: string,
  attempts: number,
): Omit<ParallelState, 'Next' | 'End' | 'Catch'> {
  const role = (r: string) => ctx.stateName(`${node.internalName}.${r}`);
  const exitOne = (Variable: string): ChoiceRule[] => [
    { Variable, StringMatches: '*"ExitCode":1,*' },
    { Variable, StringMatches: '*"ExitCode":1}*' },
  ];
  const branch: Record<string, State> = {
    [role(ROLE.attempt)]: {
      ...batchOrEcsTask(ctx, settings, role(ROLE.attempt), op, scope, `${node.internalName}: one attempt`),
      Catch: [{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.dagcError', Next: role(ROLE.exitCode) }],
      End: true,
    },
    [role(ROLE.exitCode)]: {
      Type: 'Choice',
      Comment: `${node.internalName}: exit 1 (the step failed) is retried; exit 2 (bad input) and the infrastructure's errors are not`,
      Choices: [
        {
          And: [{ Variable: '$.dagcError.Error', StringEquals: 'States.TaskFailed' }, { Variable: '$.dagcError.Cause', IsPresent: true }, { Or: exitOne('$.dagcError.Cause') }],
          Next: role(ROLE.again),
        },
      ],
      Default: role(ROLE.failed),
    },
    [role(ROLE.again)]: { Type: 'Fail', Comment: `${node.internalName}: the user's retry takes it`, Error: RETRY_ERROR, CausePath: '$.dagcError.Cause' },
    [role(ROLE.failed)]: { Type: 'Fail', Comment: `${node.internalName}: not retried`, ErrorPath: '$.dagcError.Error', CausePath: '$.dagcError.Cause' },
  };
  return {
    Type: 'Parallel',
    Comment: comment,
    Branches: [{ StartAt: role(ROLE.attempt), States: branch }],
    ResultPath: null,
    Retry: [
      {
        ErrorEquals: [RETRY_ERROR],
        IntervalSeconds: settings.retry.intervalSeconds,
        MaxAttempts: attempts - 1,
        BackoffRate: settings.retry.backoffRate,
        ...(settings.retry.maxDelaySeconds !== undefined ? { MaxDelaySeconds: settings.retry.maxDelaySeconds } : {}),
        ...(settings.retry.jitter ? { JitterStrategy: settings.retry.jitter } : {}),
      },
    ],
  };
}

/** The error a retried task's attempt raises when the user's retry should take it. */
export const RETRY_ERROR = 'dagc.AttemptFailed';

/**
 * A container Task's catchers: infrastructure errors and timeouts go to the node's abort note (then the graph's
 * abort), anything else takes `next`.
 */
function containerCatch(ctx: BuildContext, node: Node, next: string): Catcher[] {
  return [{ ErrorEquals: [...ABORTING_ERRORS], ResultPath: '$.dagcError', Next: ctx.stateName(`${node.internalName}.${ROLE.abort}`) }, ...catchAll(next)];
}

/**
 * The node's abort note: a Pass that puts {step, index (in a map), error: {Error, Cause}} at $.dagcStep, so that
 * the cause the run log gets names the step the error hit (`dagc asl-task close` records it on that step, even one
 * that never started, as a throttled submit's). The step's dot path is in base64url (stepToken): a plain word
 * in the cause text, whatever characters the step's name has.
 */
function noteAbort(graph: Graph, node: Node, scope: Scope, ctx: BuildContext): State {
  return {
    Type: 'Pass',
    Comment: `${node.internalName}: names the step an infrastructure error or a timeout hit`,
    Parameters: { step: stepToken(node.internalName), ...(scope.depth > 0 ? { 'index.$': '$.idx' } : {}), 'error.$': '$.dagcError' },
    ResultPath: '$.dagcStep',
    Next: ctx.stateName(causePath(graph)),
  };
}

/** A dot path as one word of [A-Za-z0-9_-]: its UTF-8 in base64url (read back by `dagc asl-task close`). */
export function stepToken(path: string): string {
  return Buffer.from(path, 'utf8').toString('base64url');
}

/**
 * The cause a graph's abort raises: `dagc-step TOKEN INDEX {"Error": …, "Cause": …}` (INDEX "-" outside a map),
 * read by `dagc asl-task close` (stepOfCause).
 */
export const CAUSE_MARK = 'dagc-step';

function catchAll(next: string): Catcher[] {
  return [{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: next }];
}

function buildGraph(graph: Graph, mode: GraphMode, scope: Scope, ctx: BuildContext): { startAt: string; states: Record<string, State> } {
  // No prototype: states are keyed by step names, and a step named __proto__ must be a state, not a prototype.
  const states = Object.create(null) as Record<string, State>;
  const name = (path: string) => ctx.stateName(path);
  const entry = (nodeName: string): string => {
    const node = getNode(graph, nodeName)!;
    return isComposite(node) ? name(`${node.internalName}.${ROLE.fanOut}`) : name(node.internalName);
  };
  // Where each node goes on success and on failure, and the pure nodes its container records on the way.
  const routes = (node: ChainNode) => {
    const onFail = failureRoute(graph, node);
    return { ok: entry(node.next), fail: entry(onFail), okChain: chainFrom(graph, node.next), failChain: chainFrom(graph, onFail) };
  };

  const live = reachableStates(graph);
  if (hasContainers(graph)) {
    states[name(causePath(graph))] = {
      Type: 'Pass',
      Comment: 'the error as it came; its cause names the step it hit, then the error as JSON text (what dagc.close reads)',
      Parameters: {
        'Error.$': '$.dagcStep.error.Error',
        'Cause.$':
          scope.depth > 0
            ? `States.Format('${CAUSE_MARK} {} {} {}', $.dagcStep.step, $.dagcStep.index, States.JsonToString($.dagcStep.error))`
            : `States.Format('${CAUSE_MARK} {} - {}', $.dagcStep.step, States.JsonToString($.dagcStep.error))`,
      },
      ResultPath: '$.dagcError',
      Next: name(abortPath(graph)),
    };
    states[name(abortPath(graph))] = {
      Type: 'Fail',
      Comment: `${graph.internalName || 'the pipeline'}: an infrastructure error or a timeout ends ${mode.kind === 'root' ? 'the run (closed by dagc.close)' : 'this branch (its fan in records it FAIL)'}`,
      ErrorPath: '$.dagcError.Error',
      CausePath: '$.dagcError.Cause',
    };
  }
  for (const node of graph.nodes) {
    if (!live.has(node.name)) continue;
    const comment = `${node.internalName}: ${describe(node)}`;
    switch (node.type) {
      case 'success':
      case 'fail': {
        const state = name(node.internalName);
        if (mode.kind === 'root')
          states[state] =
            node.type === 'success'
              ? { Type: 'Succeed', Comment: comment }
              : { Type: 'Fail', Comment: comment, Error: 'dagc.PipelineFailed', Cause: `the pipeline reached its fail node "${node.name}": see the run log` };
        else if (mode.kind === 'branch')
          states[state] = { Type: 'Pass', Comment: `${comment} (the branch ends ${node.type === 'success' ? 'SUCCESS' : 'FAIL'} in the run log)`, End: true };
        else states[state] = { Type: 'Pass', Comment: `${comment} (back to the dag's fan in)`, Next: mode.exit };
        break;
      }
      case 'stub':
      case 'task': {
        if (isPure(node)) {
          // A pure stub only goes on (its fail route may not even be reachable, so it has no state).
          states[name(node.internalName)] = { Type: 'Pass', Comment: comment, Next: entry(node.next) };
          break;
        }
        const r = routes(node);
        const settings = ctx.config.forNode(node);
        const attempts = node.type === 'task' ? Math.max(1, node.retry) : 1;
        const state = name(node.internalName);
        const op: ContainerOp = { op: 'task', path: node.internalName, attempts, ok: r.okChain, fail: r.failChain };
        states[state] = isRetried(node)
          ? { ...retriedTask(ctx, node, settings, op, scope, comment, attempts), Catch: containerCatch(ctx, node, r.fail), Next: r.ok }
          : { ...batchOrEcsTask(ctx, settings, state, op, scope, comment), Catch: containerCatch(ctx, node, r.fail), Next: r.ok };
        states[name(`${node.internalName}.${ROLE.abort}`)] = noteAbort(graph, node, scope, ctx);
        break;
      }
      case 'parallel':
      case 'map':
      case 'dag': {
        const settings = ctx.config.forNode(node);
        const r = routes(node);
        const fanOut = name(`${node.internalName}.${ROLE.fanOut}`);
        const fanIn = name(`${node.internalName}.${ROLE.fanIn}`);
        const fanInState: TaskState = {
          ...batchOrEcsTask(
            ctx,
            settings,
            fanIn,
            { op: 'fan-in', path: node.internalName, ok: r.okChain, fail: r.failChain },
            scope,
            `${node.internalName}: fan in (runs whatever the branches' outcome)`,
          ),
          Catch: containerCatch(ctx, node, r.fail),
          Next: r.ok,
        };
        if (node.type === 'parallel') {
          const chain = node.branches.flatMap((b) => chainFrom(b, b.startAt));
          states[fanOut] = {
            ...batchOrEcsTask(ctx, settings, fanOut, { op: 'fan-out', path: node.internalName, chain }, scope, `${node.internalName}: fan out (exit 3: nothing to run)`),
            Catch: containerCatch(ctx, node, fanIn),
            Next: name(node.internalName),
          };
          states[name(node.internalName)] = {
            Type: 'Parallel',
            Comment: comment,
            Branches: node.branches.map((b) => {
              const g = buildGraph(b, { kind: 'branch' }, scope, ctx);
              return { StartAt: g.startAt, States: g.states };
            }),
            ResultPath: null,
            Catch: catchAll(fanIn),
            Next: fanIn,
          };
        } else if (node.type === 'dag') {
          const inline = buildGraph(node.branch, { kind: 'inline', exit: fanIn }, scope, ctx);
          states[fanOut] = {
            ...batchOrEcsTask(
              ctx,
              settings,
              fanOut,
              { op: 'fan-out', path: node.internalName, chain: chainFrom(node.branch, node.branch.startAt) },
              scope,
              `${node.internalName}: fan out (exit 3: nothing to run)`,
            ),
            Catch: containerCatch(ctx, node, fanIn),
            Next: inline.startAt,
          };
          Object.assign(states, inline.states);
        } else {
          Object.assign(states, buildMap(node, settings, scope, ctx, fanIn));
        }
        states[fanIn] = fanInState;
        states[name(`${node.internalName}.${ROLE.abort}`)] = noteAbort(graph, node, scope, ctx);
        break;
      }
    }
  }
  return { startAt: entry(graph.startAt), states };
}

/** fan out → (count → items →) Map, for one map node. */
function buildMap(node: Node & { type: 'map' }, settings: AslSettings, scope: Scope, ctx: BuildContext, fanIn: string): Record<string, State> {
  const name = (path: string) => ctx.stateName(path);
  const fanOut = name(`${node.internalName}.${ROLE.fanOut}`);
  const mapState = name(node.internalName);
  const distributed = isDistributed(ctx, node);
  // No prototype: states are keyed by step names, and a step named __proto__ must be a state, not a prototype.
  const states = Object.create(null) as Record<string, State>;
  const chain = chainFrom(node.branch, node.branch.startAt);
  const { bucket, prefix } = ctx.store;
  // The key is built from what the engine knows: the run id and the indices of the enclosing maps (s3.ts).
  const keyOf = (key: (runId: string, shape: string, indices: string) => string): { [key: string]: Json } => {
    // Sentinels stand for the run id and the indices, then become the '{}' slots of States.Format.
    const raw = prefix + key(RUN_SLOT, node.internalName, scope.depth > 0 ? INDEX_SLOT : '');
    const format = `'${raw.split(RUN_SLOT).join(INDEX_SLOT).split(INDEX_SLOT).map(escapeLiteral).join('{}')}'`;
    const args = [scope.runIdPath, ...(scope.depth > 0 ? ['$.idx'] : [])];
    return { Bucket: bucket, 'Key.$': `States.Format(${format}, ${args.join(', ')})` };
  };
  states[fanOut] = {
    ...batchOrEcsTask(
      ctx,
      settings,
      fanOut,
      { op: 'map', path: node.internalName, chain },
      scope,
      `${node.internalName}: fan out (records the item count in the run log store; exit 3: nothing to run)`,
    ),
    Catch: containerCatch(ctx, node, fanIn),
    Next: distributed ? mapState : name(`${node.internalName}.${ROLE.count}`),
  };
  const inner: Scope = { depth: scope.depth + 1, runIdPath: distributed ? '$.run' : scope.runIdPath, inputPath: '$.input' };
  // A Distributed Map's iterations are child executions with their own input: the run id travels in the item.
  // The execution input does too, in every map: $$.Execution.Input is the execution's in Step Functions, but
  // aws-local-stepfunctions 3 answers the iteration's input there (the item is read once, outside).
  const selector: { [key: string]: Json } = {
    'idx.$': scope.depth > 0 ? "States.Format('{},{}', $.idx, $$.Map.Item.Value)" : "States.Format('{}', $$.Map.Item.Value)",
    ...(inner.runIdPath === '$.run' ? { 'run.$': scope.runIdPath } : {}),
    'input.$': scope.inputPath,
  };
  const branch = buildGraph(node.branch, { kind: 'branch' }, inner, ctx);
  let map: MapState;
  if (distributed) {
    map = {
      Type: 'Map',
      Comment: `${node.internalName}: ${describe(node)}; Distributed Map over the indices the fan out wrote to S3`,
      ItemReader: { Resource: 'arn:aws:states:::s3:getObject', ReaderConfig: { InputType: 'JSON' }, Parameters: keyOf(mapIndicesKey) },
      ItemSelector: selector,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: branch.startAt, States: branch.states },
      MaxConcurrency: settings.maxConcurrency > 0 ? settings.maxConcurrency : DEFAULT_DISTRIBUTED_CONCURRENCY,
      ResultPath: null,
      Catch: catchAll(fanIn),
      Next: fanIn,
    };
  } else {
    states[name(`${node.internalName}.${ROLE.count}`)] = {
      Type: 'Task',
      Comment: `${node.internalName}: reads the item count the fan out wrote`,
      Resource: 'arn:aws:states:::aws-sdk:s3:getObject',
      Parameters: keyOf(mapCountKey),
      ResultSelector: { 'map.$': 'States.StringToJson($.Body)' },
      ResultPath: '$.dagc',
      TimeoutSeconds: 60,
      Catch: catchAll(fanIn),
      Next: name(`${node.internalName}.${ROLE.width}`),
    };
    // States.ArrayRange fails over 1,000 items with States.Runtime, which no Catch sees: a map that declared no
    // width and has more items fails here instead, as an error the run closes with (the node's abort note).
    states[name(`${node.internalName}.${ROLE.width}`)] = {
      Type: 'Choice',
      Comment: `${node.internalName}: an inline Map takes at most ${INLINE_MAP_LIMIT.toLocaleString('en-US')} items`,
      Choices: [{ Variable: '$.dagc.map.count', NumericGreaterThan: INLINE_MAP_LIMIT, Next: name(`${node.internalName}.${ROLE.tooWide}`) }],
      Default: name(`${node.internalName}.${ROLE.items}`),
    };
    states[name(`${node.internalName}.${ROLE.tooWide}`)] = {
      Type: 'Pass',
      Comment: `${node.internalName}: too many items for an inline Map`,
      Parameters: {
        Error: 'dagc.MapTooWide',
        'Cause.$': `States.Format('the map has {} items, over the ${INLINE_MAP_LIMIT} an inline Map takes: declare map_width in its asl settings (a Distributed Map)', $.dagc.map.count)`,
      },
      ResultPath: '$.dagcError',
      Next: name(`${node.internalName}.${ROLE.abort}`),
    };
    states[name(`${node.internalName}.${ROLE.items}`)] = {
      Type: 'Pass',
      Comment: `${node.internalName}: the item indices 0…count-1`,
      Parameters: { 'items.$': 'States.ArrayRange(0, States.MathAdd($.dagc.map.count, -1), 1)' },
      ResultPath: '$.dagc',
      Next: mapState,
    };
    map = {
      Type: 'Map',
      Comment: `${node.internalName}: ${describe(node)}`,
      ItemsPath: '$.dagc.items',
      ItemSelector: selector,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: branch.startAt, States: branch.states },
      ...(settings.maxConcurrency > 0 ? { MaxConcurrency: settings.maxConcurrency } : {}),
      // The iterations' outputs are not needed; a small status replaces the index list in the payload.
      ResultSelector: { done: true },
      ResultPath: '$.dagc',
      Catch: catchAll(fanIn),
      Next: fanIn,
    };
  }
  states[mapState] = map;
  return states;
}
