// Builds the nested run log (spec §3.1, §3.5) from flat records. Parents are explicit in every record, because
// a map value may contain dots and then a dot path cannot be split to find them. Siblings are ordered by
// creation time (`order`), ties broken by internal name, so the result does not depend on read order.
import type { BranchLog, BranchRecord, RunLog, RunRecord, StepLog, StepRecord } from './types.js';
import { setOwn, withBranches } from './normalize.js';

function byOrderThenName<T extends { order: number }>(name: (r: T) => string) {
  return (a: T, b: T): number => {
    if (a.order !== b.order) return a.order - b.order;
    const x = name(a);
    const y = name(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}

function groupByParent<T extends { parent: string }>(records: readonly T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of records) {
    const list = out.get(r.parent);
    if (list) list.push(r);
    else out.set(r.parent, [r]);
  }
  return out;
}

export function assembleRunLog(
  run: RunRecord,
  parameters: Record<string, unknown>,
  steps: readonly StepRecord[],
  branches: readonly BranchRecord[],
): RunLog {
  const stepsOf = groupByParent(steps);
  const branchesOf = groupByParent(branches);
  const stepOrder = byOrderThenName<StepRecord>((r) => r.step.internal_name);
  const branchOrder = byOrderThenName<BranchRecord>((r) => r.branch.internal_name);
  // A corrupted store (a branch named '' under a root step '') could loop forever; a well-formed one is a tree.
  const openSteps = new Set<string>();
  const openBranches = new Set<string>();

  const stepsUnder = (parent: string): Record<string, StepLog> => {
    const out: Record<string, StepLog> = {};
    for (const r of [...(stepsOf.get(parent) ?? [])].sort(stepOrder)) {
      const name = r.step.internal_name;
      if (openSteps.has(name)) continue;
      openSteps.add(name);
      setOwn(out, name, withBranches(r.step, branchesUnder(name)));
      openSteps.delete(name);
    }
    return out;
  };

  const branchesUnder = (step: string): Record<string, BranchLog> => {
    const out: Record<string, BranchLog> = {};
    for (const r of [...(branchesOf.get(step) ?? [])].sort(branchOrder)) {
      const name = r.branch.internal_name;
      if (openBranches.has(name)) continue;
      openBranches.add(name);
      setOwn(out, name, { internal_name: name, status: r.branch.status, steps: stepsUnder(name) });
      openBranches.delete(name);
    }
    return out;
  };

  return {
    run_id: run.run_id,
    dag_hash: run.dag_hash,
    use_cached: run.use_cached,
    tag: run.tag,
    original_run_id: run.original_run_id,
    status: run.status,
    steps: stepsUnder(''),
    parameters,
    run_config: run.run_config,
  };
}
