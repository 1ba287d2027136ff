// Executes one leaf node (task, stub, success, fail) and records it: the heart of the runtime, shared by the
// local executor (in-process) and `dagc exec` (one process per node, called by rendered targets).
// Order of work per magnus-spec.md §6.1 (2023 head where they differ, §10.8): step log PROCESSING → secrets →
// catalog get → attempts (parameters and metrics kept only from a successful one) → captured output put in the
// catalog → catalog put (only on success) → step log SUCCESS/FAIL. success/fail nodes close their branch (§1.5).
import type { FailNode, LeafNode, StubNode, SuccessNode, TaskNode } from '../ir/types.js';
import { isTerminal } from '../ir/types.js';
import type { NodeLocation } from '../ir/walk.js';
import { resolveInternalName } from '../ir/walk.js';
import type { DataCatalogEntry, Status, StepAttempt, StepLog } from '../services/run-log/types.js';
import { maskSecrets } from '../services/secrets/types.js';
import { resolveNodeConfig } from '../config/resolve-node.js';
import { isoNow, preciseNow, secondsBetween } from './clock.js';
import type { RunContext } from './context.js';
import { runTask } from './tasks/index.js';

export interface NodeInvocation {
  readonly loc: NodeLocation;
  /** Values of the enclosing maps, outermost first (they replace the placeholders in names). */
  readonly mapValues: readonly unknown[];
  /** {iterate_as: value} of the enclosing maps, outermost first. */
  readonly mapVariable: Readonly<Record<string, unknown>>;
  /**
   * Set when an engine retries the node itself (Argo retryStrategy, ASL Retry, bash loop): exactly one attempt
   * with this number is run and appended. Absent: the node's own `retry` attempts run here, one after another.
   */
  readonly attempt?: number;
}

export interface StepNames {
  /** Resolved internal name of the step. */
  readonly internal: string;
  /** Resolved internal name of the enclosing branch ('' for the root graph). */
  readonly parent: string;
}

export function stepNames(inv: NodeInvocation): StepNames {
  const { node, graph } = inv.loc;
  return {
    internal: resolveInternalName(node.internalName, inv.mapValues),
    parent: graph.internalName ? resolveInternalName(graph.internalName, inv.mapValues) : '',
  };
}

export function newStepLog(name: string, internal: string, stepType: string): StepLog {
  return {
    name,
    internal_name: internal,
    status: 'PROCESSING',
    step_type: stepType,
    message: '',
    mock: false,
    code_identities: [],
    attempts: [],
    user_defined_metrics: {},
    branches: {},
    data_catalog: [],
  };
}

export function stepTypeOf(node: LeafNode | { type: string }): string {
  return node.type === 'stub' ? (node as StubNode).spelledAs : node.type;
}

type StepBody = Omit<StepLog, 'branches'>;

async function putStep(ctx: RunContext, names: StepNames, order: number, step: StepLog | StepBody): Promise<void> {
  const { branches: _ignored, ...body } = step as StepLog;
  await ctx.store.putStep(ctx.runId, { parent: names.parent, order, step: body });
}

/** Records a step that a re-run takes from the previous run (magnus-spec.md §3.11). */
async function recordMock(ctx: RunContext, inv: NodeInvocation, names: StepNames): Promise<Status> {
  const node = inv.loc.node;
  const step = newStepLog(node.name, names.internal, stepTypeOf(node));
  step.status = 'SUCCESS';
  step.mock = true;
  step.message = 'Node execution successful in previous run, skipping it';
  step.code_identities = await ctx.codeIdentities();
  await putStep(ctx, names, preciseNow(), step);
  ctx.events({ kind: 'step-end', step: names.internal, stepType: step.step_type, status: 'SUCCESS', mock: true, seconds: 0, message: step.message });
  return 'SUCCESS';
}

/**
 * Whether a re-run takes this node from the previous run. Skipping ends at the first node that is not a
 * previous success; success/fail nodes always execute (spec §3.11).
 */
export function takeFromPrevious(ctx: RunContext, internal: string): boolean {
  const prev = ctx.previous;
  if (!prev?.skipping) return false;
  if (prev.steps.get(internal)?.status === 'SUCCESS') return true;
  prev.skipping = false;
  return false;
}

