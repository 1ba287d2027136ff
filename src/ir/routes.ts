// Where a node goes, asked of the IR: the local executor, every emitter and the emulators follow these instead of
// re-deriving them. The rule is magnus's traversal (magnus-spec.md §1.5, §1.6): a node that SUCCEEDs goes to
// its `next`; one that FAILs goes to its `on_failure`, else to its graph's fail node; success and fail nodes
// end their graph.
import { reachableFrom } from '../core/graph.js';
import type { ChainNode, FailNode, Graph, Node, SuccessNode } from './types.js';
import { failNode, isTerminal, nodesByName } from './types.js';

export type Outcome = 'success' | 'failure';

/** Whether a node goes on after it ran (every node but success and fail). */
export function isChain(node: Node): node is Exclude<Node, SuccessNode | FailNode> {
  return !isTerminal(node);
}

/** The sibling a node goes to when it fails: its `on_failure`, else the graph's fail node. */
export function failureRoute(graph: Graph, node: ChainNode): string {
  return node.onFailure ?? failNode(graph).name;
}

/** The sibling a node goes to after ending with `outcome`; undefined after a success or fail node. */
export function routeAfter(graph: Graph, node: Node, outcome: Outcome): string | undefined {
  if (!isChain(node)) return undefined;
  return outcome === 'success' ? node.next : failureRoute(graph, node);
}

/** The graph's nodes by step name (types.ts keeps them per graph). */
const byName = nodesByName;

export interface ReachOptions {
  /**
   * false for a node whose failure route is never taken (ASL's catalog-free stubs become Pass states, which
   * cannot fail), so only its `next` counts. Default: every node can fail.
   */
  readonly canFail?: (node: Node) => boolean;
}

/**
 * The step names reachable from the graph's start_at through both routes (a graph's fail node counts as soon as
 * a node without on_failure is reached). Breadth-first discovery order, `next` before the failure route.
 */
export function reachable(graph: Graph, options: ReachOptions = {}): Set<string> {
  const nodes = byName(graph);
  const start = nodes.get(graph.startAt);
  if (!start) return new Set();
  const canFail = options.canFail ?? (() => true);
  const found = reachableFrom<Node>([start], (node) => {
    if (!isChain(node)) return [];
    const next = nodes.get(node.next);
    return canFail(node) ? [next, nodes.get(failureRoute(graph, node))] : [next];
  });
  return new Set([...found].map((n) => n.name));
}

export interface SuccessPath {
  /** The nodes walked, in order. */
  readonly taken: readonly Node[];
  /** The first node `take` refused; undefined when the walk ended at a taken success or fail node. */
  readonly stop?: Node;
}

/**
 * The nodes met from `from` on when every node succeeds (next → next → …), for as long as `take` accepts them;
 * a success or fail node ends the walk. Emitters use it to fold pod-free nodes into their predecessor and to
 * count a run's pods along the success path.
 */
export function successPath(graph: Graph, from: string, take: (node: Node) => boolean = () => true): SuccessPath {
  const nodes = byName(graph);
  const taken: Node[] = [];
  const seen = new Set<Node>();
  let current = nodes.get(from);
  // The front end proves graphs acyclic; `seen` only keeps a broken invariant from looping forever.
  while (current && !seen.has(current) && take(current)) {
    seen.add(current);
    taken.push(current);
    if (!isChain(current)) return { taken };
    current = nodes.get(current.next);
  }
  return { taken, stop: current };
}
