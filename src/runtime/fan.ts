// Opening and closing composite nodes (parallel, map, dag): the fan protocol of DESIGN.md §4 and
// magnus-spec.md §6.4. Fan-out records the composite's step log and its branch logs (PROCESSING); for a map it
// snapshots the items and publishes only their count, so no engine ever carries the list. Fan-in derives the
// composite's status from its branch logs: SUCCESS only when every branch is SUCCESS (2023 head, §1.7).
import type { CompositeNode, MapNode } from '../ir/types.js';
import { DAG_BRANCH_NAME } from '../ir/types.js';
import { branchName } from '../ir/walk.js';
import type { BranchLog, Status, StepLog } from '../services/run-log/types.js';
import { preciseNow } from './clock.js';
import { mapLimit } from '../core/limit.js';
import type { RunContext } from './context.js';
import type { NodeInvocation } from './exec-node.js';
import { newStepLog, stepNames, takeFromPrevious } from './exec-node.js';

/** Branch records read at once by fan-in. */
const BRANCH_READS = 32;

export interface FanOutResult {
  /** FAIL when the composite could not even open (e.g. a map over a missing parameter). */
  status: Status;
  /** Resolved internal names of the branches, in order. */
  branches: string[];
  /** For a map: the items, in order (local traversal uses them; engines get only the count). */
  items: unknown[];
  /** True when a re-run took the whole composite from the previous run. */
  mock: boolean;
}

/** Problems with a map's items, as the message of the failed map step. */
export function checkMapItems(node: MapNode, value: unknown, present: boolean): string | undefined {
  if (!present)
    return `map "${node.name}" iterates on parameter "${node.iterateOn}", which is not set: was it ever set by an earlier step or the parameters file?`;
  if (!Array.isArray(value))
    return `map "${node.name}" iterates on parameter "${node.iterateOn}", which must be a list (it is ${value === null ? 'null' : typeof value})`;
  const seen = new Map<string, number>();
  for (const [i, item] of value.entries()) {
    const key = String(item);
    const first = seen.get(key);
    if (first !== undefined)
      return `map "${node.name}": items ${first} and ${i} of "${node.iterateOn}" both name the branch "${key}"; map items must be distinct`;
    seen.set(key, i);
  }
  return undefined;
}

export async function fanOut(ctx: RunContext, inv: NodeInvocation): Promise<FanOutResult> {
  const node = inv.loc.node as CompositeNode;
  const names = stepNames(inv);
  const step = newStepLog(node.name, names.internal, node.type);
  step.code_identities = await ctx.codeIdentities();
  const order = preciseNow();

  const fromPrevious = takeFromPrevious(ctx, names.internal);
  // --step NAME records every other root-level composite without traversing it (runtime/mocking.ts).
  const mocked = !fromPrevious && ctx.mocking?.mocks(names.internal, node.type) === true;
  if (fromPrevious || mocked) {
    step.status = 'SUCCESS';
    step.mock = true;
    step.message = mocked ? ctx.mocking!.message : 'Node execution successful in previous run, skipping it';
    const { branches: _b, ...body } = step;
    await ctx.store.putStep(ctx.runId, { parent: names.parent, order, step: body });
    ctx.events({ kind: 'step-end', step: names.internal, stepType: node.type, status: 'SUCCESS', mock: true, seconds: 0, message: step.message });
    return { status: 'SUCCESS', branches: [], items: [], mock: true };
  }

  let branchKeys: string[] = [];
  let items: unknown[] = [];
  if (node.type === 'parallel') {
    branchKeys = node.branches.map((b) => `${names.internal}.${branchName(b)}`);
  } else if (node.type === 'dag') {
    branchKeys = [`${names.internal}.${DAG_BRANCH_NAME}`];
  } else {
    const parameters = await ctx.store.getParameters(ctx.runId);
    const value = parameters[node.iterateOn];
    const problem = checkMapItems(node, value, Object.hasOwn(parameters, node.iterateOn));
    if (problem) {
      step.status = 'FAIL';
      step.message = problem;
      const { branches: _b, ...body } = step;
      await ctx.store.putStep(ctx.runId, { parent: names.parent, order, step: body });
      ctx.events({ kind: 'step-end', step: names.internal, stepType: node.type, status: 'FAIL', mock: false, seconds: 0, message: problem });
      return { status: 'FAIL', branches: [], items: [], mock: false };
    }
    items = value as unknown[];
    await ctx.store.putMapItems(ctx.runId, names.internal, items);
    branchKeys = items.map((item) => `${names.internal}.${String(item)}`);
  }

  const { branches: _b, ...body } = step;
  await ctx.store.putStep(ctx.runId, { parent: names.parent, order, step: body });
  ctx.events({ kind: 'step-start', step: names.internal, stepType: node.type });
  for (const key of branchKeys) {
    await ctx.store.putBranch(ctx.runId, {
      parent: names.internal,
      order: preciseNow(),
      branch: { internal_name: key, status: 'PROCESSING' },
    });
  }
  return { status: 'PROCESSING', branches: branchKeys, items, mock: false };
}

