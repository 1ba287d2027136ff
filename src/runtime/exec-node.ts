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
import { maskSecrets, maskValues } from '../services/secrets/types.js';
import { resolveNodeConfig } from '../config/resolve-node.js';
import { isoNow, preciseNow, secondsBetween } from './clock.js';
import type { RunContext } from './context.js';
import { runTask } from './tasks/index.js';
import { indexSteps } from './context.js';
import type { RuntimeEvent } from './events.js';
import type { Workspace } from './workspace.js';
import { openWorkspace, sharedWorkspace, storeFolders } from './workspace.js';
import { readdir } from '../core/fs-async.js';
import { sha256 } from '../core/sha256.js';
import path from 'node:path';
import type { MagnusEra } from '../config/magnus-era.js';
import { catalogsOutput, eraOf, getElsewhereHint, keepGotEntry, outputNameForEra, putElsewhereHint, stubSyncsCatalog } from './era.js';

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

/** A step the mocked executor or `--step` records without running it (runtime/mocking.ts). */
async function recordMocked(ctx: RunContext, inv: NodeInvocation, names: StepNames): Promise<Status> {
  const mocking = ctx.mocking!;
  const node = inv.loc.node;
  const step = newStepLog(node.name, names.internal, stepTypeOf(node));
  step.status = 'SUCCESS';
  step.mock = true;
  step.message = mocking.message;
  step.code_identities = await ctx.codeIdentities();
  if (mocking.withAttempt) {
    const at = isoNow();
    step.attempts = [{ attempt_number: 1, start_time: at, end_time: at, duration: 0, status: 'SUCCESS', message: '', parameters: await snapshotParameters(ctx) }];
  }
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
  if (!isTerminal(node) && ctx.mocking?.mocks(names.internal, node.type)) return recordMocked(ctx, inv, names);

  // An engine's retry appends to the step log its first attempt created.
  const existing = inv.attempt && inv.attempt > 1 ? await ctx.store.getStep(ctx.runId, names.internal) : undefined;
  // An engine that lost the pod of a successful attempt (its node gone before the engine saw the pod end) retries
  // it (Argo: "pod deleted", an Error, retried under retryPolicy Always): the step already succeeded, so nothing
  // runs again and nothing new is recorded.
  if (existing?.step.status === 'SUCCESS') return 'SUCCESS';
  // An engine that lost the pod while the step ran retries it past the step's own attempts (Argo: retryPolicy
  // OnError on a step without retries, emit/argo/containers.ts): the lost attempt is not run again, the step
  // closes FAIL and the engine takes its failure route.
  const allowed = node.type === 'task' ? Math.max(1, node.retry) : undefined;
  if (existing && allowed !== undefined && (inv.attempt ?? 1) > allowed) {
    const message = `its pod was lost while attempt ${(inv.attempt ?? 1) - 1} ran (the engine retried the pod; the step has ${allowed} attempt${allowed > 1 ? 's' : ''})`;
    await putStep(ctx, names, existing.order, { ...existing.step, status: 'FAIL', message: existing.step.message || message });
    ctx.events({ kind: 'step-end', step: names.internal, stepType: existing.step.step_type, status: 'FAIL', mock: false, seconds: 0, message });
    return 'FAIL';
  }
  const order = existing?.order ?? preciseNow();
  const step: StepBody = existing
    ? { ...existing.step, status: 'PROCESSING' }
    : { ...newStepLog(node.name, names.internal, stepTypeOf(node)), code_identities: await ctx.codeIdentities() };
  await putStep(ctx, names, order, step);
  const started = preciseNow();
  ctx.events({ kind: 'step-start', step: names.internal, stepType: step.step_type, attempt: inv.attempt });

  if (node.type === 'success' || node.type === 'fail') await runTerminal(ctx, node, names, step);
  else if (node.type === 'stub') await runStub(ctx, node, inv, names, step);
  const after = node.type === 'task' ? await runTaskNode(ctx, node, inv, names, step) : [];

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
  for (const event of after) ctx.events(event);
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

/** Entries not recorded yet: a retry fetches its gets again into its fresh workspace, recorded once. */
function newEntries(step: StepBody, entries: readonly DataCatalogEntry[]): DataCatalogEntry[] {
  const seen = new Set(step.data_catalog.map((e) => `${e.stage}\u0000${e.name}\u0000${e.data_hash}`));
  return entries.filter((e) => !seen.has(`${e.stage}\u0000${e.name}\u0000${e.data_hash}`));
}

/** Catalog get for every pattern; a failure fails the step (not the process) with a clear message. */
async function catalogGet(ctx: RunContext, node: TaskNode | StubNode, step: StepBody, workspace?: string): Promise<boolean> {
  for (const pattern of node.catalog?.get ?? []) {
    try {
      const entries = await ctx.catalog.get({ runId: ctx.runId, computeDataFolder: computeFolder(ctx, node), pattern, workspace });
      step.data_catalog = [...step.data_catalog, ...newEntries(step, entries.filter((e) => keepGotEntry(ctx, e)))];
    } catch (error) {
      step.status = 'FAIL';
      const elsewhere = await getElsewhereHint(ctx, computeFolder(ctx, node), pattern);
      step.message = maskSecrets(`catalog get failed: ${(error as Error).message}${elsewhere ? `; ${elsewhere}` : ''}`, ctx.secretValues);
      return false;
    }
  }
  return true;
}

async function catalogPut(ctx: RunContext, node: TaskNode | StubNode, step: StepBody, workspace?: string): Promise<boolean> {
  for (const pattern of node.catalog?.put ?? []) {
    try {
      const entries = await ctx.catalog.put({ runId: ctx.runId, computeDataFolder: computeFolder(ctx, node), pattern, workspace });
      step.data_catalog = [...step.data_catalog, ...entries];
      const elsewhere = entries.length ? undefined : await putElsewhereHint(ctx, workspace ?? ctx.cwd, computeFolder(ctx, node), pattern);
      if (elsewhere) ctx.events({ kind: 'warning', message: `${step.internal_name}: ${elsewhere}` });
    } catch (error) {
      step.status = 'FAIL';
      step.message = maskSecrets(`catalog put failed: ${(error as Error).message}`, ctx.secretValues);
      return false;
    }
  }
  return true;
}

/**
 * A fresh workspace for one attempt (src/runtime/workspace.ts), or undefined when the config keeps magnus's
 * shared folder (`executor.config.shared_workspace: true`): then steps run in the working directory itself.
 */
async function workspaceFor(ctx: RunContext, node: TaskNode | StubNode): Promise<Workspace | undefined> {
  if (sharedWorkspace(ctx.config)) return undefined;
  return openWorkspace({
    project: ctx.cwd,
    leaveOut: storeFolders(ctx.config),
    dataFolders: [...new Set([ctx.catalog.computeDataFolder, computeFolder(ctx, node)])],
    withProject: node.type === 'task',
    run: ctx.runId,
  });
}

/**
 * Stubs record one successful attempt. They do sync a catalog they declare (magnus 2022; 2023 stopped:
 * spec §10.9, decided here so that a skeleton pipeline moves data the way the real one will).
 */
async function runStub(ctx: RunContext, node: StubNode, inv: NodeInvocation, names: StepNames, step: StepBody) {
  // magnus 2023 and 0.5 stopped syncing a stub's catalog (spec §1.3); under those eras (runtime/era.ts) neither do we.
  const syncs = stubSyncsCatalog(ctx);
  // A stub runs no code: its workspace holds only the data folder, so put records what get brought. A stub
  // that moves no data needs none (a 100,000-item map of stubs made and removed 100,000 empty folders).
  const moves = syncs && ((node.catalog?.get?.length ?? 0) > 0 || (node.catalog?.put?.length ?? 0) > 0);
  const workspace = moves ? await workspaceFor(ctx, node) : undefined;
  try {
    if (syncs && !(await catalogGet(ctx, node, step, workspace?.dir))) return;
    const startMs = preciseNow();
    const startIso = isoNow();
    const parameters = await snapshotParameters(ctx);
    step.attempts = [...step.attempts, attemptRecord(inv.attempt ?? 1, startMs, startIso, 'SUCCESS', '', parameters)];
    step.status = 'SUCCESS';
    if (syncs) await catalogPut(ctx, node, step, workspace?.dir);
  } finally {
    await workspace?.dispose();
  }
  void names;
}

/**
 * The catalogued name of a step's captured output: magnus 2023's `<name, spaces→_>[_<map value>…]`, prefixed
 * by the enclosing parallel branches and dag nodes so that two branches with a step of the same name do not
 * overwrite each other's output (magnus did). Retries after the first get `_attempt<N>`.
 */
export function outputLogName(inv: NodeInvocation, attempt: number, era?: MagnusEra): string {
  const { node, ancestors } = inv.loc;
  const parts = node.internalName.split('.');
  const prefix = ancestors.flatMap((a, k) => (a.type === 'parallel' ? [parts[2 * k + 1]!] : a.type === 'dag' ? [a.name] : []));
  const base = [...prefix, node.name].join('_').replace(/ /g, '_').replace(/[/\\]/g, '_');
  // magnus 0.5 adds `.execution.log` before the map values (runtime/era.ts); 2023 and dagc have none.
  const name = outputNameForEra(era, base, inv.mapValues);
  return boundedFileName(attempt > 1 ? `${name}_attempt${attempt}` : name);
}

// A file name may have 255 bytes on most file systems; the atomic writer adds a temporary suffix. A step name
// or map item can be longer (a 240-character S3 URI as a map item): such a name keeps a readable prefix and
// ends in a hash of the whole name, so two long names never share a file (issue 19: ENAMETOOLONG).
const MAX_NAME_BYTES = 200;

export function boundedFileName(name: string): string {
  if (Buffer.byteLength(name, 'utf8') <= MAX_NAME_BYTES) return name;
  let prefix = '';
  for (const ch of name) {
    if (Buffer.byteLength(prefix + ch, 'utf8') > MAX_NAME_BYTES - 40) break;
    prefix += ch;
  }
  return `${prefix}~${sha256(name).slice(0, 32)}`;
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

/** Runs the attempts; resolves to warnings to show after the step's end (a failed step's missing gets). */
async function runTaskNode(ctx: RunContext, node: TaskNode, inv: NodeInvocation, names: StepNames, step: StepBody): Promise<RuntimeEvent[]> {
  let env: Record<string, string>;
  try {
    env = { ...ctx.stepEnv, DAGC_COMPUTE_DATA_FOLDER: computeFolder(ctx, node), ...(await secretEnv(ctx, node)) };
  } catch (error) {
    step.status = 'FAIL';
    step.message = maskSecrets(`secrets: ${(error as Error).message}`, ctx.secretValues);
    return [];
  }
  const shared = sharedWorkspace(ctx.config);
  // The shared folder gets once for all attempts (magnus); a workspace per attempt gets again (below).
  if (shared && !(await catalogGet(ctx, node, step))) return [];

  const numbers = inv.attempt ? [inv.attempt] : Array.from({ length: Math.max(1, node.retry) }, (_, i) => i + 1);
  let lastOutput = '';
  for (const number of numbers) {
    // Each attempt starts from the image's files and what the catalog holds, as a new pod would.
    let workspace: Workspace | undefined;
    try {
      workspace = await workspaceFor(ctx, node);
    } catch (error) {
      step.status = 'FAIL';
      step.message = maskSecrets(`cannot prepare the step's workspace: ${(error as Error).message}`, ctx.secretValues);
      return [];
    }
    try {
      if (workspace && !(await catalogGet(ctx, node, step, workspace.dir))) return [];
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
          cwd: workspace?.dir ?? ctx.cwd,
          secretValues: [...ctx.secretValues],
          onLine: (line, stream) => ctx.events({ kind: 'output', step: names.internal, line, stream }),
          signal: ctx.signal,
        }),
      );
      lastOutput = result.output;
      // What the step hands back may carry a secret it read (`x=$TOKEN >> $DAGC_OUTPUT`, a Python return dict,
      // DAGC_TRACK_x): masked before anything stores it, and the step log says so (issue 19).
      const maskedNote = maskHandedBack(result, ctx.secretValues);
      const changed = workspace ? await workspace.changedProjectFiles() : [];
      if (changed.length && result.ok) {
        result.ok = false;
        result.message = `the step wrote into the project's ${changed.length === 1 ? 'file' : 'files'} ${changed.slice(0, 3).join(', ')}${changed.length > 3 ? ', …' : ''}: a step sees the project as its image holds it and cannot change it (write to ${computeFolder(ctx, node)}/ and put it in the catalog)`;
      }
      const status: Status = result.ok ? 'SUCCESS' : 'FAIL';
      step.attempts = [...step.attempts, attemptRecord(number, startMs, startIso, status, result.message, parameters)];
      // What the step's own get_from_catalog/put_in_catalog/… calls moved (python/_dagc_compat.py).
      if (result.catalog?.length) step.data_catalog = [...step.data_catalog, ...result.catalog];
      if (ctx.catalog.name !== 'do-nothing' && catalogsOutput(ctx, node.commandType)) {
        const entry: DataCatalogEntry | undefined = await ctx.catalog.putContent(
          ctx.runId,
          outputLogName(inv, number, eraOf(ctx)),
          result.output,
        );
        if (entry) step.data_catalog = [...step.data_catalog, entry];
      }
      if (result.ok) {
        // Parameters and metrics of a failed attempt are dropped (spec §4.1 step 5, §3.4).
        if (Object.keys(result.parameters).length) await ctx.store.setParameters(ctx.runId, result.parameters);
        step.user_defined_metrics = { ...step.user_defined_metrics, ...result.metrics };
        await ctx.tracker.logStep({ runId: ctx.runId, step: step.internal_name, attempt: number, parameters, metrics: result.metrics, startMs: Math.round(startMs), endMs: Math.round(preciseNow()) });
        step.message = maskedNote;
        step.status = 'SUCCESS';
        // `put` records what this attempt left in its own workspace.
        await catalogPut(ctx, node, step, workspace?.dir);
        return [];
      }
      step.message = result.message;
      if (ctx.signal?.aborted) break;
    } finally {
      // Not awaited: the step's result need not wait for the unlinks (see Workspace.dispose).
      void workspace?.dispose();
    }
  }
  step.status = 'FAIL';
  return shared ? [] : hintMissingGets(ctx, node, step, lastOutput);
}

