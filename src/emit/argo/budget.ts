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

/** The budget as a small aligned table. */
export function formatBudget(source: string, compiled: ArgoCompilation, pods: PodCount, mapWidth: number): string {
  const s = compiled.stats;
  if (!s) return '';
  const rows: [string, string, string][] = [
    ['manifest size', `${num(s.bytes)} bytes`, `${pct(s.bytes, MANIFEST_LIMIT)} of 1 MiB${s.bytes > CLIENT_APPLY_LIMIT ? ' (over 256 KiB: no client-side kubectl apply)' : ''}`],
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