export async function executeLeaf(ctx: RunContext, inv: NodeInvocation): Promise<Status> {
  const node = inv.loc.node as LeafNode;
  const names = stepNames(inv);
  if (!isTerminal(node) && takeFromPrevious(ctx, names.internal)) return recordMock(ctx, inv, names);

  // An engine's retry appends to the step log its first attempt created.
  const existing = inv.attempt && inv.attempt > 1 ? await ctx.store.getStep(ctx.runId, names.internal) : undefined;
  const order = existing?.order ?? preciseNow();
  const step: StepBody = existing
    ? { ...existing.step, status: 'PROCESSING' }
    : { ...newStepLog(node.name, names.internal, stepTypeOf(node)), code_identities: await ctx.codeIdentities() };
  await putStep(ctx, names, order, step);
  const started = preciseNow();
  ctx.events({ kind: 'step-start', step: names.internal, stepType: step.step_type, attempt: inv.attempt });

  if (node.type === 'success' || node.type === 'fail') await runTerminal(ctx, node, names, step);
  else if (node.type === 'stub') await runStub(ctx, node, inv, names, step);
  else await runTaskNode(ctx, node, inv, names, step);

  await putStep(ctx, names, order, step);
  ctx.events({
    kind: 'step-end',
    step: names.internal,
    stepType: step.step_type,
    status: step.status,
    mock: false,
    seconds: secondsBetween(started, preciseNow()),
    message: step.message,
  });
  return step.status;
}

async function snapshotParameters(ctx: RunContext): Promise<Record<string, unknown>> {
  return ctx.store.getParameters(ctx.runId);
}

function attemptRecord(
  number: number,
  startMs: number,
  startIso: string,
  status: Status,
  message: string,
  parameters: Record<string, unknown>,
): StepAttempt {
  return {
    attempt_number: number,
    start_time: startIso,
    end_time: isoNow(),
    duration: secondsBetween(startMs, preciseNow()),
    status,
    message,
    parameters,
  };
}

/** success/fail: one successful attempt, then the enclosing branch (or the run) takes the node's status. */
async function runTerminal(ctx: RunContext, node: SuccessNode | FailNode, names: StepNames, step: StepBody) {
  const startMs = preciseNow();
  const startIso = isoNow();
  const parameters = await snapshotParameters(ctx);
  step.attempts = [...step.attempts, attemptRecord(1, startMs, startIso, 'SUCCESS', '', parameters)];
  step.status = 'SUCCESS';
  const status: Status = node.type === 'success' ? 'SUCCESS' : 'FAIL';
  if (names.parent === '') {
    await ctx.store.updateRun(ctx.runId, { status, ended_at: isoNow() });
  } else {
    const branch = await ctx.store.getBranch(ctx.runId, names.parent);
    await ctx.store.putBranch(ctx.runId, {
      parent: branch?.parent ?? names.parent.slice(0, names.parent.lastIndexOf('.')),
      order: branch?.order ?? preciseNow(),
      branch: { internal_name: names.parent, status },
    });
  }
}

function computeFolder(ctx: RunContext, node: TaskNode | StubNode): string {
  return node.catalog?.computeDataFolder || ctx.catalog.computeDataFolder;
}

/** Catalog get for every pattern; a failure fails the step (not the process) with a clear message. */
async function catalogGet(ctx: RunContext, node: TaskNode | StubNode, step: StepBody): Promise<boolean> {
  for (const pattern of node.catalog?.get ?? []) {
    try {
      const entries = await ctx.catalog.get({ runId: ctx.runId, computeDataFolder: computeFolder(ctx, node), pattern });
      step.data_catalog = [...step.data_catalog, ...entries];
    } catch (error) {
      step.status = 'FAIL';
      step.message = maskSecrets(`catalog get failed: ${(error as Error).message}`, ctx.secretValues);
      return false;
    }
  }
  return true;
}

async function catalogPut(ctx: RunContext, node: TaskNode | StubNode, step: StepBody): Promise<boolean> {
  for (const pattern of node.catalog?.put ?? []) {
    try {
      const entries = await ctx.catalog.put({ runId: ctx.runId, computeDataFolder: computeFolder(ctx, node), pattern });
      step.data_catalog = [...step.data_catalog, ...entries];
    } catch (error) {
      step.status = 'FAIL';
      step.message = maskSecrets(`catalog put failed: ${(error as Error).message}`, ctx.secretValues);
      return false;
    }
  }
  return true;
}

/**
 * Stubs record one successful attempt. They do sync a catalog they declare (magnus 2022; 2023 stopped:
 * spec §10.9, decided here so that a skeleton pipeline moves data the way the real one will).
 */
