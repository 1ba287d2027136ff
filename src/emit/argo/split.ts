// Pipelines larger than one Argo object holds (issue 16). Three splits, each keeping the routing of plan.ts:
//
// 1. A graph with more tasks than one DAG template allows (the Workflow CRD: 200) becomes a chain of nested DAG
//    templates. The tasks, in a topological order of their routes (file order where free), are cut into chunks
//    of at most `limit - 2` tasks; chunk i holds its tasks plus one task running chunk i+1, which `depends` on
//    the routes into chunk i+1's first task. A cut is only made where every route crossing it leads to that
//    first task, so routes stay `depends` of one DAG template (on_failure included). Why nesting rather than
//    chunks side by side: a DAG template's phase is that of its leaves, an Omitted leaf inheriting Failed from
//    any failed ancestor (argo-workflows workflow/controller/dag.go, assessDAGPhase), so a chunk's phase cannot
//    say which way the run left it; nested, the run's path stays inside each chunk's own `depends`. The graph's
//    fail node (a task wherever a failure routes to it, plan.ts) is copied into every chunk with a route to it —
//    a run of a graph ends once, so only one copy ever runs — and the task running the next chunk also waits for
//    that copy to be Omitted, like the root success node does, so the chunk's only leaf is the way on (a failure
//    on_failure handled cannot fail it). In a branch graph (a parallel branch, a map item, a dag node) every
//    task's failure routes to the fail node by default: without the copies, those routes would cross every cut.
//    Argo's controller nests templates at most 100 deep (controller.go maxAllowedStackDepth): more chunks than
//    CHUNK_DEPTH_LIMIT is refused at the graph's first step.
// 2. A composite node with more branches than its DAG template allows puts its branch tasks in groups (DAG
//    templates of at most `limit` branches), each run by one task of the composite; the fan-in waits for every
//    group whatever became of it, and reads the branches' outcome from the run log as before.
// 3. When one object would hold more templates than the CRD allows, or more bytes than the size budget (which
//    leaves room for the status Argo writes into the Workflow), every DAG template but the entry and the exit
//    handler moves to WorkflowTemplates named from the pipeline (`<name>-templates-1`, …), packed in order
//    under both limits. A task running a template of another object names it with `templateRef` (Argo resolves
//    `template:` inside the object that holds the task: docs/workflow-templates.md), and each object carries a
//    copy of the container templates its DAG templates run (a handful of shapes, containers.ts).
import type { Diagnostic } from '../../core/diagnostics.js';
import type { Node } from '../../ir/types.js';
import { ARGO_NAME_RULES, toBackendName } from '../../ir/names.js';
import { MinHeap } from '../../core/min-heap.js';
import type { Manifest } from './containers.js';
import type { Incoming, PlannedTask } from './plan.js';

export interface ArgoSplitLimits {
  /** Tasks per DAG template (the Workflow CRD: 200). */
  readonly tasksPerDag: number;
  /** Templates per object (the Workflow CRD: 200). */
  readonly templatesPerObject: number;
  /** Bytes of JSON per object (Kubernetes stores JSON; etcd refuses ~1.5 MB, the Workflow's status needs room, and
   * client-side `kubectl apply` stores at most 256 KiB in its annotation). */
  readonly objectBytes: number;
}

export const DEFAULT_SPLIT_LIMITS: ArgoSplitLimits = { tasksPerDag: 200, templatesPerObject: 200, objectBytes: 256 * 1024 };

/** Nested chunk templates allowed per graph: Argo stops at a template depth of 100, and composites nest too. */
export const CHUNK_DEPTH_LIMIT = 80;

/** `<name>-<suffix>` for a name that is already an Argo name; shortened (hash-suffixed) past 63 characters. */
export function suffixedName(name: string, suffix: string): string {
  const joined = `${name}-${suffix}`;
  return joined.length <= ARGO_NAME_RULES.maxLength ? joined : toBackendName(joined, ARGO_NAME_RULES);
}

const at = (node: Node) => ({ file: node.source.file, start: node.source.start, pointer: node.source.pointer });

export interface ChunkRequest {
  /** The graph's DAG template name (chunk 1 keeps it) and its inputs (every chunk declares them). */
  readonly name: string;
  readonly inputs?: Manifest;
  /** The graph's planned tasks and their rendered tasks, index for index. */
  readonly planned: readonly PlannedTask[];
  readonly tasks: readonly Manifest[];
  readonly nameOf: (step: string) => string;
  /** The `depends` of a task with these routes in (the builder's own rendering). */
  readonly depends: (incoming: readonly Incoming[], requiresOmitted?: string) => string | undefined;
  /** The name of chunk `i` (i ≥ 1; chunk 0 is `name`). */
  readonly chunkName: (i: number) => string;
  /** Arguments every chunk gets from its parent (the map index inside a map). */
  readonly pass: readonly Manifest[];
  readonly limit: number;
}

