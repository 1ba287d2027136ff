// Argo node phases as both Argo engines report them (dagc's built-in emulator and Argo's controller under the
// go/argo harness), keyed so the two compare: node name without the workflow's name, retry children (`X(1)`) left
// out (the built-in emulator records only the tries it retried). Argo's node names: the workflow name, task names
// joined by '.', map items as `(i:item)`, the exit handler as `<workflow>.onExit`.
export type Phases = Record<string, string>;

export function phasesOf(nodes: readonly { name: string; phase: string }[]): Phases {
  const out: Phases = {};
  for (const n of nodes) {
    const rest = n.name.includes('.') ? n.name.slice(n.name.indexOf('.') + 1) : '';
    if (/\(\d+\)$/.test(n.name)) continue;
    out[rest || '(workflow)'] = n.phase;
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
