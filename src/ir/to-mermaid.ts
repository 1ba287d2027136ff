// The pipeline as a Mermaid flowchart (https://mermaid.js.org/syntax/flowchart.html): one box per node,
// composites as subgraphs (parallel branches as nested subgraphs), `next` solid, `on_failure` dashed and
// labelled. Pure and deterministic: same IR, same text.
import type { Graph, Node, Pipeline } from './types.js';
import { isComposite } from './types.js';
import { branchName, compositeTitle, diagramIds, graphEdges, oneLine } from './diagram-model.js';

/**
 * A label as a Mermaid string. Inside `"…"` Mermaid reads everything up to the next `"` literally, except
 * entity codes `#name;`, which it decodes; so `"` and `#` must be written as entities, and `<`, `>`, `&`
 * too, because labels are rendered as HTML. A leading backtick would switch to markdown: written as an entity.
 */
export function mermaidString(text: string): string {
  const escaped = oneLine(text).replace(/["#<>&`]/g, (c) => MERMAID_ENTITIES[c] as string);
  return `"${escaped}"`;
}

const MERMAID_ENTITIES: Readonly<Record<string, string>> = {
  '"': '#quot;',
  '#': '#35;',
  '<': '#lt;',
  '>': '#gt;',
  '&': '#amp;',
  '`': '#96;',
};

/** Node shapes by type: task box, stub rounded, success circle, fail double circle. */
function shape(node: Node, label: string): string {
  switch (node.type) {
    case 'stub':
      return `(${label})`;
    case 'success':
      return `((${label}))`;
    case 'fail':
      return `(((${label})))`;
    default:
      return `[${label}]`;
  }
}

export function toMermaid(pipeline: Pipeline): string {
  const ids = diagramIds(pipeline.root);
  const id = (node: Node) => ids.get(node) as string;
  const lines: string[] = ['flowchart TD', `  %% dag_hash ${pipeline.dagHash}`];
  const classes: Record<'success' | 'fail' | 'stub', string[]> = { success: [], fail: [], stub: [] };

  const drawGraph = (graph: Graph, indent: string) => {
    for (const node of graph.nodes) {
      if (isComposite(node)) {
        lines.push(`${indent}subgraph ${id(node)} [${mermaidString(compositeTitle(node))}]`);
        if (node.type === 'parallel') {
          // Branch subgraphs need ids of their own: the composite's id plus the branch's position.
          node.branches.forEach((branch, i) => {
            lines.push(`${indent}  subgraph ${id(node)}_${i} [${mermaidString(branchName(branch))}]`);
            drawGraph(branch, `${indent}    `);
            lines.push(`${indent}  end`);
          });
        } else {
          // A map or dag has exactly one branch: its nodes go straight into the composite's frame.
          drawGraph(node.branch, `${indent}  `);
        }
        lines.push(`${indent}end`);
        continue;
      }
      lines.push(`${indent}${id(node)}${shape(node, mermaidString(node.name))}`);
      if (node.type === 'success' || node.type === 'fail' || node.type === 'stub')
        classes[node.type].push(id(node));
    }
    for (const edge of graphEdges(graph)) {
      const arrow = edge.kind === 'next' ? '-->' : '-. on_failure .->';
      lines.push(`${indent}${id(edge.from)} ${arrow} ${id(edge.to)}`);
    }
  };

  drawGraph(pipeline.root, '  ');
  lines.push(
    '  classDef success fill:#d4edda,stroke:#2e7d32',
    '  classDef fail fill:#f8d7da,stroke:#c62828',
    '  classDef stub stroke-dasharray:4 4',
  );
  for (const [name, members] of Object.entries(classes))
    if (members.length) lines.push(`  class ${members.join(',')} ${name}`);
  return lines.join('\n') + '\n';
}
