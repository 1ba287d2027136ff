// One graph → the tasks of its Argo DAG template: which nodes get a task, what each task's `depends` is,
// and which nodes are folded into a neighbour's pod (DESIGN.md §4: stubs and terminal nodes should cost no pod).
//
// Traversal is magnus's (magnus-spec.md §1.6): after a node, go to `next` when it succeeded and to
// `on_failure` (default: the graph's fail node) when it failed. In Argo that is `depends` on
// `<task>.Succeeded` and on `<task>.Failed || <task>.Errored` (Argo docs, "Enhanced Depends Logic"); a task
// whose expression is false is Omitted, so only the path the run takes executes.
//
// Folding: a node that needs no pod of its own runs in its predecessor's pod right after it, through the
// step script (scripts.ts): `then` nodes after success, `else` nodes after the last failed attempt. Foldable:
//  - catalog-free stubs that do not start their graph (they only record a step, and cannot fail);
//  - success/fail nodes of branch graphs (parallel branches, map items, dag sub-graphs).
// The root graph keeps its success and fail nodes as tasks, and `success` also waits for `fail` to be
// Omitted. This makes `success` the DAG's only leaf, so the Workflow's phase is the run's: Argo derives a DAG's
// phase from its leaf tasks, and an Omitted leaf inherits Failed from any failed ancestor — even a failure that
// on_failure handled (argo-workflows workflow/controller/dag.go, assessDAGPhase). Branch graphs do not need
// this: their fan-in decides the composite's status from the run log, whatever Argo thinks of the branch.
import type { Graph, Node } from '../../ir/types.js';
import { failNode, isTerminal } from '../../ir/types.js';

export type Outcome = 'Succeeded' | 'Failed';

export interface Incoming {
  /** The step name of the task this edge comes from. */
  readonly from: string;
  readonly outcome: Outcome;
}

export interface PlannedTask {
  readonly node: Node;
  /** Folded nodes run, in order, in this task's pod after it succeeded. */
  readonly then: readonly Node[];
  /** Folded nodes run, in order, in this task's pod after its last attempt failed. */
  readonly else: readonly Node[];
  /** The task runs when any of these happened (none: it starts the graph). */
  readonly incoming: readonly Incoming[];
  /** Root success node: also requires the fail task (if any) to be Omitted. */
  readonly requiresOmitted?: string;
}

export interface GraphPlan {
  readonly graph: Graph;
  readonly isRoot: boolean;
  /** In graph file order. */
  readonly tasks: readonly PlannedTask[];
}

function hasCatalog(node: Node): boolean {
  if (node.type !== 'stub') return false;
  const c = node.catalog;
  return !!c && (c.get.length > 0 || c.put.length > 0);
}

export function planGraph(graph: Graph, isRoot: boolean): GraphPlan {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const failName = failNode(graph).name;
  const foldable = (n: Node): boolean =>
    (isTerminal(n) && !isRoot) || (n.type === 'stub' && !hasCatalog(n) && n.name !== graph.startAt);

  /** Follows the route from `target` through foldable nodes: what they are, and the node that needs a task. */
  const follow = (target: string): { folded: Node[]; task?: Node } => {
    const folded: Node[] = [];
    let current = byName.get(target);
    while (current && foldable(current)) {
      folded.push(current);
      if (isTerminal(current)) return { folded };
      // A folded stub cannot fail, so only its `next` matters.
      current = byName.get(current.next);
    }
    return { folded, task: current };
  };

  const incoming = new Map<string, Incoming[]>();
  const chains = new Map<string, { then: Node[]; else: Node[] }>();
  const start = byName.get(graph.startAt);
  if (!start) throw new Error(`graph '${graph.internalName}' starts at an unknown node (the front end should have refused it)`);
  const queue: Node[] = [start];
  incoming.set(start.name, []);
  const addEdge = (to: Node, edge: Incoming) => {
    const list = incoming.get(to.name);
    if (!list) {
      incoming.set(to.name, [edge]);
      queue.push(to);
    } else if (!list.some((e) => e.from === edge.from && e.outcome === edge.outcome)) list.push(edge);
  };
  while (queue.length) {
    const node = queue.shift() as Node;
    if (chains.has(node.name)) continue;
    if (isTerminal(node)) {
      chains.set(node.name, { then: [], else: [] });
      continue;
    }
    const ok = follow(node.next);
    const ko = follow(node.onFailure ?? failName);
    chains.set(node.name, { then: ok.folded, else: ko.folded });
    if (ok.task) addEdge(ok.task, { from: node.name, outcome: 'Succeeded' });
    if (ko.task) addEdge(ko.task, { from: node.name, outcome: 'Failed' });
  }

  const failTask = isRoot && incoming.has(failName) ? failName : undefined;
  const tasks: PlannedTask[] = [];
  for (const node of graph.nodes) {
    const edges = incoming.get(node.name);
    const chain = chains.get(node.name);
    if (!edges || !chain) continue;
    tasks.push({
      node,
      then: chain.then,
      else: chain.else,
      incoming: edges,
      requiresOmitted: node.type === 'success' && failTask && edges.length ? failTask : undefined,
    });
  }
  return { graph, isRoot, tasks };
}
