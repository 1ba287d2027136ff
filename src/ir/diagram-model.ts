// What toMermaid and toDot share: stable ids for nodes, the titles of composite nodes and the edges of a
// graph. The two formats differ only in syntax and escaping, so both draw exactly the same picture.
import type { CompositeNode, Graph, Node } from './types.js';
import { getNode } from './types.js';
import { walk } from './walk.js';

export interface DiagramEdge {
  readonly from: Node;
  readonly to: Node;
  readonly kind: 'next' | 'on_failure';
}

/**
 * Ids `n0`, `n1`, … in walk order (depth first, file order). Generated ids keep every step name out of the
 * syntax of the output (a step may be called `end`, `graph` or `a -> b`); names only ever appear in labels.
 */
export function diagramIds(root: Graph): Map<Node, string> {
  const ids = new Map<Node, string>();
  for (const { node } of walk(root)) ids.set(node, `n${ids.size}`);
  return ids;
}

/** The edges leaving the nodes of one graph, in node order, `next` before `on_failure`. */
export function graphEdges(graph: Graph): DiagramEdge[] {
  const edges: DiagramEdge[] = [];
  const target = (from: Node, name: string): Node => {
    const to = getNode(graph, name);
    // The front end refuses unknown targets (spec §1.4), so this is a broken invariant, not bad input.
    if (!to) throw new Error(`node '${from.internalName}' points to '${name}', which is not in its graph`);
    return to;
  };
  for (const node of graph.nodes) {
    if (node.type === 'success' || node.type === 'fail') continue;
    edges.push({ from: node, to: target(node, node.next), kind: 'next' });
    if (node.onFailure !== undefined)
      edges.push({ from: node, to: target(node, node.onFailure), kind: 'on_failure' });
  }
  return edges;
}

/** Title of a composite's frame: its name and what it does. */
export function compositeTitle(node: CompositeNode): string {
  switch (node.type) {
    case 'parallel':
      return `${node.name} (parallel)`;
    case 'map':
      return `${node.name} (map over ${node.iterateOn} as ${node.iterateAs})`;
    case 'dag':
      return `${node.name} (dag ${node.dagDefinition})`;
  }
}

export { branchName } from './walk.js';

/** Labels are one line: control characters (newlines, tabs, …) would break both formats' syntax. */
export function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ');
}
