// IR → the Argo manifest as plain data. One DAG template per graph (plan.ts decides its tasks), one DAG
// template per composite node (fan-out → branches → fan-in, the protocol of DESIGN.md §4), and the shared
// container templates (containers.ts).
//
// Argo semantics this relies on (docs/enhanced-depends-logic.md, docs/walk-through/dag.md,
// docs/fields.md, docs/variables.md in argoproj/argo-workflows):
//  - `depends` operands `task.Succeeded`, `.Failed`, `.Errored`, `.Skipped`, `.Omitted`; a task runs once every
//    task it names is done and the expression holds, and is Omitted otherwise;
//  - `failFast` (default true) stops scheduling new tasks once one failed: every DAG here routes failures
//    (on_failure, the fail node, a fan-in that must close the composite), so it is always false;
//  - `withParam` over a JSON list expands a task per item (`{{item}}`); an empty list makes it Skipped;
//  - `when` false makes a task Skipped; a DAG template's `parallelism` caps its running children.
import type { CompositeNode, Graph, MapNode, Node, Pipeline } from '../../ir/types.js';
import { MAP_PLACEHOLDER, childGraphs, isComposite } from '../../ir/types.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { ArgoSettings } from './config.js';
import { assignTaskNames, taskName, templateName } from './argo-names.js';
import type { ContainerTemplates, Manifest, Shape } from './containers.js';
import { FAN_OUTPUT, STEP_INPUTS } from './containers.js';
import type { ExposedParameter } from './parameters.js';
import { escapeArgoBraces } from './parameters.js';
import type { GraphPlan, PlannedTask } from './plan.js';
import { planGraph } from './plan.js';
import type { PodResolver } from './pod-settings.js';
import { FOLD_SEPARATOR } from './scripts.js';
import { chunkGraph, groupBranches, suffixedName } from './split.js';

export const ENTRY_TEMPLATE = 'main';
/** The workflow's exit handler (spec.onExit): one pod that closes a run the workflow ended early. */
export const EXIT_TEMPLATE = 'dagc-exit';

export interface BuildContext {
  readonly ir: Pipeline;
  readonly settings: ArgoSettings;
  readonly pods: PodResolver;
  readonly containers: ContainerTemplates;
  readonly exposed: readonly ExposedParameter[];
}

export interface BuiltTemplates {
  /** DAG templates (entry first, then depth-first), then container templates. */
  readonly templates: Manifest[];
  readonly plans: readonly GraphPlan[];
  readonly diagnostics: Diagnostic[];
}

/** Template-name key of a dot path: the map placeholder reads as `each` (map and parallel nodes cannot share a name). */
function nameKey(prefix: string, dotPath: string): string {
  return [prefix, ...dotPath.split('.').map((p, i) => (i % 2 === 1 && p === MAP_PLACEHOLDER ? 'each' : p))].join('.');
}

const mapIndexInput = '{{inputs.parameters.map-index}}';
// The fan-in runs whatever became of a branch, Omitted included: a branch is Omitted when its fan-out pod died
// (OOMKilled, evicted, lost), and without the fan-in nothing would close the composite (issue 13).
const anyOutcome = (t: string) => `(${t}.Succeeded || ${t}.Failed || ${t}.Errored || ${t}.Skipped || ${t}.Omitted)`;