async function runStub(ctx: RunContext, node: StubNode, inv: NodeInvocation, names: StepNames, step: StepBody) {
  if (!(await catalogGet(ctx, node, step))) return;
  const startMs = preciseNow();
  const startIso = isoNow();
  const parameters = await snapshotParameters(ctx);
  step.attempts = [...step.attempts, attemptRecord(inv.attempt ?? 1, startMs, startIso, 'SUCCESS', '', parameters)];
  step.status = 'SUCCESS';
  await catalogPut(ctx, node, step);
  void names;
}

/**
 * The catalogued name of a step's captured output: magnus 2023's `<name, spaces→_>[_<map value>…]`, prefixed
 * by the enclosing parallel branches and dag nodes so that two branches with a step of the same name do not
 * overwrite each other's output (magnus did). Retries after the first get `_attempt<N>`.
 */
export function outputLogName(inv: NodeInvocation, attempt: number): string {
  const { node, ancestors } = inv.loc;
  const parts = node.internalName.split('.');
  const prefix = ancestors.flatMap((a, k) => (a.type === 'parallel' ? [parts[2 * k + 1]!] : a.type === 'dag' ? [a.name] : []));
  const base = [...prefix, node.name, ...inv.mapValues.map(String)]
    .join('_')
    .replace(/ /g, '_')
    .replace(/[/\\]/g, '_');
  return attempt > 1 ? `${base}_attempt${attempt}` : base;
}

async function secretEnv(ctx: RunContext, node: TaskNode): Promise<Record<string, string>> {
  const nodeConfig = resolveNodeConfig(node, ctx.config.executor);
  const mapping = (nodeConfig.secret_as_env ?? {}) as Record<string, string>;
  const env: Record<string, string> = {};
  for (const [envName, secretName] of Object.entries(mapping)) {
    const value = await ctx.secrets.get(secretName);
    ctx.secretValues.add(value);
    env[envName] = value;
  }
  return env;
}

async function runTaskNode(ctx: RunContext, node: TaskNode, inv: NodeInvocation, names: StepNames, step: StepBody) {
  let env: Record<string, string>;
  try {
    env = { ...ctx.stepEnv, ...(await secretEnv(ctx, node)) };
  } catch (error) {
    step.status = 'FAIL';
    step.message = maskSecrets(`secrets: ${(error as Error).message}`, ctx.secretValues);
    return;
  }
  if (!(await catalogGet(ctx, node, step))) return;

  const numbers = inv.attempt ? [inv.attempt] : Array.from({ length: Math.max(1, node.retry) }, (_, i) => i + 1);
  let succeeded = false;
  for (const number of numbers) {
    const startMs = preciseNow();
    const startIso = isoNow();
    const parameters = await snapshotParameters(ctx);
    const result = await ctx.limit(() =>
      runTask({
        command: node.command,
        commandType: node.commandType,
        commandConfig: node.commandConfig,
        stepName: names.internal,
        runId: ctx.runId,
        attempt: number,
        parameters,
        mapVariable: inv.mapVariable,
        env,
        cwd: ctx.cwd,
        secretValues: [...ctx.secretValues],
        onLine: (line, stream) => ctx.events({ kind: 'output', step: names.internal, line, stream }),
        signal: ctx.signal,
      }),
    );
    const status: Status = result.ok ? 'SUCCESS' : 'FAIL';
    step.attempts = [...step.attempts, attemptRecord(number, startMs, startIso, status, result.message, parameters)];
    if (ctx.catalog.name !== 'do-nothing') {
      const entry: DataCatalogEntry | undefined = await ctx.catalog.putContent(
        ctx.runId,
        outputLogName(inv, number),
        result.output,
      );
      if (entry) step.data_catalog = [...step.data_catalog, entry];
    }
    if (result.ok) {
      // Parameters and metrics of a failed attempt are dropped (spec §4.1 step 5, §3.4).
      if (Object.keys(result.parameters).length) await ctx.store.setParameters(ctx.runId, result.parameters);
      step.user_defined_metrics = { ...step.user_defined_metrics, ...result.metrics };
      for (const [k, v] of Object.entries(result.metrics)) await ctx.tracker.logMetric(k, v);
      succeeded = true;
      break;
    }
    step.message = result.message;
    if (ctx.signal?.aborted) break;
  }
  if (!succeeded) {
    step.status = 'FAIL';
    return;
  }
  step.message = '';
  step.status = 'SUCCESS';
  await catalogPut(ctx, node, step);
}
