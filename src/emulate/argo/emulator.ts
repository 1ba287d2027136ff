// Runs an Argo Workflow here, from its manifest (the YAML dagc emitted, parsed; never the IR), with Argo's
// documented semantics for the parts dagc emits (argoproj/argo-workflows docs/, published at
// https://argo-workflows.readthedocs.io/en/latest/ — enhanced-depends-logic/, walk-through/dag/,
// walk-through/loops/, walk-through/conditionals/, walk-through/output-parameters/, retries/, variables/,
// fields/; where the docs are silent, workflow/controller/dag.go and operator.go):
//  - templates: `dag`, `container`, `suspend` (a no-op); inputs.parameters with `value`/`default`, passed
//    `arguments` taking precedence (docs/fields.md, Parameter); `outputs.parameters[].valueFrom.path`
//    (docs/walk-through/output-parameters.md);
//  - DAG tasks: `depends` (docs/enhanced-depends-logic.md) or `dependencies`; a task runs when every task it
//    names is done and the expression holds, else it is Omitted; `when` false → Skipped
//    (docs/walk-through/conditionals.md); `withParam`/`withItems`/`withSequence` expand one task per item with
//    `{{item}}` (docs/walk-through/loops.md), an empty list → Skipped; `failFast` (default true) stops
//    scheduling new tasks once one failed (docs/walk-through/dag.md); the DAG's phase per dag-phase.ts;
//  - `parallelism` on a template (its running children) and on the workflow (running pods);
//  - `retryStrategy`: `limit` retries (`{{retries}}` = 0, 1, …) under `retryPolicy` Always, OnFailure
//    (the default) or OnError (docs/retries.md); backoff delays are not waited for;
//  - `activeDeadlineSeconds` of a container template (the pod fails) and of the workflow (running pods are
//    stopped and their nodes Failed, no new pod starts, the exit handler still runs: exec_control.go);
//  - faults on request (faults.ts, the request format of Argo's controller harness): OOMKilled, eviction, node
//    loss, `argo stop` (running and new nodes Failed, the exit handler runs) and `argo terminate` (the same
//    without the exit handler);
//  - variables (docs/variables.md): workflow.name/namespace/uid/parameters.*, inputs.parameters.*,
//    tasks.*.outputs.parameters.*, tasks.*.status, retries, pod.name, item;
//  - `spec.onExit`: the exit handler runs after the entrypoint with `{{workflow.status}}`;
//  - persistent volume claims: one folder per claim under .argo-volumes/ in the working directory (pod.ts).
// Workflow, WorkflowTemplate (its spec) and CronWorkflow (its workflowSpec, run once) are accepted.
import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Phase } from './dag-phase.js';
import { assessDagPhase, failedOrError } from './dag-phase.js';
import type { TaskResults } from './expression.js';
import { dependsTasks, evaluateDepends, evaluateWhen } from './expression.js';
import type { PodEnvironment } from './pod.js';
import { runPod } from './pod.js';
import { createLimiter } from '../../core/limit.js';
import type { ArgoFault } from './faults.js';
import { FAULT_MESSAGES, FAULT_PHASES, FaultPlan } from './faults.js';
import { UnresolvedError, itemScope, substitute } from './substitute.js';

type Json = Record<string, unknown>;

export interface NodeRecord {
  /** Argo's node name: the workflow name, then task names joined by '.', items as `(i:item)`. */
  readonly name: string;
  readonly template?: string;
  readonly phase: Phase;
  readonly message?: string;
}

export interface EmulationOptions {
  readonly workflowName: string;
  /** Overrides of workflow arguments (like `argo submit -p name=value`). */
  readonly arguments: Readonly<Record<string, string>>;
  /** Secret values for `secretKeyRef`, by environment variable name. */
  readonly secretEnv: Readonly<Record<string, string | undefined>>;
  readonly pod: Omit<PodEnvironment, 'signal'>;
  /** Faults to inject (faults.ts). */
  readonly faults?: readonly ArgoFault[];
  /** The workflow's activeDeadlineSeconds instead of the manifest's (the deadline fault). */
  readonly deadlineSeconds?: number;
  /** WorkflowTemplates its tasks reach through `templateRef` (a split pipeline: emit/argo/split.ts). */
  readonly workflowTemplates?: readonly unknown[];
}