class Builder {
  readonly dags: Manifest[] = [];
  readonly plans: GraphPlan[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly templateOwners = new Map<string, string>();

  constructor(private readonly ctx: BuildContext) {}

  private claimTemplate(name: string, owner: string, file: string): string {
    const first = this.templateOwners.get(name);
    if (first !== undefined && first !== owner)
      this.diagnostics.push({
        code: 'DAGC-NAME-COLLISION',
        severity: 'error',
        message: `"${first}" and "${owner}" both become the Argo template name "${name}"`,
        hint: 'rename one of the steps: names must stay distinct once lower-cased and reduced to letters, digits and "-"',
        file,
        start: { line: 1, column: 1 },
      });
    this.templateOwners.set(name, owner);
    return name;
  }

  /** The pod of a node's own work (its step, or its fan-out and fan-in). */
  private shape(node: Node, kind: Shape['kind'], attempts: number, start: boolean): string {
    const { pod, label } = this.ctx.pods.forNode(node);
    return this.ctx.containers.nameOf({ kind, pod, attempts, start: start && this.ctx.exposed.length > 0, label });
  }

  private chainArgs(task: Pick<PlannedTask, 'then' | 'else'>): Manifest[] {
    const out: Manifest[] = [];
    const join = (nodes: readonly Node[]) => nodes.map((n) => n.internalName).join(FOLD_SEPARATOR);
    if (task.then.length) out.push({ name: STEP_INPUTS.then, value: escapeArgoBraces(join(task.then)) });
    if (task.else.length) out.push({ name: STEP_INPUTS.else, value: escapeArgoBraces(join(task.else)) });
    return out;
  }

  /** A graph's DAG template; returns its name. */
  graph(graph: Graph, inMap: boolean, isRoot: boolean): string {
    const name = isRoot ? ENTRY_TEMPLATE : this.claimTemplate(templateName(nameKey('g', graph.internalName)), `graph ${graph.internalName}`, graph.file);
    const plan = planGraph(graph, isRoot);
    this.plans.push(plan);
    const slot = this.dags.length;
    this.dags.push({});

    const named = assignTaskNames(
      plan.tasks.map((t) => ({ key: t.node.name, name: taskName(t.node.name), file: t.node.source.file })),
      isRoot ? 'the pipeline' : `branch "${graph.internalName}"`,
    );
    this.diagnostics.push(...named.diagnostics);
    const nameOf = (step: string) => named.names.get(step) as string;
    const startName = plan.tasks.find((t) => t.incoming.length === 0)?.node.name;

    const tasks = plan.tasks.map((t): Manifest => {
      const task: Manifest = { name: nameOf(t.node.name) };
      const parameters: Manifest[] = [];
      if (isComposite(t.node)) {
        task.template = this.composite(t.node, t, inMap, isRoot && t.node.name === startName);
      } else {
        const attempts = t.node.type === 'task' ? Math.max(1, t.node.retry) : 1;
        task.template = this.shape(t.node, 'step', attempts, isRoot && t.node.name === startName);
        parameters.push({ name: STEP_INPUTS.path, value: escapeArgoBraces(t.node.internalName) });
        parameters.push(...this.chainArgs(t));
        // The run's fail node fails its task, so the Workflow ends Failed (scripts.ts).
        if (isRoot && t.node.type === 'fail') parameters.push({ name: STEP_INPUTS.mode, value: 'fail' });
      }
      if (inMap) parameters.splice(isComposite(t.node) ? 0 : 1, 0, { name: STEP_INPUTS.mapIndex, value: mapIndexInput });
      const depends = this.depends(t, nameOf);
      if (depends) task.depends = depends;
      if (parameters.length) task.arguments = { parameters };
      return task;
    });

    const template: Manifest = { name };
    if (inMap) template.inputs = { parameters: [{ name: STEP_INPUTS.mapIndex }] };
    template.dag = { failFast: false, tasks };
    this.dags[slot] = template;
    if (tasks.length > this.ctx.settings.limits.tasksPerDag) {
      // More tasks than one DAG template holds: nested chunk templates (split.ts).
      const split = chunkGraph({
        name,
        inputs: template.inputs as Manifest | undefined,
        planned: plan.tasks,
        tasks,
        nameOf,
        depends: (incoming, requiresOmitted) => this.depends({ incoming, requiresOmitted } as PlannedTask, nameOf),
        chunkName: (i) => this.claimTemplate(suffixedName(name, `part-${i + 1}`), `graph ${graph.internalName}`, graph.file),
        pass: inMap ? [{ name: STEP_INPUTS.mapIndex, value: mapIndexInput }] : [],
        limit: this.ctx.settings.limits.tasksPerDag,
      });
      this.diagnostics.push(...split.diagnostics);
      if (split.templates.length) {
        this.dags[slot] = split.templates[0]!;
        this.dags.push(...split.templates.slice(1));
      }
    }
    return name;
  }

  private depends(t: PlannedTask, nameOf: (step: string) => string): string | undefined {
    if (t.incoming.length === 0) return undefined;
    const terms = t.incoming.map((e) => (e.outcome === 'Succeeded' ? `${nameOf(e.from)}.Succeeded` : `${nameOf(e.from)}.Failed || ${nameOf(e.from)}.Errored`));
    const any = terms.join(' || ');
    return t.requiresOmitted ? `(${any}) && ${nameOf(t.requiresOmitted)}.Omitted` : any;
  }

  /** A composite node's DAG template: fan-out, its branches, fan-in (which also runs the folded nodes). */
  private composite(node: CompositeNode, chains: Pick<PlannedTask, 'then' | 'else'>, inMap: boolean, start: boolean): string {
    const name = this.claimTemplate(templateName(nameKey('c', node.internalName)), `step ${node.internalName}`, node.source.file);
    const slot = this.dags.length;
    this.dags.push({});
    const pass = inMap ? [{ name: STEP_INPUTS.mapIndex, value: mapIndexInput }] : [];
    const fan = `{{tasks.fan-out.outputs.parameters.${FAN_OUTPUT}}}`;

    const tasks: Manifest[] = [
      {
        name: 'fan-out',
        template: this.shape(node, 'fan-out', 1, start),
        arguments: {
          parameters: [{ name: STEP_INPUTS.path, value: escapeArgoBraces(node.internalName) }, ...pass, { name: STEP_INPUTS.format, value: node.type === 'map' ? 'indices' : 'count' }],
        },
      },
    ];
    const branchTasks: string[] = [];
    if (node.type === 'map') {
      const item = inMap ? `${mapIndexInput},{{item}}` : '{{item}}';
      tasks.push({
        name: 'items',
        template: this.graph((node as MapNode).branch, true, false),
        depends: 'fan-out.Succeeded',
        arguments: { parameters: [{ name: STEP_INPUTS.mapIndex, value: item }] },
        withParam: fan,
      });
      branchTasks.push('items');
    } else {
      const graphs = childGraphs(node);
      const named = assignTaskNames(
        graphs.map((g) => {
          const branch = g.internalName.slice(node.internalName.length + 1);
          return { key: branch, name: node.type === 'dag' ? 'branch' : templateName(`branch.${branch}`), file: node.source.file };
        }),
        `step "${node.internalName}"`,
      );
      this.diagnostics.push(...named.diagnostics);
      for (const g of graphs) {
        const taskName = named.names.get(g.internalName.slice(node.internalName.length + 1)) as string;
        const task: Manifest = {
          name: taskName,
          template: this.graph(g, inMap, false),
          depends: 'fan-out.Succeeded',
          // 0 when a re-run took the whole node from the previous run: its branches must not run.
          when: `${fan} > 0`,
        };
        if (pass.length) task.arguments = { parameters: pass };
        tasks.push(task);
        branchTasks.push(taskName);
      }
    }
    const limit = this.ctx.settings.limits.tasksPerDag;
    if (node.type !== 'map' && branchTasks.length + 2 > limit) {
      // More branches than the composite's DAG template holds: groups of branches (split.ts).
      const grouped = groupBranches({
        tasks: tasks.splice(1),
        limit,
        groupName: (i) => this.claimTemplate(suffixedName(name, `branches-${i + 1}`), `step ${node.internalName}`, node.source.file),
        inputs: inMap ? { parameters: [{ name: STEP_INPUTS.mapIndex }] } : undefined,
        pass,
        depends: 'fan-out.Succeeded',
        when: `${fan} > 0`,
      });
      tasks.push(...grouped.tasks);
      this.dags.push(...grouped.templates);
      branchTasks.splice(0, branchTasks.length, ...grouped.tasks.map((t) => String(t.name)));
    }
    tasks.push({
      name: 'fan-in',
      template: this.shape(node, 'step', 1, false),
      // The fan-in closes the node whatever its branches did: it reads their outcome from the run log.
      depends: branchTasks.map(anyOutcome).join(' && '),
      arguments: {
        parameters: [
          { name: STEP_INPUTS.path, value: escapeArgoBraces(node.internalName) },
          ...pass,
          ...this.chainArgs(chains),
          { name: STEP_INPUTS.mode, value: 'in' },
        ],
      },
    });

    const template: Manifest = { name };
    if (inMap) template.inputs = { parameters: [{ name: STEP_INPUTS.mapIndex }] };
    const { pod } = this.ctx.pods.forNode(node);
    // The node's own parallelism (an override) caps its branches or map items; the global one is spec.parallelism.
    if (pod.parallelism !== undefined && pod.parallelism !== this.ctx.settings.pod.parallelism) template.parallelism = pod.parallelism;
    template.dag = { failFast: false, tasks };
    this.dags[slot] = template;
    return name;
  }
}

export function buildTemplates(ctx: BuildContext): BuiltTemplates {
  const builder = new Builder(ctx);
  builder.graph(ctx.ir.root, false, true);
  // Argo runs the exit handler however the workflow ends (Succeeded, Failed, Error, a deadline, `argo stop`;
  // not `argo terminate`: workflow/controller/exit_handler.go, operator.go). A workflow that ended before the
  // pipeline did leaves steps PROCESSING (a pod killed mid-step, a failure chain Argo never ran); the handler
  // closes them and the run FAIL, and leaves a finished run as it is (dagc fan close, runtime/close-run.ts).
  const closer = ctx.containers.nameOf({ kind: 'step', pod: ctx.settings.pod, attempts: 1, start: false, exitHandler: true });
  builder.dags.push({
    name: EXIT_TEMPLATE,
    dag: {
      tasks: [
        {
          name: 'close-run',
          template: closer,
          arguments: {
            parameters: [
              { name: STEP_INPUTS.path, value: '{{workflow.status}}' },
              { name: STEP_INPUTS.mode, value: 'close' },
            ],
          },
        },
      ],
    },
  });
  return {
    templates: [...builder.dags, ...ctx.containers.templates()],
    plans: builder.plans,
    diagnostics: [...builder.diagnostics],
  };
}

