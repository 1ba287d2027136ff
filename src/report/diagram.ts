// A pipeline drawing with statuses: one small model that both the run report and `dagc graph --run` fill in
// (the report from the run log's own copy of the pipeline, `graph` from the IR), and one DOT writer for it.
// The DOT is the same picture as src/ir/to-dot.ts (clusters for composites, an invisible anchor per cluster,
// on_failure dashed) plus fill colours by status and stable `id`/`class` attributes, which Graphviz copies
// onto the SVG groups (https://graphviz.org/docs/attrs/id/, /class/) so the report's script can find a node.
import type { Graph, Node, Pipeline } from '../ir/types.js';
import { MAP_PLACEHOLDER, isComposite } from '../ir/types.js';
import { branchName, compositeTitle, graphEdges, oneLine } from '../ir/diagram-model.js';
import { dotString } from '../ir/to-dot.js';

/** A run status, or NOT_RUN for a node the run never reached. */
export type DiagramStatus = 'SUCCESS' | 'FAIL' | 'PROCESSING' | 'CREATED' | 'TRIGGERED' | 'NOT_RUN';

export interface DiagramNode {
  /** The node's internal name with map placeholders (one drawn node stands for every map item). */
  readonly key: string;
  readonly name: string;
  readonly type: string;
  /** The frame's title for composites. */
  readonly title?: string;
  status: DiagramStatus;
  readonly branches: readonly DiagramBranch[];
}

export interface DiagramBranch {
  readonly label: string;
  readonly graph: DiagramGraph;
}

export interface DiagramEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: 'next' | 'on_failure';
}

export interface DiagramGraph {
  readonly nodes: readonly DiagramNode[];
  /** By node name, inside this graph. */
  readonly edges: readonly DiagramEdge[];
}

const COMPOSITE = new Set(['parallel', 'map', 'dag']);

/** The model of a pipeline IR, every node NOT_RUN until statuses are applied. */
export function diagramFromIr(pipeline: Pipeline): DiagramGraph {
  const graphOf = (graph: Graph): DiagramGraph => ({
    nodes: graph.nodes.map(nodeOf),
    edges: graphEdges(graph).map((e) => ({ from: e.from.name, to: e.to.name, kind: e.kind })),
  });
  const nodeOf = (node: Node): DiagramNode => ({
    key: node.internalName,
    name: node.name,
    type: node.type === 'stub' ? 'stub' : node.type,
    ...(isComposite(node) ? { title: compositeTitle(node) } : {}),
    status: 'NOT_RUN',
    branches: !isComposite(node)
      ? []
      : node.type === 'parallel'
        ? node.branches.map((b) => ({ label: branchName(b), graph: graphOf(b) }))
        : [{ label: node.type === 'map' ? `each ${node.iterateAs}` : 'dag', graph: graphOf(node.branch) }],
  });
  return graphOf(pipeline.root);
}

type Data = Record<string, unknown>;
const isData = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The model of a pipeline as the run log keeps it (run_config.pipeline, the `dag:` block as written). A dag
 * node's sub-graph lives in another file that the run log does not hold: `subGraph` supplies what the run
 * recorded of it instead. Malformed parts are skipped: the run log was written by dagc, but may be old.
 */