/** Masks the parameters and metrics of a task result in place; returns a note naming what was masked, or ''. */
function maskHandedBack(result: { parameters: Record<string, unknown>; metrics: Record<string, unknown> }, secrets: ReadonlySet<string>): string {
  if (secrets.size === 0) return '';
  const parameters = maskValues(result.parameters, secrets);
  const metrics = maskValues(result.metrics, secrets);
  result.parameters = parameters.values;
  result.metrics = metrics.values;
  const parts: string[] = [];
  if (parameters.masked.length) parts.push(`${parameters.masked.length === 1 ? 'parameter' : 'parameters'} ${parameters.masked.join(', ')}`);
  if (metrics.masked.length) parts.push(`${metrics.masked.length === 1 ? 'metric' : 'metrics'} ${metrics.masked.join(', ')}`);
  return parts.length ? `masked a value derived from a secret in ${parts.join(' and ')}` : '';
}

/**
 * After an isolated step failed: data files it could have read in a shared folder but did not get from the
 * catalog (put by an earlier step of this run, or lying in the project's data folder), said once as a warning
 * with the fix. Files the step's output or message names come first; a few others otherwise.
 */
async function hintMissingGets(ctx: RunContext, node: TaskNode, step: StepBody, output: string): Promise<RuntimeEvent[]> {
  const warnings: RuntimeEvent[] = [];
  try {
    const missing = await notGot(ctx, node, step);
    if (missing.length === 0) return warnings;
    const text = `${output}\n${step.message}`;
    const named = missing.filter((m) => text.includes(m.name) || text.includes(m.relative));
    for (const m of (named.length ? named : missing).slice(0, 3)) {
      const what = m.putBy
        ? `${m.name} was put in the catalog by step "${m.putBy}" but step "${node.name}" did not get it`
        : `${m.name} exists in the project but step "${node.name}" did not get it from the catalog`;
      warnings.push({
        kind: 'warning',
        message: `${what}: add \`catalog: {get: [${m.relative}]}\`, or set shared_workspace`,
        hint: 'each step runs in a fresh workspace, as in a pod: only what its catalog `get` lists reaches its data folder (executor.config.shared_workspace: true runs every step in this folder, as magnus did)',
      });
    }
  } catch {
    /* a hint must never turn a step failure into a crash */
  }
  return warnings;
}

