// Walking the IR: every node with its graph and enclosing composites, every graph, lookup by dot path, and the
// maps around a node. Code that needs "all the nodes" or "the maps I am in" asks here instead of recursing itself.
import type { CompositeNode, Graph, MapNode, Node } from './types.js';
import { MAP_PLACEHOLDER, childGraphs, isComposite } from './types.js';

export interface NodeLocation {
  readonly node: Node;
  readonly graph: Graph;
  /** Enclosing composite nodes, outermost first. */
  readonly ancestors: readonly CompositeNode[];
}

/** Every node of the pipeline, depth first, in file order. */
export function* walk(root: Graph, ancestors: readonly CompositeNode[] = []): Generator<NodeLocation> {
  for (const node of root.nodes) {
    yield { node, graph: root, ancestors };
    if (isComposite(node)) {
      for (const g of childGraphs(node)) yield* walk(g, [...ancestors, node]);
    }
  }
}

/** Every graph of the pipeline, the root first, then depth first in file order (a graph before its sub-graphs). */
export function* walkGraphs(root: Graph): Generator<Graph> {
  yield root;
  for (const node of root.nodes) for (const g of childGraphs(node)) yield* walkGraphs(g);
}

/** Looks a node up by its internal name (with map placeholders, as in the IR). */
export function findNode(root: Graph, internalName: string): NodeLocation | undefined {
  const parts = internalName.split('.');
  let graph = root;
  const ancestors: CompositeNode[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const node = graph.nodes.find((n) => n.name === parts[i]);
    if (!node) return undefined;
    if (i === parts.length - 1) return { node, graph, ancestors };
    if (!isComposite(node)) return undefined;
    const branchPath = `${node.internalName}.${parts[i + 1]}`;
    const next = childGraphs(node).find((g) => g.internalName === branchPath);
    if (!next) return undefined;
    ancestors.push(node);
    graph = next;
  }
  return undefined;
}

/**
 * Replaces the map placeholders of an internal name, left to right, by the given map values
 * (magnus-spec.md §3.5; values are stringified with String(), fixing magnus's crash on integers, §10.4).
 */
export function resolveInternalName(internalName: string, mapValues: readonly unknown[]): string {
  let i = 0;
  return internalName
    .split('.')
    // Only odd parts name branches; a step that happens to be called like the placeholder stays as it is.
    .map((part, k) => (k % 2 === 1 && part === MAP_PLACEHOLDER && i < mapValues.length ? String(mapValues[i++]) : part))
    .join('.');
}

/** A branch graph's own name: the last part of its dot path (a parallel's branch key, a map's placeholder, 'dag'). */
export function branchName(graph: Graph): string {
  const parts = graph.internalName.split('.');
  return parts[parts.length - 1] ?? graph.internalName;
}

/** The map nodes among a node's ancestors, outermost first (their values replace the placeholders, in order). */
export function enclosingMaps(ancestors: readonly CompositeNode[]): MapNode[] {
  return ancestors.filter((a): a is MapNode => a.type === 'map');
}