export function diagramFromDag(
  dag: unknown,
  subGraph: (key: string) => DiagramGraph,
  prefix = '',
): DiagramGraph {
  const steps = isData(dag) && isData(dag.steps) ? dag.steps : {};
  const nodes: DiagramNode[] = [];
  const edges: DiagramEdge[] = [];
  for (const [name, raw] of Object.entries(steps)) {
    if (!isData(raw)) continue;
    const key = prefix ? `${prefix}.${name}` : name;
    const type = typeof raw.type === 'string' ? raw.type : 'task';
    let branches: DiagramBranch[] = [];
    let title: string | undefined;
    if (type === 'parallel') {
      const all = isData(raw.branches) ? raw.branches : {};
      branches = Object.entries(all).map(([label, g]) => ({ label, graph: diagramFromDag(g, subGraph, `${key}.${label}`) }));
      title = `${name} (parallel)`;
    } else if (type === 'map') {
      branches = [{ label: `each ${String(raw.iterate_as)}`, graph: diagramFromDag(raw.branch, subGraph, `${key}.${MAP_PLACEHOLDER}`) }];
      title = `${name} (map over ${String(raw.iterate_on)} as ${String(raw.iterate_as)})`;
    } else if (type === 'dag') {
      branches = [{ label: 'dag', graph: subGraph(`${key}.dag`) }];
      title = `${name} (dag ${String(raw.dag_definition)})`;
    }
    nodes.push({ key, name, type, ...(title ? { title } : {}), status: 'NOT_RUN', branches });
  }
  const names = new Set(nodes.map((n) => n.name));
  for (const [name, raw] of Object.entries(steps)) {
    if (!isData(raw) || !names.has(name)) continue;
    if (typeof raw.next === 'string' && names.has(raw.next)) edges.push({ from: name, to: raw.next, kind: 'next' });
    if (typeof raw.on_failure === 'string' && names.has(raw.on_failure))
      edges.push({ from: name, to: raw.on_failure, kind: 'on_failure' });
  }
  return { nodes, edges };
}

/**
 * One status for a drawn node that stands for many runs of it (map items): a failure shows, then work in
 * progress, then success only when every instance succeeded.
 */
export function combineStatuses(statuses: readonly DiagramStatus[]): DiagramStatus {
  if (statuses.length === 0) return 'NOT_RUN';
  for (const s of ['FAIL', 'PROCESSING', 'TRIGGERED', 'CREATED'] as const) if (statuses.includes(s)) return s;
  return statuses.every((s) => s === 'SUCCESS') ? 'SUCCESS' : 'NOT_RUN';
}

/** Sets every node's status from `statusOf(key)` (the combined status of its instances). */
export function applyStatuses(graph: DiagramGraph, statusOf: (key: string) => DiagramStatus): void {
  for (const node of graph.nodes) {
    node.status = statusOf(node.key);
    for (const b of node.branches) applyStatuses(b.graph, statusOf);
  }
}

/** Fill and line colours by status (the report's legend uses the same). */
export const STATUS_COLOURS: Readonly<Record<DiagramStatus, { fill: string; line: string }>> = {
  SUCCESS: { fill: '#d4edda', line: '#2e7d32' },
  FAIL: { fill: '#f8d7da', line: '#c62828' },
  PROCESSING: { fill: '#fff3cd', line: '#b28704' },
  CREATED: { fill: '#fff3cd', line: '#b28704' },
  TRIGGERED: { fill: '#d1ecf1', line: '#0c5460' },
  NOT_RUN: { fill: '#ffffff', line: '#9e9e9e' },
};

const SHAPES: Readonly<Record<string, string>> = {
  stub: 'box, style="rounded,dashed,filled"',
  'as-is': 'box, style="rounded,dashed,filled"',
  success: 'circle, style=filled',
  fail: 'doublecircle, style=filled',
};

export interface DotOptions {
  /** Colour nodes by status (without it, the picture of `dagc graph --format dot`, uncoloured). */
  readonly statuses: boolean;
  /**
   * Draw each composite as one node instead of a frame around its branches (the report's overview). Ids keep
   * their walk-order numbers, so `n7` is the same node in both drawings; `idPrefix` tells the two apart.
   */
  readonly collapse?: boolean;
  /** Prefix of the node ids (default `n`). */
  readonly idPrefix?: string;
}

/**
 * DOT for the model. Node ids are `n0`, `n1`, … in walk order; `keys[i]` is the internal name behind `n<i>`
 * (the report maps a clicked SVG group back to its step with it). Step names only ever appear in labels.
 */