interface NotGot {
  /** The entry name, e.g. 'data/prepared.csv'. */
  readonly name: string;
  /** Relative to the compute data folder, as a get pattern would say it. */
  readonly relative: string;
  readonly putBy?: string;
}

async function notGot(ctx: RunContext, node: TaskNode, step: StepBody): Promise<NotGot[]> {
  const folder = computeFolder(ctx, node).replace(/\/+$/, '');
  const prefix = `${folder}/`;
  // A get's entry is named relative to the compute data folder (magnus), a put's relative to the workspace.
  const got = new Set(step.data_catalog.filter((e) => e.stage === 'get').map((e) => `${prefix}${e.name}`));
  const out = new Map<string, NotGot>();
  const log = await ctx.store.getRunLog(ctx.runId);
  for (const other of indexSteps(log).values())
    for (const e of other.data_catalog)
      if (e.stage === 'put' && e.name.startsWith(prefix) && !got.has(e.name) && !out.has(e.name))
        out.set(e.name, { name: e.name, relative: e.name.slice(prefix.length), putBy: other.name });
  for (const rel of await listFiles(path.resolve(ctx.cwd, folder))) {
    const name = `${prefix}${rel}`;
    if (!got.has(name) && !out.has(name)) out.set(name, { name, relative: rel });
  }
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Files below a folder, relative and '/'-separated; none when it does not exist. At most 1,000. */
async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (rel: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= 1000) return;
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await visit(r);
      else out.push(r);
    }
  };
  await visit('');
  return out;
}