/** Positions in a topological order of the routes, file order where the routes leave a choice; success last. */
function order(planned: readonly PlannedTask[], skip: (t: PlannedTask) => boolean): PlannedTask[] | undefined {
  const index = new Map(planned.map((t, i) => [t.node.name, i]));
  const kept = planned.filter((t) => !skip(t));
  const keptNames = new Set(kept.map((t) => t.node.name));
  const indegree = new Map<string, number>();
  const out = new Map<string, string[]>();
  for (const t of kept) {
    const from = new Set(t.incoming.map((e) => e.from).filter((f) => keptNames.has(f)));
    indegree.set(t.node.name, from.size);
    for (const f of from) {
      const list = out.get(f);
      if (list) list.push(t.node.name);
      else out.set(f, [t.node.name]);
    }
  }
  // The root success node goes last: it must be the last chunk's leaf (plan.ts).
  const rank = (t: PlannedTask) => (t.requiresOmitted ? Number.MAX_SAFE_INTEGER : (index.get(t.node.name) ?? 0));
  const ready = new MinHeap<PlannedTask>(rank);
  for (const t of kept) if (indegree.get(t.node.name) === 0) ready.push(t);
  const byName = new Map(kept.map((t) => [t.node.name, t]));
  const result: PlannedTask[] = [];
  for (let t = ready.pop(); t !== undefined; t = ready.pop()) {
    result.push(t);
    for (const n of out.get(t.node.name) ?? []) {
      const d = (indegree.get(n) ?? 0) - 1;
      indegree.set(n, d);
      if (d === 0) ready.push(byName.get(n)!);
    }
  }
  return result.length === kept.length ? result : undefined;
}

/** A task name not yet used in this DAG template. */
function freeName(base: string, used: Set<string>): string {
  let name = base;
  for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
  used.add(name);
  return name;
}