export interface EmulationResult {
  readonly phase: 'Succeeded' | 'Failed' | 'Error';
  readonly message: string;
  readonly nodes: readonly NodeRecord[];
  /** Exit codes of every pod, in the order they ended. */
  readonly exitCodes: readonly number[];
}

interface NodeResult {
  phase: Phase;
  outputs: Record<string, string>;
  message?: string;
  /** Expanded task: its children's phases (for AnySucceeded / AllFailed). */
  children?: Phase[];
}

export class EmulationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmulationError';
  }
}

/** An Argo duration string in ms: a bare number is seconds, else Go's time.ParseDuration form (v1alpha1 utils.go). */
export function parseArgoDuration(text: string): number {
  if (/^-?\d+$/.test(text)) return Number(text) * 1000;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = text;
  if (!rest) return 0;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/.exec(rest);
    if (!m) throw new EmulationError(`unable to parse ${text} as a duration`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  return total;
}

const asList = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const asObject = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** The workflow spec of any of the three kinds. */
export function workflowSpecOf(manifest: unknown): Json {
  const m = asObject(manifest);
  const kind = m.kind;
  if (kind === 'CronWorkflow') return asObject(asObject(m.spec).workflowSpec);
  if (kind === 'Workflow' || kind === 'WorkflowTemplate') return asObject(m.spec);
  throw new EmulationError(`cannot emulate a ${String(kind)}: expected a Workflow, WorkflowTemplate or CronWorkflow`);
}

function expandSequence(seq: Json): unknown[] {
  const num = (v: unknown, d: number) => (v === undefined ? d : Number(v));
  const start = num(seq.start, 0);
  const format = typeof seq.format === 'string' ? seq.format : undefined;
  let values: number[];
  if (seq.count !== undefined) values = Array.from({ length: num(seq.count, 0) }, (_, i) => start + i);
  else {
    const end = num(seq.end, 0);
    values = [];
    if (end >= start) for (let i = start; i <= end; i++) values.push(i);
    else for (let i = start; i >= end; i--) values.push(i);
  }
  // printf-style formats (%02d) are the only ones documented for withSequence.
  return values.map((v) => (format ? format.replace(/%0?(\d*)d/, (_m, w: string) => String(v).padStart(Number(w || 0), '0')) : String(v)));
}

class Engine {
  private readonly templates = new Map<string, Json>();
  /** WorkflowTemplate name → the names of its templates (templateRef). */
  private readonly refs = new Map<string, Set<string>>();
  private readonly globals = new Map<string, string>();
  private readonly podSlots: <T>(work: () => Promise<T>) => Promise<T>;
  /** Stops the workflow's running pods (its deadline, stop, terminate); the exit handler's pods have their own. */
  private readonly abort = new AbortController();
  private readonly exitAbort = new AbortController();
  private inExitHandler = false;
  private readonly faults: FaultPlan;
  /** `argo stop` / `argo terminate` (faults.ts): the workflow's shutdown strategy once one was asked for. */
  private shutdown: 'Stop' | 'Terminate' | undefined;
  /** Volume name → PersistentVolumeClaim name (spec.volumes). */
  private readonly claims = new Map<string, string>();
  readonly nodes: NodeRecord[] = [];
  readonly exitCodes: number[] = [];
  deadlineExceeded = false;
  private skewMs = 0;

  constructor(
    private readonly spec: Json,
    private readonly opts: EmulationOptions,
  ) {
    for (const t of asList(spec.templates)) this.templates.set(String(t.name), t);
    // templateRef: a WorkflowTemplate's template by name. Inside a WorkflowTemplate, `template:` names resolve
    // in that object (Argo's templateresolution); here every object's templates share one map, which is the
    // same thing as long as no two objects give one name to different templates (checked: dagc's split copies
    // only identical container templates).
    for (const wt of opts.workflowTemplates ?? []) {
      const m = asObject(wt);
      const name = String(asObject(m.metadata).name ?? '');
      if (m.kind !== 'WorkflowTemplate' || !name) throw new EmulationError(`expected WorkflowTemplates beside the workflow, not a ${String(m.kind)}`);
      const own = new Set<string>();
      for (const t of asList(asObject(m.spec).templates)) {
        const tname = String(t.name);
        const known = this.templates.get(tname);
        if (known && JSON.stringify(known) !== JSON.stringify(t))
          throw new EmulationError(`the WorkflowTemplate ${name} and another object define the template "${tname}" differently (not emulated)`);
        this.templates.set(tname, t);
        own.add(tname);
      }
      this.refs.set(name, own);
    }
    for (const v of asList(spec.volumes)) {
      const claim = asObject(v.persistentVolumeClaim).claimName;
      if (typeof claim === 'string') this.claims.set(String(v.name), claim);
    }
    this.faults = new FaultPlan(opts.faults);
    this.podSlots = createLimiter(typeof spec.parallelism === 'number' ? spec.parallelism : undefined);
    this.globals.set('workflow.name', opts.workflowName);
    this.globals.set('workflow.namespace', 'default');
    this.globals.set('workflow.uid', randomUUID());
    this.globals.set('workflow.mainEntrypoint', String(spec.entrypoint ?? ''));
    this.globals.set('workflow.serviceAccountName', String(spec.serviceAccountName ?? 'default'));
    this.globals.set('workflow.creationTimestamp', new Date().toISOString().replace(/\.\d+Z$/, 'Z'));
    const declared = asList(asObject(spec.arguments).parameters);
    const names = new Set(declared.map((p) => String(p.name)));
    for (const name of Object.keys(opts.arguments))
      if (!names.has(name)) throw new EmulationError(`the workflow has no argument "${name}" (it declares: ${[...names].join(', ')})`);
    const values: Record<string, string> = {};
    for (const p of declared) {
      const name = String(p.name);
      const given = opts.arguments[name] ?? (typeof p.value === 'string' ? p.value : p.value === undefined ? undefined : String(p.value));
      if (given === undefined) throw new EmulationError(`the workflow argument "${name}" has no value: pass it`);
      // Global variables ({{workflow.name}}) in argument values are resolved once, at submission.
      values[name] = substitute(given, this.globals, true);
    }
    for (const [k, v] of Object.entries(values)) this.globals.set(`workflow.parameters.${k}`, v);
    this.globals.set('workflow.parameters.json', JSON.stringify(Object.entries(values).map(([name, value]) => ({ name, value }))));
  }

  async run(): Promise<EmulationResult> {
    const deadline = this.opts.deadlineSeconds ?? (typeof this.spec.activeDeadlineSeconds === 'number' ? this.spec.activeDeadlineSeconds : undefined);
    const timer = deadline
      ? setTimeout(() => {
          this.deadlineExceeded = true;
          this.abort.abort();
        }, deadline * 1000)
      : undefined;
    let result: NodeResult;
    try {
      result = await this.runTemplate(String(this.spec.entrypoint ?? ''), new Map(), this.opts.workflowName);
    } finally {
      if (timer) clearTimeout(timer);
    }
    let phase: EmulationResult['phase'] = result.phase === 'Error' ? 'Error' : result.phase === 'Failed' || this.deadlineExceeded ? 'Failed' : 'Succeeded';
    // operator.go: a workflow that failed under a shutdown says so; the exit handler runs unless it was
    // terminated (ShutdownStrategy.ShouldExecute).
    const message =
      this.shutdown && phase !== 'Succeeded'
        ? `Stopped with strategy '${this.shutdown}'`
        : this.deadlineExceeded
          ? `Step exceeded its deadline (workflow activeDeadlineSeconds ${deadline})`
          : (result.message ?? '');
    const onExit = this.spec.onExit;
    if (typeof onExit === 'string' && onExit && this.shutdown !== 'Terminate') {
      this.inExitHandler = true;
      this.globals.set('workflow.status', phase);
      const exit = await this.runTemplate(onExit, new Map(), `${this.opts.workflowName}.onExit`);
      if (phase === 'Succeeded' && failedOrError(exit.phase)) phase = 'Failed';
    }
    return { phase, message, nodes: this.nodes, exitCodes: this.exitCodes };
  }

  /** The template a task runs: `template`, or the template of its `templateRef`. */
  private templateOf(task: Json): string {
    return String(task.template ?? asObject(task.templateRef).template ?? '');
  }

  private record(name: string, template: string | undefined, result: NodeResult): NodeResult {
    this.nodes.push({ name, template, phase: result.phase, message: result.message });
    return result;
  }

  private async runTemplate(name: string, args: ReadonlyMap<string, string>, nodeName: string): Promise<NodeResult> {
    const tmpl = this.templates.get(name);
    if (!tmpl) return this.record(nodeName, name, { phase: 'Error', outputs: {}, message: `template "${name}" not found` });
    const scope = new Map(this.globals);
    for (const p of asList(asObject(tmpl.inputs).parameters)) {
      const key = String(p.name);
      const value = args.get(key) ?? (typeof p.value === 'string' ? p.value : undefined) ?? (typeof p.default === 'string' ? p.default : undefined);
      if (value === undefined) return this.record(nodeName, name, { phase: 'Error', outputs: {}, message: `inputs.parameters.${key} was not supplied` });
      scope.set(`inputs.parameters.${key}`, value);
    }
    let result: NodeResult;
    try {
      if (tmpl.dag) result = await this.runDag(tmpl, scope, nodeName);
      else if (tmpl.container) result = await this.runContainer(tmpl, scope, nodeName);
      else if (tmpl.suspend) result = { phase: 'Succeeded', outputs: {} };
      else result = { phase: 'Error', outputs: {}, message: `template "${name}" has no dag, container or suspend: not emulated` };
    } catch (error) {
      if (!(error instanceof UnresolvedError)) throw error;
      result = { phase: 'Error', outputs: {}, message: error.message };
    }
    // After `argo stop` the exit handler's DAG is failed as soon as its pod is created, which completes the
    // workflow: the controller never looks at that pod's node again (it stays Pending), while the pod runs to its
    // end (dag.go assessDAGPhase; a completed workflow is not operated on).
    if (this.inExitHandler && this.shutdown && tmpl.container) {
      this.nodes.push({ name: nodeName, template: name, phase: 'Pending', message: result.message });
      return result;
    }
    return this.record(nodeName, name, result);
  }

  /** Why no new pod may start, if one may not: a shutdown or the workflow's deadline (the exit handler's may). */
  private noNewPods(): string | undefined {
    if (this.inExitHandler) return undefined;
    if (this.shutdown) return `workflow shutdown with strategy: ${this.shutdown}`;
    if (this.deadlineExceeded) return 'Step exceeded its deadline';
    return undefined;
  }

  private shutDown(strategy: 'Stop' | 'Terminate'): void {
    if (this.shutdown) return;
    this.shutdown = strategy;
    this.abort.abort();
  }

  private async runContainer(tmpl: Json, scope: Map<string, string>, nodeName: string): Promise<NodeResult> {
    const retry = tmpl.retryStrategy ? asObject(tmpl.retryStrategy) : undefined;
    const limit = retry ? Number(retry.limit ?? 0) : 0;
    const policy = retry ? String(retry.retryPolicy ?? 'OnFailure') : 'OnFailure';
    const outputs = asList(asObject(tmpl.outputs).parameters)
      .filter((p) => asObject(p.valueFrom).path !== undefined)
      .map((p) => {
        const from = asObject(p.valueFrom);
        return { name: String(p.name), path: String(from.path), default: from.default === undefined ? undefined : String(from.default) };
      });
    const deadline = typeof tmpl.activeDeadlineSeconds === 'number' ? tmpl.activeDeadlineSeconds : Number(tmpl.activeDeadlineSeconds) || undefined;
    const backoff = retry?.backoff ? asObject(retry.backoff) : undefined;
    let firstStart = 0;
    let executionDeadline: number | undefined;
    for (let retries = 0; ; retries++) {
      const podScope = new Map(scope);
      podScope.set('retries', String(retries));
      podScope.set('pod.name', `${nodeName}(${retries})`);
      const container = substitute(asObject(tmpl.container), podScope, false);
      const env: Record<string, string> = {};
      for (const e of asList(container.env)) {
        const key = String(e.name);
        if (typeof e.value === 'string') env[key] = e.value;
        else if (e.valueFrom) {
          const ref = asObject(asObject(e.valueFrom).secretKeyRef);
          const secret = this.opts.secretEnv[key];
          if (ref.name === undefined || secret === undefined)
            return { phase: 'Error', outputs: {}, message: `env ${key}: the secret ${String(ref.name)}/${String(ref.key)} is not available here (set ${key} in the environment of dagc emulate)` };
          env[key] = secret;
        } else env[key] = '';
      }
      const command = [...asList(container.command), ...asList(container.args)].map(String);
      const mounts = asList(container.volumeMounts).flatMap((m): [string, string][] => {
        const claim = this.claims.get(String(m.name));
        const mountPath = String(m.mountPath ?? '');
        return claim && mountPath !== '/' ? [[mountPath.replace(/\/+$/, ''), path.join(this.opts.pod.cwd, '.argo-volumes', claim)]] : [];
      });
      for (const [, local] of mounts) await mkdir(local, { recursive: true });
      if (retries === 0) firstStart = this.now();
      const refused = this.noNewPods();
      if (refused) return { phase: 'Failed', outputs: {}, message: refused };
      // A retry under backoff.maxDuration is killed when that time is up (ARGO_DEADLINE, workflowpod.go
      // getDeadline; the executor's monitorDeadline), whatever the template's own deadline says.
      let podDeadline = deadline;
      if (executionDeadline !== undefined) {
        const left = Math.max(0.001, (executionDeadline - this.now()) / 1000);
        podDeadline = podDeadline === undefined ? left : Math.min(podDeadline, left);
      }
      const result = await this.podSlots(async () => {
        // A pod waiting for a slot when the workflow stopped never starts.
        const refusedNow = this.noNewPods();
        if (refusedNow) return { phase: 'Failed' as const, outputs: {}, message: refusedNow, refused: true };
        const fault = this.faults.take({ path: scope.get('inputs.parameters.path') ?? '', mapIndex: scope.get('inputs.parameters.map-index') ?? '', retries });
        const kill = new AbortController();
        const timer =
          fault && fault.when !== 'success'
            ? setTimeout(() => (fault.kind === 'stop' ? this.shutDown('Stop') : fault.kind === 'terminate' ? this.shutDown('Terminate') : kill.abort()), fault.delayMs ?? 0)
            : undefined;
        const signal = this.inExitHandler ? this.exitAbort.signal : this.abort.signal;
        const ran = await runPod({ command, env, outputs, deadlineSeconds: podDeadline, mounts, kill: kill.signal }, { ...this.opts.pod, signal });
        if (timer) clearTimeout(timer);
        // The pod was killed (oom, evict, node loss), or lost after it ended (node loss at success): what Argo's
        // controller then makes of it (faults.ts).
        const killedBy = kill.signal.aborted ? fault?.kind : fault?.kind === 'node-loss' && fault.when === 'success' ? 'node-loss' : undefined;
        if (killedBy === 'oom' || killedBy === 'evict' || killedBy === 'node-loss')
          return { phase: FAULT_PHASES[killedBy], exitCode: ran.exitCode, outputs: {}, message: FAULT_MESSAGES[killedBy], refused: false };
        return { ...ran, refused: false };
      });
      if (result.exitCode !== undefined) this.exitCodes.push(result.exitCode);
      // The controller fails the node of a pod running when the workflow stopped or passed its deadline
      // (exec_control.go handleExecutionControlError), whatever the pod then did, and retries no more.
      const stoppedBy = this.inExitHandler ? undefined : this.noNewPods();
      if (stoppedBy) return { phase: 'Failed', outputs: {}, message: stoppedBy };
      const attempt: NodeResult = { phase: result.phase, outputs: result.outputs, message: result.message };
      if (result.phase === 'Succeeded') return attempt;
      // The order of workflow/controller/operator.go processNodeRetries: backoff and maxDuration first, then the
      // retry policy, then the limit (children so far > limit).
      const finished = this.now();
      if (backoff) {
        const maxDuration = backoff.maxDuration === undefined ? undefined : parseArgoDuration(String(backoff.maxDuration));
        const maxDeadline = maxDuration === undefined ? undefined : firstStart + maxDuration;
        if (maxDeadline !== undefined && finished > maxDeadline) return { ...attempt, message: 'Max duration limit exceeded' };
        const base = parseArgoDuration(String(backoff.duration ?? ''));
        const factor = Number(backoff.factor ?? 0);
        let wait = factor > 0 ? base * factor ** retries : base;
        const cap = backoff.cap === undefined ? undefined : parseArgoDuration(String(backoff.cap));
        if (cap !== undefined && wait > cap) wait = cap;
        if (maxDeadline !== undefined && finished + wait > maxDeadline) return { ...attempt, message: 'Backoff would exceed max duration limit' };
        // The wait is not slept: the emulator's clock jumps over it (this.now()).
        this.skewMs += wait;
        executionDeadline = maxDeadline;
      }
      const policyAllows = policy === 'Always' || (policy === 'OnFailure' && result.phase === 'Failed') || (policy === 'OnError' && result.phase === 'Error');
      if (!retry || !policyAllows) return attempt;
      if (retries + 1 > limit) return { ...attempt, message: 'No more retries left' };
      this.nodes.push({ name: `${nodeName}(${retries})`, phase: result.phase, message: result.message });
    }
  }

  /** The emulator's clock: the wall clock plus every backoff it skipped instead of waiting. */
  private now(): number {
    return Date.now() + this.skewMs;
  }

  private async runDag(tmpl: Json, scope: Map<string, string>, nodeName: string): Promise<NodeResult> {
    const dag = asObject(tmpl.dag);
    const tasks = asList(dag.tasks);
    const failFast = dag.failFast !== false;
    const slots = createLimiter(typeof tmpl.parallelism === 'number' ? tmpl.parallelism : undefined);
    const deps = new Map<string, string[]>();
    const names = new Set(tasks.map((t) => String(t.name)));
    for (const t of tasks) {
      const d = typeof t.depends === 'string' && t.depends.trim() ? dependsTasks(t.depends) : asList(t.dependencies).map(String);
      const unknown = d.find((x) => !names.has(x));
      if (unknown) return { phase: 'Error', outputs: {}, message: `task ${String(t.name)} depends on "${unknown}", which is not a task of ${String(tmpl.name)}` };
      deps.set(String(t.name), d);
    }
    const states = new Map<string, NodeResult>();
    const running = new Map<string, Promise<void>>();
    const pending = tasks.map((t) => String(t.name));

    const results = (task: string): TaskResults | undefined => {
      const s = states.get(task);
      if (!s) return undefined;
      const kids = s.children ?? [];
      return {
        Succeeded: s.phase === 'Succeeded',
        Failed: s.phase === 'Failed',
        Errored: s.phase === 'Error',
        Skipped: s.phase === 'Skipped',
        Omitted: s.phase === 'Omitted',
        Daemoned: false,
        AnySucceeded: kids.some((p) => p === 'Succeeded'),
        AllFailed: kids.length > 0 && kids.every((p) => p === 'Failed'),
      };
    };
    const taskScope = () => {
      const s = new Map(scope);
      for (const [name, state] of states) {
        s.set(`tasks.${name}.status`, state.phase);
        for (const [k, v] of Object.entries(state.outputs)) s.set(`tasks.${name}.outputs.parameters.${k}`, v);
      }
      return s;
    };

    for (;;) {
      let progressed = false;
      const anyFailed = [...states.values()].some((s) => failedOrError(s.phase));
      for (const name of [...pending]) {
        const d = deps.get(name) ?? [];
        if (!d.every((x) => states.has(x))) continue;
        const task = tasks.find((t) => String(t.name) === name)!;
        let go = true;
        try {
          if (typeof task.depends === 'string' && task.depends.trim()) go = evaluateDepends(task.depends, results);
          else go = d.every((x) => ['Succeeded', 'Skipped'].includes(states.get(x)!.phase));
        } catch (error) {
          pending.splice(pending.indexOf(name), 1);
          states.set(name, this.record(`${nodeName}.${name}`, undefined, { phase: 'Error', outputs: {}, message: (error as Error).message }));
          progressed = true;
          continue;
        }
        if (!go) {
          pending.splice(pending.indexOf(name), 1);
          states.set(name, this.record(`${nodeName}.${name}`, this.templateOf(task), { phase: 'Omitted', outputs: {}, message: 'omitted: depends condition not met' }));
          progressed = true;
          continue;
        }
        // Fail fast: once a task of this DAG failed, no new task starts (docs/walk-through/dag.md).
        if (failFast && anyFailed) continue;
        pending.splice(pending.indexOf(name), 1);
        progressed = true;
        running.set(
          name,
          this.runTask(task, taskScope(), `${nodeName}.${name}`, slots).then((r) => {
            states.set(name, r);
            running.delete(name);
          }),
        );
      }
      if (running.size) await Promise.race(running.values());
      else if (!progressed) break;
    }
    // Under a shutdown (stop, terminate) the controller fails every DAG at once, the exit handler's included
    // (workflow/controller/dag.go assessDAGPhase: isShutdown → Failed).
    const phase = this.shutdown
      ? 'Failed'
      : assessDagPhase(
          tasks.map((t) => ({ name: String(t.name), dependencies: deps.get(String(t.name)) ?? [], phase: states.get(String(t.name))?.phase })),
          typeof dag.target === 'string' ? dag.target : undefined,
        );
    return { phase, outputs: {} };
  }

  private async runTask(task: Json, scope: Map<string, string>, nodeName: string, slots: <T>(work: () => Promise<T>) => Promise<T>): Promise<NodeResult> {
    const ref = task.templateRef === undefined ? undefined : asObject(task.templateRef);
    if (ref && !this.refs.get(String(ref.name))?.has(String(ref.template)))
      return this.record(nodeName, String(ref.template), { phase: 'Error', outputs: {}, message: `templateRef: no template "${String(ref.template)}" in a WorkflowTemplate "${String(ref.name)}"` });
    const template = this.templateOf(task);
    let t: Json;
    try {
      const { name: _name, depends: _depends, ...rest } = task;
      t = substitute(rest, scope, true);
    } catch (error) {
      return this.record(nodeName, template, { phase: 'Error', outputs: {}, message: (error as Error).message });
    }
    const argsOf = (resolved: Json): Map<string, string> => {
      const out = new Map<string, string>();
      for (const p of asList(asObject(resolved.arguments).parameters)) out.set(String(p.name), p.value === undefined ? '' : String(p.value));
      return out;
    };
    const whenHolds = (resolved: Json): boolean => {
      if (typeof resolved.when !== 'string' || !resolved.when.trim()) return true;
      if (resolved.when.includes('{{')) throw new UnresolvedError(resolved.when);
      return evaluateWhen(resolved.when);
    };

    let items: unknown[] | undefined;
    try {
      if (Array.isArray(t.withItems)) items = t.withItems;
      else if (typeof t.withParam === 'string') {
        const parsed: unknown = JSON.parse(t.withParam);
        if (!Array.isArray(parsed)) throw new Error('not a list');
        items = parsed;
      } else if (t.withSequence) items = expandSequence(asObject(t.withSequence));
    } catch (error) {
      return this.record(nodeName, template, { phase: 'Error', outputs: {}, message: `withParam value could not be parsed as a JSON list: ${String(t.withParam)} (${(error as Error).message})` });
    }

    try {
      if (!items) {
        if (!whenHolds(t)) return this.record(nodeName, template, { phase: 'Skipped', outputs: {}, message: `when '${String(t.when)}' evaluated false` });
        return await slots(() => this.runTemplate(template, argsOf(t), nodeName));
      }
      // An expanded task with nothing to expand is Skipped (argo-workflows PR #6912, "Skipped, empty params").
      if (items.length === 0) return this.record(nodeName, template, { phase: 'Skipped', outputs: {}, message: 'Skipped, empty params' });
      const children = await Promise.all(
        items.map(async (item, i) => {
          const label = typeof item === 'string' ? item : JSON.stringify(item);
          const childName = `${nodeName}(${i}:${label})`;
          const resolved = substitute(t, itemScope(item), true);
          if (!whenHolds(resolved)) return this.record(childName, template, { phase: 'Skipped', outputs: {}, message: `when '${String(resolved.when)}' evaluated false` });
          return slots(() => this.runTemplate(template, argsOf(resolved), childName));
        }),
      );
      const failed = children.find((c) => failedOrError(c.phase));
      return this.record(nodeName, template, { phase: failed ? failed.phase : 'Succeeded', outputs: {}, children: children.map((c) => c.phase) });
    } catch (error) {
      if (error instanceof UnresolvedError || (error as Error).name === 'ExpressionError')
        return this.record(nodeName, template, { phase: 'Error', outputs: {}, message: (error as Error).message });
      throw error;
    }
  }
}

export async function emulateWorkflow(manifest: unknown, opts: EmulationOptions): Promise<EmulationResult> {
  return new Engine(workflowSpecOf(manifest), opts).run();
}
