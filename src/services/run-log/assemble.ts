// Builds the nested run log (spec §3.1, §3.5) from flat records. Parents are explicit in every record, because
// a map value may contain dots and then a dot path cannot be split to find them. Siblings are ordered by
// creation time (`order`), ties broken by internal name, so the result does not depend on read order.
import type { BranchLog, BranchRecord, RunLog, RunRecord, Status, StepLog, StepRecord } from './types.js';
import { setOwn, withBranches } from './normalize.js';
import { stringifyJson } from '../../core/py-float.js';

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

/** Where a step or branch record sits, without its body: what streaming the run log keeps in memory. */
export interface RecordIndex {
  readonly parent: string;
  readonly order: number;
  readonly name: string;
}

export interface RunLogIndex {
  readonly steps: readonly RecordIndex[];
  readonly branches: readonly (RecordIndex & { readonly status: Status })[];
}

const pad = (depth: number) => '  '.repeat(depth);
/** A value as it appears at `depth` inside `stringifyJson(document, 2)`. */
const nested = (value: unknown, depth: number) => stringifyJson(value, 2).replace(/\n/g, `\n${pad(depth)}`);

/**
 * Writes the run log as `stringifyJson(assembleRunLog(…), 2)` would, byte for byte, but one step at a time
 * (issue 16: a 100,000-item map's run log did not fit in a string): only the index of the records is held,
 * and each step's body is loaded when its turn comes. `out` may wait (backpressure).
 */
export async function writeRunLog(
  run: RunRecord,
  parameters: Record<string, unknown>,
  index: RunLogIndex,
  loadStep: (name: string) => Promise<Omit<StepLog, 'branches'> | undefined>,
  out: (text: string) => Promise<void> | void,
): Promise<void> {
  const stepsOf = groupByParent(index.steps);
  const branchesOf = groupByParent(index.branches);
  const byOrder = byOrderThenName<RecordIndex>((r) => r.name);
  const openSteps = new Set<string>();
  const openBranches = new Set<string>();


  // Written as: for each entry, its head (`{` or `,`, the key) then its value; an entry whose step has no
  // record (removed meanwhile) is left out, as assembleRunLog leaves out what it cannot find.
  const writeSteps = async (parent: string, depth: number): Promise<void> => {
    let first = true;
    for (const r of [...(stepsOf.get(parent) ?? [])].sort(byOrder)) {
      if (openSteps.has(r.name)) continue;
      const body = await loadStep(r.name);
      if (!body) continue;
      openSteps.add(r.name);
      await out(`${first ? '{\n' : ',\n'}${pad(depth + 1)}${JSON.stringify(r.name)}: `);
      first = false;
      await writeStep(body, depth + 1);
      openSteps.delete(r.name);
    }
    await out(first ? '{}' : `\n${pad(depth)}}`);
  };

  const writeStep = async (raw: Omit<StepLog, 'branches'>, depth: number): Promise<void> => {
    const s = withBranches(raw, {});
    const field = (key: string, value: unknown) => `${pad(depth + 1)}"${key}": ${nested(value, depth + 1)},\n`;
    await out(
      '{\n' +
        field('name', s.name) +
        field('internal_name', s.internal_name) +
        field('status', s.status) +
        field('step_type', s.step_type) +
        field('message', s.message) +
        field('mock', s.mock) +
        field('code_identities', s.code_identities) +
        field('attempts', s.attempts) +
        field('user_defined_metrics', s.user_defined_metrics) +
        `${pad(depth + 1)}"branches": `,
    );
    await writeBranches(s.internal_name, depth + 1);
    await out(`,\n${pad(depth + 1)}"data_catalog": ${nested(s.data_catalog, depth + 1)}\n${pad(depth)}}`);
  };

  const writeBranches = async (step: string, depth: number): Promise<void> => {
    let first = true;
    for (const r of [...(branchesOf.get(step) ?? [])].sort(byOrder)) {
      if (openBranches.has(r.name)) continue;
      openBranches.add(r.name);
      const inner = pad(depth + 2);
      await out(
        `${first ? '{\n' : ',\n'}${pad(depth + 1)}${JSON.stringify(r.name)}: {\n` +
          `${inner}"internal_name": ${JSON.stringify(r.name)},\n${inner}"status": ${JSON.stringify(r.status)},\n${inner}"steps": `,
      );
      first = false;
      await writeSteps(r.name, depth + 2);
      await out(`\n${pad(depth + 1)}}`);
      openBranches.delete(r.name);
    }
    await out(first ? '{}' : `\n${pad(depth)}}`);
  };

  const top = (key: string, value: unknown) => `  "${key}": ${nested(value, 1)},\n`;
  await out(
    '{\n' +
      top('run_id', run.run_id) +
      top('dag_hash', run.dag_hash) +
      top('use_cached', run.use_cached) +
      top('tag', run.tag) +
      top('original_run_id', run.original_run_id) +
      top('status', run.status) +
      '  "steps": ',
  );
  await writeSteps('', 1);
  await out(`,\n  "parameters": ${nested(parameters, 1)},\n  "run_config": ${nested(run.run_config, 1)}\n}`);
}