/** A graph's DAG template as nested chunk templates (the first named as the graph's), or a diagnostic. */
export function chunkGraph(req: ChunkRequest): { templates: Manifest[]; diagnostics: Diagnostic[] } {
  const cap = req.limit - 2;
  const failTask = req.planned.find((t) => t.node.type === 'fail');
  const failName = failTask?.node.name;
  const seq = order(req.planned, (t) => t === failTask);
  const first = req.planned[0]!.node;
  if (!seq)
    return {
      templates: [],
      diagnostics: [{ code: 'DAGC-ARGO-TOO-MANY-TASKS', severity: 'error', message: `the graph starting at "${first.name}" has ${req.planned.length} tasks, over the ${req.limit} of one DAG template, and its routes form no order to split it in`, hint: 'group steps into dag or parallel nodes (each gets its own DAG template)', ...at(first) }],
    };
  const pos = new Map(seq.map((t, i) => [t.node.name, i]));
  // A cut before position k is allowed when every route crossing it leads to position k.
  const blocked = new Array<number>(seq.length + 1).fill(0);
  for (const t of seq)
    for (const e of t.incoming) {
      const from = pos.get(e.from);
      const to = pos.get(t.node.name)!;
      if (from === undefined || to - from < 2) continue;
      blocked[from + 1]! += 1;
      blocked[to]! -= 1;
    }
  const cuttable: boolean[] = [];
  for (let k = 0, run = 0; k <= seq.length; k++) {
    run += blocked[k]!;
    cuttable.push(run === 0);
  }
  const bounds: [number, number][] = [];
  for (let s = 0; s < seq.length; ) {
    if (seq.length - s <= cap) {
      bounds.push([s, seq.length]);
      break;
    }
    let k = s + cap;
    while (k > s && !cuttable[k]) k--;
    if (k === s) {
      const node = seq[s]!.node;
      return {
        templates: [],
        diagnostics: [{ code: 'DAGC-ARGO-TOO-MANY-TASKS', severity: 'error', message: `the graph has ${req.planned.length} tasks, over the ${req.limit} of one DAG template, and from "${node.name}" on no ${cap} steps in a row can be cut from the rest: routes (next, on_failure) cross every cut`, hint: 'route the steps as a chain, or group them into dag or parallel nodes (each gets its own DAG template)', ...at(node) }],
      };
    }
    bounds.push([s, k]);
    s = k;
  }
  if (bounds.length > CHUNK_DEPTH_LIMIT)
    return {
      templates: [],
      diagnostics: [{ code: 'DAGC-ARGO-TOO-DEEP', severity: 'error', message: `the graph starting at "${first.name}" has ${req.planned.length} tasks: ${bounds.length} nested DAG templates of at most ${req.limit} tasks, more than the ${CHUNK_DEPTH_LIMIT} that stay under Argo's template depth of 100`, hint: 'group steps into dag or parallel nodes, or raise executor.config.limits.tasks_per_dag (at most 200)', ...at(first) }],
    };

  const taskOf = new Map(req.planned.map((t, i) => [t.node.name, req.tasks[i]!]));
  const fileIndex = new Map(req.planned.map((t, i) => [t.node.name, i]));
  const templates: Manifest[] = [];
  // The fail task's routes in, by the chunk they come from (one pass: every task may route there).
  const chunkOf = new Map<string, number>();
  bounds.forEach(([s, e], i) => {
    for (let k = s; k < e; k++) chunkOf.set(seq[k]!.node.name, i);
  });
  const failRoutes = new Map<number, Incoming[]>();
  for (const r of failTask?.incoming ?? []) {
    const i = chunkOf.get(r.from);
    if (i === undefined) continue;
    const list = failRoutes.get(i);
    if (list) list.push(r);
    else failRoutes.set(i, [r]);
  }
  bounds.forEach(([s, e], i) => {
    const members = seq.slice(s, e);
    const inChunk = new Set(members.map((t) => t.node.name));
    const used = new Set(members.map((t) => req.nameOf(t.node.name)));
    const rows: [number, Manifest][] = members.map((t, j) => {
      const task = { ...taskOf.get(t.node.name)! };
      // The first task of a later chunk starts it: its routes in are the parent's task running this chunk.
      if (i > 0 && j === 0) delete task.depends;
      return [fileIndex.get(t.node.name)!, task];
    });
    let failHere = false;
    if (failTask && failName) {
      const routes = failRoutes.get(i) ?? [];
      if (routes.length || members.some((t) => t.requiresOmitted)) {
        failHere = true;
        const task = { ...taskOf.get(failName)! };
        const depends = req.depends(routes);
        if (depends) task.depends = depends;
        else delete task.depends;
        rows.push([fileIndex.get(failName)!, task]);
      }
    }
    rows.sort((a, b) => a[0] - b[0]);
    const tasks = rows.map((r) => r[1]);
    if (i < bounds.length - 1) {
      const next = seq[e]!;
      const task: Manifest = { name: freeName(`part-${i + 2}`, used), template: req.chunkName(i + 1) };
      const depends = req.depends(next.incoming.filter((r) => inChunk.has(r.from)), failHere ? failName : undefined);
      if (depends) task.depends = depends;
      if (req.pass.length) task.arguments = { parameters: [...req.pass] };
      tasks.push(task);
    }
    const template: Manifest = { name: i === 0 ? req.name : req.chunkName(i) };
    if (req.inputs) template.inputs = req.inputs;
    template.dag = { failFast: false, tasks };
    templates.push(template);
  });
  return { templates, diagnostics: [] };
}

export interface GroupRequest {
  /** The composite's branch tasks (each runs one branch graph). */
  readonly tasks: readonly Manifest[];
  readonly limit: number;
  readonly groupName: (i: number) => string;
  /** The composite's inputs (the map index inside a map), declared by every group. */
  readonly inputs?: Manifest | undefined;
  readonly pass: readonly Manifest[];
  /** What a branch task waited for and when it ran (the fan-out's success and count), now the group's. */
  readonly depends: string;
  readonly when: string;
}

/** A composite's branch tasks in groups of at most `limit`: the tasks that run the groups, and the groups' templates. */
export function groupBranches(req: GroupRequest): { tasks: Manifest[]; templates: Manifest[] } {
  const tasks: Manifest[] = [];
  const templates: Manifest[] = [];
  for (let i = 0; i * req.limit < req.tasks.length; i++) {
    const members = req.tasks.slice(i * req.limit, (i + 1) * req.limit).map((t) => {
      const inner: Manifest = { ...t };
      delete inner.depends;
      delete inner.when;
      return inner;
    });
    const name = req.groupName(i);
    const template: Manifest = { name };
    if (req.inputs) template.inputs = req.inputs;
    template.dag = { failFast: false, tasks: members };
    templates.push(template);
    const task: Manifest = { name: `branches-${i + 1}`, template: name, depends: req.depends, when: req.when };
    if (req.pass.length) task.arguments = { parameters: [...req.pass] };
    tasks.push(task);
  }
  return { tasks, templates };
}

