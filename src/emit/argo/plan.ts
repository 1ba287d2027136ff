// One graph → the tasks of its Argo DAG template: which nodes get a task, what each task's `depends` is,
// and which nodes are folded into a neighbour's pod (DESIGN.md §4: stubs and terminal nodes should cost no pod).
//
// Traversal is magnus's (magnus-spec.md §1.6): after a node, go to `next` when it succeeded and to
// `on_failure` (default: the graph's fail node) when it failed. In Argo that is `depends` on
// `<task>.Succeeded` and on `<task>.Failed || <task>.Errored` (Argo docs, "Enhanced Depends Logic"); a task
// whose expression is false is Omitted, so only the path the run takes executes.
//
// Folding: a node that needs no pod of its own runs in its predecessor's pod right after it, through the
// step script (scripts.ts): `then` nodes after success. Nodes on a failure route are never folded: the pod
// would have to guess that its failed attempt is the last one, and Argo ends retries early (retryPolicy, a
// deadline, a stop) or kills the pod (OOMKilled, evicted, a lost node), so the chain would never run while
// Argo routes on as if it had (issue 13). They get tasks of their own, on `<task>.Failed || <task>.Errored`.
// Foldable:
//  - catalog-free stubs that do not start their graph (they only record a step, and cannot fail);
//  - success/fail nodes of branch graphs (parallel branches, map items, dag sub-graphs).
// The root graph keeps its success and fail nodes as tasks, and `success` also waits for `fail` to be
// Omitted. This makes `success` the DAG's only leaf, so the Workflow's phase is the run's: Argo derives a DAG's
// phase from its leaf tasks, and an Omitted leaf inherits Failed from any failed ancestor — even a failure that
// on_failure handled (argo-workflows workflow/controller/dag.go, assessDAGPhase). Branch graphs do not need
// this: their fan-in decides the composite's status from the run log, whatever Argo thinks of the branch.
import type { Graph, Node } from '../../ir/types.js';
import { failNode, getNode, isTerminal } from '../../ir/types.js';
import { failureRoute, isChain, successPath } from '../../ir/routes.js';
import { reachableFrom } from '../../core/graph.js';

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
  const foldable = (n: Node): boolean =>
    (isTerminal(n) && !isRoot) || (n.type === 'stub' && !hasCatalog(n) && n.name !== graph.startAt);

  /** Follows the route from `target` through foldable nodes: what they are, and the node that needs a task. */
  const follow = (target: string): { folded: readonly Node[]; task?: Node } => {
    // A folded stub cannot fail, so only its `next` matters.
    const path = successPath(graph, target, foldable);
    return { folded: path.taken, task: path.stop };
  };

  const start = getNode(graph, graph.startAt);
  if (!start) throw new Error(`graph '${graph.internalName}' starts at an unknown node (the front end should have refused it)`);
  // The nodes that get a task: those reachable from the start through the routes, folded nodes skipped.
  const routes = new Map<Node, { ok: ReturnType<typeof follow>; ko: ReturnType<typeof follow> }>();
  const withTasks = reachableFrom<Node>([start], (node) => {
    if (!isChain(node)) return [];
    const r = { ok: follow(node.next), ko: { folded: [] as readonly Node[], task: getNode(graph, failureRoute(graph, node)) } };
    routes.set(node, r);
    return [r.ok.task, r.ko.task];
  });
  // Edges in breadth-first order of their source, success before failure (the order `depends` lists them in).
  const incoming = new Map<string, Incoming[]>([...withTasks].map((n) => [n.name, []]));
  // Every node's failure edge goes to the fail node: a scan of its list per edge would be quadratic (issue 16).
  const added = new Set<string>();
  const addEdge = (to: Node | undefined, edge: Incoming) => {
    const list = to && incoming.get(to.name);
    const key = `${to?.name}\0${edge.from}\0${edge.outcome}`;
    if (list && !added.has(key)) {
      added.add(key);
      list.push(edge);
    }
  };
  const chains = new Map<string, { then: readonly Node[]; else: readonly Node[] }>();
  for (const node of withTasks) {
    const r = routes.get(node);
    chains.set(node.name, { then: r?.ok.folded ?? [], else: r?.ko.folded ?? [] });
    if (!r) continue;
    addEdge(r.ok.task, { from: node.name, outcome: 'Succeeded' });
    addEdge(r.ko.task, { from: node.name, outcome: 'Failed' });
  }

  const failName = failNode(graph).name;
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
