// Catalog flow, asked of the IR before anything runs: a step's `get` can only fetch what a step that ran
// before it `put` (every step starts from its image and an empty data folder: DESIGN.md §3 invariant 1). A get
// that no step able to run earlier puts, on any path to it, fails at run time ("nothing matches"); `dagc
// validate` says so first. "Earlier" is: the steps of its own graph that can reach it (through next or the
// failure route), everything inside those that are composites, and the same for each enclosing composite in
// its own graph. Branches of one parallel and items of one map run side by side, so none is earlier than another.
import type { Diagnostic } from '../core/diagnostics.js';
import type { CompositeNode, Graph, Node, StubNode, TaskNode } from './types.js';
import { childGraphs } from './types.js';
import { routeAfter } from './routes.js';
import { reachableFrom } from '../core/graph.js';
import { walk } from './walk.js';

type CatalogNode = TaskNode | StubNode;

const hasCatalog = (node: Node): node is CatalogNode => (node.type === 'task' || node.type === 'stub') && node.catalog !== undefined;

/** The nodes of `graph` that can run before `name` (they reach it through next or the failure route). */
function predecessors(graph: Graph, name: string): Node[] {
  const into = new Map<string, Node[]>();
  for (const node of graph.nodes)
    for (const outcome of ['success', 'failure'] as const) {
      const to = routeAfter(graph, node, outcome);
      if (to === undefined) continue;
      if (!into.has(to)) into.set(to, []);
      into.get(to)!.push(node);
    }
  // Reachability backwards: from `name` along the incoming routes (breadth first, `name` itself left out).
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  const found = reachableFrom([name], (to) => (into.get(to) ?? []).map((from) => from.name));
  return [...found].slice(1).map((n) => byName.get(n)!);
}

/** Every catalog node inside a node (itself included). */
function* within(node: Node): Generator<CatalogNode> {
  if (hasCatalog(node)) yield node;
  for (const g of childGraphs(node)) for (const loc of walk(g)) if (hasCatalog(loc.node)) yield loc.node;
}

/** A pathlib-style glob as a regular expression over a whole '/'-separated name. */
function globRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (ch === '*') re += '[^/]*';
    else if (ch === '?') re += '[^/]';
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        const body = pattern.slice(i + 1, close);
        re += `[${body.startsWith('!') ? `^${body.slice(1)}` : body}]`;
        i = close;
      }
    } else re += ch.replace(/[.+^${}()|\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 's');
}

const isLiteral = (pattern: string) => !/[*?[]/.test(pattern);

/** Whether a put of `put` may produce a name a get of `get` matches (both folder-qualified). */
export function mayOverlap(put: string, get: string): boolean {
  if (isLiteral(put) && isLiteral(get)) return put === get;
  if (isLiteral(put)) return globRegExp(get).test(put);
  if (isLiteral(get)) return globRegExp(put).test(get);
  // Two globs: a name both match starts with both literal heads and ends with both literal tails.
  const head = (p: string) => p.slice(0, p.search(/[*?[]/));
  const tail = (p: string) => p.slice(Math.max(p.lastIndexOf('*'), p.lastIndexOf('?'), p.lastIndexOf(']')) + 1);
  const [hp, hg, tp, tg] = [head(put), head(get), tail(put), tail(get)];
  return (hp.startsWith(hg) || hg.startsWith(hp)) && (tp.endsWith(tg) || tg.endsWith(tp));
}

const folderOf = (node: CatalogNode, fallback: string) => (node.catalog?.computeDataFolder || fallback).replace(/\/+$/, '');

/** Warnings for gets that no earlier step puts, on any path. `folder` is the config's compute_data_folder. */
export function catalogFlowDiagnostics(root: Graph, folder: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { node, graph, ancestors } of walk(root)) {
    if (!hasCatalog(node) || !node.catalog?.get.length) continue;
    const earlier: CatalogNode[] = [];
    const collect = (g: Graph, name: string) => {
      for (const p of predecessors(g, name)) earlier.push(...within(p));
    };
    collect(graph, node.name);
    // Climb: each enclosing composite's own predecessors in the graph that holds it.
    const chain: { graph: Graph; node: CompositeNode }[] = [];
    let holder = root;
    for (const composite of ancestors) {
      chain.push({ graph: holder, node: composite });
      const inner = childGraphs(composite).find((g) => graph.internalName === g.internalName || graph.internalName.startsWith(`${g.internalName}.`));
      holder = inner ?? holder;
    }
    for (const { graph: g, node: c } of chain) collect(g, c.name);
    const puts = earlier.flatMap((p) => (p.catalog?.put ?? []).map((pattern) => `${folderOf(p, folder)}/${pattern}`));
    const own = folderOf(node, folder);
    node.catalog.get.forEach((pattern, i) => {
      if (puts.some((put) => mayOverlap(put, `${own}/${pattern}`))) return;
      out.push({
        code: 'DAGC-CATALOG-GET-NEVER-PUT',
        severity: 'warning',
        message: `step "${node.name}" gets "${pattern}" from the catalog, but no step that can run before it puts it, on any path: the get will find nothing`,
        hint: `put it in an earlier step (catalog: {put: [${pattern}]}); a step sees only its image's files and what its gets fetch, as in a pod`,
        file: node.source.file,
        start: node.source.start,
        pointer: `${node.source.pointer}/catalog/get/${i}`,
      });
    });
  }
  return out;
}
