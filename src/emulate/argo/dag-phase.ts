// A DAG template's phase once its tasks are done, as Argo's controller decides it (argo-workflows
// workflow/controller/dag.go, assessDAGPhase): only the target tasks count — `dag.target`, or by default
// every task no other task depends on. An Omitted or Skipped target has no phase of its own and inherits the
// phase of the branch that led to it, found by a breadth-first walk from the tasks without dependencies; a
// Failed or Errored branch wins over a Succeeded one. The DAG fails with the first failed target.

export type Phase = 'Succeeded' | 'Failed' | 'Error' | 'Skipped' | 'Omitted' | 'Pending';

export const completed = (p: Phase | undefined): p is 'Succeeded' | 'Failed' | 'Error' =>
  p === 'Succeeded' || p === 'Failed' || p === 'Error';
export const failedOrError = (p: Phase | undefined): boolean => p === 'Failed' || p === 'Error';

export interface DagTaskInfo {
  readonly name: string;
  readonly dependencies: readonly string[];
  /** Undefined: never created (a fail-fast DAG stopped scheduling). */
  readonly phase?: Phase;
}

export function assessDagPhase(tasks: readonly DagTaskInfo[], target?: string): 'Succeeded' | 'Failed' | 'Error' {
  const byName = new Map(tasks.map((t) => [t.name, t]));
  const dependents = new Map<string, string[]>();
  for (const t of tasks) for (const d of t.dependencies) dependents.set(d, [...(dependents.get(d) ?? []), t.name]);
  const targets = target?.trim() ? target.trim().split(/\s+/) : tasks.filter((t) => !dependents.has(t.name)).map((t) => t.name);

  const targetPhases = new Map<string, Phase | ''>(targets.map((t) => [t, '']));
  const seen = new Set<string>();
  const queue: { name: string; phase: Phase }[] = [];
  const add = (name: string, phase: Phase) => {
    const key = `${name}\u0000${phase}`;
    if (seen.has(key)) return;
    seen.add(key);
    queue.push({ name, phase });
  };
  for (const t of tasks) if (t.dependencies.length === 0) add(t.name, 'Succeeded');
  while (queue.length) {
    const { name, phase } = queue.shift()!;
    const task = byName.get(name);
    if (!task || task.phase === undefined) continue; // never created: its target stays without a phase
    const branchPhase = completed(task.phase) ? task.phase : phase;
    if (targetPhases.has(name)) {
      const previous = targetPhases.get(name);
      if (!failedOrError(previous as Phase)) targetPhases.set(name, branchPhase);
    }
    for (const child of dependents.get(name) ?? []) add(child, branchPhase);
  }

  for (const t of targets) {
    const p = targetPhases.get(t);
    // A target that never ran (fail-fast stopped the DAG) leaves the DAG failed.
    if (!p) return 'Failed';
    if (p === 'Failed' || p === 'Error') return p;
  }
  return 'Succeeded';
}