export interface ObjectRequest {
  /** The Workflow (or WorkflowTemplate, CronWorkflow) with every template in it. */
  readonly manifest: Manifest;
  /** Its templates list (spec.templates or spec.workflowSpec.templates) and how to replace it. */
  readonly templates: readonly Manifest[];
  readonly setTemplates: (templates: Manifest[]) => void;
  /** Templates that stay in the main object (the entry and the exit handler). */
  readonly keep: ReadonlySet<string>;
  readonly limits: ArgoSplitLimits;
  /** The name of the k-th WorkflowTemplate (k ≥ 1). */
  readonly objectName: (k: number) => string;
  readonly metadata: Manifest;
  readonly apiVersion: string;
}

const jsonBytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');
const dagTasks = (t: Manifest) => ((t.dag as { tasks?: Manifest[] } | undefined)?.tasks ?? []);

/** The main object and the WorkflowTemplates its DAG templates moved to (none when it fits as it is). */
export function splitObjects(req: ObjectRequest): Manifest[] {
  const { limits } = req;
  if (req.templates.length <= limits.templatesPerObject && jsonBytes(req.manifest) <= limits.objectBytes) return [req.manifest];
  const containers = new Map(req.templates.filter((t) => !t.dag).map((t) => [String(t.name), t]));
  const dags = req.templates.filter((t) => t.dag);
  const uses = (t: Manifest) => [...new Set(dagTasks(t).map((task) => String(task.template)).filter((n) => containers.has(n)))];
  const withContainers = (group: Manifest[]): Manifest[] => {
    const names = new Set(group.flatMap(uses));
    return [...group, ...[...containers.values()].filter((c) => names.has(String(c.name)))];
  };

  const main = dags.filter((t) => req.keep.has(String(t.name)));
  const groups: Manifest[][] = [];
  // Room for the object around its templates (apiVersion, kind, metadata, spec).
  const overhead = 1024 + jsonBytes(req.metadata);
  let current: Manifest[] = [];
  let bytes = overhead;
  let used = new Set<string>();
  for (const t of dags) {
    if (req.keep.has(String(t.name))) continue;
    const fresh = uses(t).filter((n) => !used.has(n));
    const add = jsonBytes(t) + fresh.reduce((n, c) => n + jsonBytes(containers.get(c)), 0);
    const count = current.length + used.size + 1 + fresh.length;
    if (current.length && (count > limits.templatesPerObject || bytes + add > limits.objectBytes)) {
      groups.push(current);
      current = [];
      used = new Set();
      bytes = overhead;
      const again = uses(t);
      current.push(t);
      for (const c of again) used.add(c);
      bytes += jsonBytes(t) + again.reduce((n, c) => n + jsonBytes(containers.get(c)), 0);
      continue;
    }
    current.push(t);
    for (const c of fresh) used.add(c);
    bytes += add;
  }
  if (current.length) groups.push(current);

  const owner = new Map<string, string>();
  groups.forEach((g, k) => g.forEach((t) => owner.set(String(t.name), req.objectName(k + 1))));
  // A task running a DAG template of another object names that object (templateRef), in the place of `template`.
  const rewrite = (t: Manifest, here: string | undefined): Manifest => {
    const tasks = dagTasks(t).map((task) => {
      const target = owner.get(String(task.template));
      if (target === undefined || target === here) return task;
      const out: Manifest = {};
      for (const [k, v] of Object.entries(task)) {
        if (k === 'template') out.templateRef = { name: target, template: v };
        else out[k] = v;
      }
      return out;
    });
    return { ...t, dag: { ...(t.dag as Manifest), tasks } };
  };
  req.setTemplates(withContainers(main).map((t) => (t.dag ? rewrite(t, undefined) : t)));
  const objects: Manifest[] = [req.manifest];
  groups.forEach((g, k) => {
    const name = req.objectName(k + 1);
    objects.push({
      apiVersion: req.apiVersion,
      kind: 'WorkflowTemplate',
      metadata: { name, ...req.metadata },
      spec: { templates: withContainers(g).map((t) => (t.dag ? rewrite(t, name) : t)) },
    });
  });
  return objects;
}