export function diagramToDot(graph: DiagramGraph, opts: DotOptions): { dot: string; keys: string[] } {
  const keys: string[] = [];
  const lines = [
    'digraph pipeline {',
    '  compound=true;',
    '  graph [fontname="Helvetica"];',
    '  node [fontname="Helvetica"];',
    '  edge [fontname="Helvetica"];',
  ];
  const colour = (node: DiagramNode) => {
    if (!opts.statuses) return node.type === 'success' ? STATUS_COLOURS.SUCCESS : node.type === 'fail' ? STATUS_COLOURS.FAIL : undefined;
    return STATUS_COLOURS[node.status];
  };
  const prefix = opts.idPrefix ?? 'n';
  // A collapsed composite's inner nodes still take their numbers, undrawn.
  const skip = (g: DiagramGraph) => {
    for (const node of g.nodes) {
      keys.push(node.key);
      for (const b of node.branches) skip(b.graph);
    }
  };
  const collapsed = (node: DiagramNode) => opts.collapse === true && COMPOSITE.has(node.type);
  const draw = (g: DiagramGraph, indent: string) => {
    const ids = new Map<string, string>();
    for (const node of g.nodes) {
      const id = `${prefix}${keys.length}`;
      keys.push(node.key);
      ids.set(node.name, id);
      const c = colour(node);
      const cls = `step s-${node.status}`;
      if (collapsed(node)) {
        const paint = c ? `, style=filled, fillcolor="${c.fill}", color="${c.line}"` : '';
        lines.push(`${indent}${id} [id="${id}", class="${cls}", label=${dotString(node.title ?? node.name)}, shape=box3d${paint}];`);
        for (const b of node.branches) skip(b.graph);
        continue;
      }
      if (!COMPOSITE.has(node.type)) {
        const shape = SHAPES[node.type] ?? (c ? 'box, style=filled' : 'box');
        const paint = c ? `, fillcolor="${c.fill}", color="${c.line}"` : '';
        lines.push(`${indent}${id} [id="${id}", class="${cls}", label=${dotString(node.name)}, shape=${shape}${paint}];`);
        continue;
      }
      lines.push(`${indent}subgraph cluster_${id} {`);
      lines.push(`${indent}  id="${id}"; class="${cls}";`);
      lines.push(`${indent}  label=${dotString(node.title ?? node.name)};`);
      lines.push(`${indent}  style=${c ? '"rounded,filled"' : 'rounded'};`);
      if (c) lines.push(`${indent}  fillcolor="${c.fill}"; color="${c.line}";`);
      lines.push(`${indent}  ${id} [shape=point, style=invis, width=0, height=0, label=""];`);
      const many = node.branches.length > 1 || node.type === 'parallel';
      node.branches.forEach((branch, i) => {
        if (many) {
          lines.push(`${indent}  subgraph cluster_${id}_${i} {`);
          lines.push(`${indent}    label=${dotString(oneLine(branch.label))};`);
          lines.push(`${indent}    style=${c ? '"dashed,filled"' : 'dashed'};${c ? ' fillcolor="#ffffff";' : ''}`);
          draw(branch.graph, `${indent}    `);
          lines.push(`${indent}  }`);
        } else draw(branch.graph, `${indent}  `);
      });
      lines.push(`${indent}}`);
    }
    for (const e of g.edges) {
      const from = ids.get(e.from);
      const to = ids.get(e.to);
      if (!from || !to) continue;
      const attrs: string[] = [];
      const fromNode = g.nodes.find((n) => n.name === e.from);
      const toNode = g.nodes.find((n) => n.name === e.to);
      if (fromNode && COMPOSITE.has(fromNode.type) && !collapsed(fromNode)) attrs.push(`ltail=cluster_${from}`);
      if (toNode && COMPOSITE.has(toNode.type) && !collapsed(toNode)) attrs.push(`lhead=cluster_${to}`);
      if (e.kind === 'on_failure') attrs.push('style=dashed', 'label="on_failure"');
      lines.push(`${indent}${from} -> ${to}${attrs.length ? ` [${attrs.join(', ')}]` : ''};`);
    }
  };
  draw(graph, '  ');
  lines.push('}');
  return { dot: lines.join('\n') + '\n', keys };
}
