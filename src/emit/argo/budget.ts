// `dagc check --target argo`: how much of each engine limit a pipeline uses (limits.ts), and how many pods a
// run starts for a declared map width, counting only the pods the manifest really creates (folded stubs and
// branch terminals cost none; plan.ts).
import type { Graph, Node, Pipeline } from '../../ir/types.js';
import { successPath } from '../../ir/routes.js';
import type { ArgoCompilation } from './emit-argo.js';
import { CLIENT_APPLY_LIMIT, MANIFEST_LIMIT, TASKS_LIMIT, TEMPLATES_LIMIT, VALUE_LIMIT } from './limits.js';
import { planGraph } from './plan.js';

export interface PodCount {
  /** Every step succeeding at its first attempt. */
  readonly successful: number;
  /** Every step on that path using all its attempts. */
  readonly withRetries: number;
}

/** Pods of the success path of a graph (start → next → … → success), each map with `width` items. */
function graphPods(graph: Graph, isRoot: boolean, width: number): PodCount {
  const plan = planGraph(graph, isRoot);
  const tasks = new Set(plan.tasks.map((t) => t.node.name));
  let successful = 0;
  let withRetries = 0;
  for (const node of successPath(graph, graph.startAt).taken) {
    if (!tasks.has(node.name)) continue;
    const p = nodePods(node, width);
    successful += p.successful;
    withRetries += p.withRetries;
  }
  return { successful, withRetries };
}

function nodePods(node: Node, width: number): PodCount {
  switch (node.type) {
    case 'task':
      return { successful: 1, withRetries: Math.max(1, node.retry) };
    case 'parallel': {
      const branches = node.branches.map((b) => graphPods(b, false, width));
      return {
        successful: 2 + branches.reduce((n, b) => n + b.successful, 0),
        withRetries: 2 + branches.reduce((n, b) => n + b.withRetries, 0),
      };
    }
    case 'map': {
      const b = graphPods(node.branch, false, width);
      return { successful: 2 + width * b.successful, withRetries: 2 + width * b.withRetries };
    }
    case 'dag': {
      const b = graphPods(node.branch, false, width);
      return { successful: 2 + b.successful, withRetries: 2 + b.withRetries };
    }
    default:
      return { successful: 1, withRetries: 1 };
  }
}

export function podsPerRun(ir: Pipeline, mapWidth: number): PodCount {
  return graphPods(ir.root, true, mapWidth);
}

const pct = (n: number, of: number) => `${((100 * n) / of).toFixed(1)}%`;
const num = (n: number) => n.toLocaleString('en-US');

// What one node of status.nodes costs (id, name, displayName, type, templateName, phase, boundaryID, times,
// progress, resourcesDuration, children, inputs, outputs.exitCode, hostNodeName): ~700 bytes measured on the
// controller harness's nodes for dagc's pods, their inputs (path, then, else) included.
const STATUS_BYTES_PER_NODE = 700;

/** Nodes a run adds to status.nodes: every task of every DAG template it enters is one (Omitted ones too), every
 * pod attempt one more; maps repeat their item templates `width` times (counted through the pods). */
export function statusEstimate(compiled: ArgoCompilation, pods: PodCount): { nodes: number; bytes: number } {
  let tasks = 0;
  for (const o of compiled.objects ?? []) {
    const spec = o.spec as Record<string, unknown> | undefined;
    const list = (((spec?.workflowSpec as Record<string, unknown> | undefined) ?? spec)?.templates as Record<string, unknown>[] | undefined) ?? [];
    for (const t of list) tasks += ((t.dag as { tasks?: unknown[] } | undefined)?.tasks?.length ?? 0) + 1;
  }
  const nodes = tasks + pods.withRetries;
  return { nodes, bytes: nodes * STATUS_BYTES_PER_NODE };
}

/** The budget as a small aligned table. */
export function formatBudget(source: string, compiled: ArgoCompilation, pods: PodCount, mapWidth: number): string {
  const s = compiled.stats;
  if (!s) return '';
  const status = statusEstimate(compiled, pods);
  // Argo keeps the workflow and its status in one object: past 1 MiB (MAX_WORKFLOW_SIZE) it compresses
  // status.nodes (gzip, base64), and past that it fails the workflow unless the controller offloads node status to
  // its database (persistence.nodeStatusOffLoad: docs/offloading-large-workflows.md).
  const whole = status.bytes + s.bytes;
  const rows: [string, string, string][] = [
    ['objects', num(s.objects), s.objects > 1 ? `the workflow and ${num(s.objects - 1)} WorkflowTemplates (templateRef), ${num(s.totalBytes)} bytes in all` : 'one'],
    ['manifest size', `${num(s.bytes)} bytes`, `${pct(s.bytes, MANIFEST_LIMIT)} of 1 MiB${s.objects > 1 ? ' (the largest object)' : ''}${s.bytes > CLIENT_APPLY_LIMIT ? ' (over 256 KiB: no client-side kubectl apply)' : ''}`],
    [
      'status size',
      `~${num(status.bytes)} bytes`,
      `${num(status.nodes)} nodes; with the workflow ${pct(whole, MANIFEST_LIMIT)} of 1 MiB${whole > MANIFEST_LIMIT ? ': the controller compresses status.nodes, and needs node-status offloading (persistence.nodeStatusOffLoad) past that' : ''}`,
    ],
    ['largest value', `${num(s.largestValue.bytes)} bytes`, `${pct(s.largestValue.bytes, VALUE_LIMIT)} of 128 KiB (${s.largestValue.where})`],
    ['templates', num(s.templates), `${pct(s.templates, TEMPLATES_LIMIT)} of ${TEMPLATES_LIMIT}`],
    ['largest DAG', `${num(s.largestDag.tasks)} tasks`, `${pct(s.largestDag.tasks, TASKS_LIMIT)} of ${TASKS_LIMIT} (${s.largestDag.template})`],
    ['longest name', `${s.longestName.length} chars`, `${pct(s.longestName.length, s.longestName.limit)} of ${s.longestName.limit} (${s.longestName.name})`],
    ['pods per run', num(pods.successful), `every step succeeding at once, maps ${mapWidth} wide`],
    ['pods at most', num(pods.withRetries), 'the same path with every attempt of every step'],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = rows.map(([a, b, c]) => `  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  return `${source}: Argo ${compiled.settings.kind} budget\n${lines.join('\n')}\n`;
}
