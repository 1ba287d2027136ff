// The pipeline as a Graphviz digraph (https://graphviz.org/doc/info/lang.html): the same picture as
// toMermaid. Composites are clusters; since DOT edges join nodes, not clusters, every composite holds an
// invisible anchor node and edges to or from it are clipped at the cluster's border (`compound=true` with
// `lhead`/`ltail`, https://graphviz.org/docs/attrs/lhead/). Pure and deterministic.
import type { Graph, Node, Pipeline } from './types.js';
import { isComposite } from './types.js';
import { branchName, compositeTitle, diagramIds, graphEdges, oneLine } from './diagram-model.js';

/**
 * A DOT double-quoted string. The lexer only knows `\"`; but labels then give backslash sequences a meaning
 * of their own (`\n`, `\l`, `\N`, `\G`, …), so a literal backslash must be doubled as well.
 */
export function dotString(text: string): string {
  return `"${oneLine(text).replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Node attributes by type: task box, stub rounded and dashed, success circle, fail double circle. */
function nodeAttributes(node: Node): string {
  switch (node.type) {
    case 'stub':
      return 'shape=box, style="rounded,dashed"';
    case 'success':
      return 'shape=circle, style=filled, fillcolor="#d4edda", color="#2e7d32"';
    case 'fail':
      return 'shape=doublecircle, style=filled, fillcolor="#f8d7da", color="#c62828"';
    default:
      return 'shape=box';
  }
}

export function toDot(pipeline: Pipeline): string {
  const ids = diagramIds(pipeline.root);
  const id = (node: Node) => ids.get(node) as string;
  const lines: string[] = [
    `// dag_hash ${pipeline.dagHash}`,
    'digraph pipeline {',
    '  compound=true;',
    '  graph [fontname="Helvetica"];',
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];

  const drawGraph = (graph: Graph, indent: string) => {
    for (const node of graph.nodes) {
      if (!isComposite(node)) {
        lines.push(`${indent}${id(node)} [label=${dotString(node.name)}, ${nodeAttributes(node)}];`);
        continue;
      }
      // Cluster names must start with "cluster" for dot to draw them as frames.
      lines.push(`${indent}subgraph cluster_${id(node)} {`);
      lines.push(`${indent}  label=${dotString(compositeTitle(node))};`);
      lines.push(`${indent}  style=rounded;`);
      lines.push(`${indent}  ${id(node)} [shape=point, style=invis, width=0, height=0, label=""];`);
      if (node.type === 'parallel') {
        node.branches.forEach((branch, i) => {
          lines.push(`${indent}  subgraph cluster_${id(node)}_${i} {`);
          lines.push(`${indent}    label=${dotString(branchName(branch))};`);
          lines.push(`${indent}    style=dashed;`);
          drawGraph(branch, `${indent}    `);
          lines.push(`${indent}  }`);
        });
      } else {
        drawGraph(node.branch, `${indent}  `);
      }
      lines.push(`${indent}}`);
    }
    for (const edge of graphEdges(graph)) {
      const attrs: string[] = [];
      if (isComposite(edge.from)) attrs.push(`ltail=cluster_${id(edge.from)}`);
      if (isComposite(edge.to)) attrs.push(`lhead=cluster_${id(edge.to)}`);
      if (edge.kind === 'on_failure') attrs.push('style=dashed', 'label="on_failure"');
      lines.push(
        `${indent}${id(edge.from)} -> ${id(edge.to)}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`,
      );
    }
  };

  drawGraph(pipeline.root, '  ');
  lines.push('}');
  return lines.join('\n') + '\n';
}