/** Closes a composite: its status from its branches (all SUCCESS → SUCCESS, otherwise FAIL). */
export async function fanIn(ctx: RunContext, inv: NodeInvocation, branches?: readonly string[]): Promise<Status> {
  const node = inv.loc.node as CompositeNode;
  const names = stepNames(inv);
  const record = await ctx.store.getStep(ctx.runId, names.internal);
  // No record: the fan-out's pod died before it recorded the composite (an engine's pod OOMKilled, evicted or lost;
  // Argo still runs the fan-in, whose depends accept Omitted branches). No branch ran: the composite is recorded
  // FAIL so the run log closes (DESIGN.md §3 invariant 5).
  if (!record) return recordUnopened(ctx, inv, 'its fan out ended before it opened the composite (the engine stopped its pod): no branch ran');
  if (record.step.mock || record.step.status === 'FAIL') return record.step.status;
  const keys = branches ?? (await branchesOf(ctx, inv, names.internal));
  // A map whose fan-out died after recording the composite but before its items: no branch is known to have run.
  if (keys === undefined) return recordUnopened(ctx, inv, 'its fan out ended before it recorded the map items (the engine stopped its pod): no branch ran', record);
  // Read a few at a time: a map of 100,000 items must not hold a file (or a socket) open per branch (EMFILE at
  // 2,000 items under `ulimit -n 1024` when these were all started at once; issue 16).
  const statuses = await mapLimit(keys, BRANCH_READS, async (k) => (await ctx.store.getBranch(ctx.runId, k))?.branch.status);
  // A branch that never reported its end (an engine cancelled it, or an infrastructure error or timeout ended it
  // outside the entrypoint: the asl target's dagc.abort) is recorded FAIL, with the steps it left PROCESSING, so
  // the run log closes (DESIGN.md §3 invariant 5).
  const unreported = keys.filter((_, i) => statuses[i] === 'PROCESSING');
  if (unreported.length) await closeBranches(ctx, unreported);
  const status: Status = statuses.every((s) => s === 'SUCCESS') ? 'SUCCESS' : 'FAIL';
  const failed = keys.filter((_, i) => statuses[i] !== 'SUCCESS');
  const step = {
    ...record.step,
    status,
    message: status === 'SUCCESS' ? '' : `branches not successful: ${failed.join(', ')}`,
  };
  await ctx.store.putStep(ctx.runId, { parent: record.parent, order: record.order, step });
  ctx.events({ kind: 'step-end', step: names.internal, stepType: node.type, status, mock: false, seconds: 0, message: step.message });
  return status;
}

/** Records a composite whose fan-out never finished opening it as FAIL, with why. */
async function recordUnopened(ctx: RunContext, inv: NodeInvocation, message: string, record?: { parent: string; order: number; step: Omit<StepLog, 'branches'> }): Promise<Status> {
  const node = inv.loc.node as CompositeNode;
  const names = stepNames(inv);
  const fresh = newStepLog(node.name, names.internal, node.type);
  const { branches: _b, ...body } = fresh;
  const base = record?.step ?? { ...body, code_identities: await ctx.codeIdentities() };
  await ctx.store.putStep(ctx.runId, { parent: record?.parent ?? names.parent, order: record?.order ?? preciseNow(), step: { ...base, status: 'FAIL', message } });
  ctx.events({ kind: 'step-end', step: names.internal, stepType: node.type, status: 'FAIL', mock: false, seconds: 0, message });
  return 'FAIL';
}

async function closeBranches(ctx: RunContext, names: readonly string[]): Promise<void> {
  const message = 'the branch ended before this step recorded its end (the engine stopped it)';
  const failBranch = async (name: string) => {
    const record = await ctx.store.getBranch(ctx.runId, name);
    if (record) await ctx.store.putBranch(ctx.runId, { ...record, branch: { ...record.branch, status: 'FAIL' } });
  };
  const closeSteps = async (steps: Record<string, StepLog>): Promise<void> => {
    for (const step of Object.values(steps)) {
      for (const b of Object.values(step.branches ?? {})) {
        await closeSteps(b.steps);
        if (b.status === 'PROCESSING') await failBranch(b.internal_name);
      }
      if (step.status !== 'PROCESSING') continue;
      const record = await ctx.store.getStep(ctx.runId, step.internal_name);
      if (record) await ctx.store.putStep(ctx.runId, { ...record, step: { ...record.step, status: 'FAIL', message: record.step.message || message } });
    }
  };
  const log = await ctx.store.getRunLog(ctx.runId);
  const find = (steps: Record<string, StepLog>, name: string): BranchLog | undefined => {
    for (const step of Object.values(steps))
      for (const b of Object.values(step.branches ?? {})) {
        if (b.internal_name === name) return b;
        const inner = find(b.steps, name);
        if (inner) return inner;
      }
    return undefined;
  };
  for (const name of names) {
    const branch = find(log.steps, name);
    if (branch) await closeSteps(branch.steps);
    await failBranch(name);
  }
}

/** The branch names of an opened composite, rebuilt from the IR (and the stored items for a map: undefined when
 * they were never stored). */
async function branchesOf(ctx: RunContext, inv: NodeInvocation, internal: string): Promise<string[] | undefined> {
  const node = inv.loc.node as CompositeNode;
  if (node.type === 'parallel')
    return node.branches.map((b) => `${internal}.${branchName(b)}`);
  if (node.type === 'dag') return [`${internal}.${DAG_BRANCH_NAME}`];
  const items = await ctx.store.getMapItems(ctx.runId, internal);
  if (items === undefined) return undefined;
  return items.map((item) => `${internal}.${String(item)}`);
}
