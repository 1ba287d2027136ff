// `dagc deploy|submit|watch|logs|runs list --target argo`: the pipeline as Kubernetes objects (a WorkflowTemplate
// holding the whole workflow, and a CronWorkflow that runs it by reference when the config schedules it), applied
// server-side with field manager "dagc"; runs are Workflows from the template, named by the run id.
// Because the CronWorkflow only names the template (workflowTemplateRef), a changed step changes the template
// alone. Labels: app.kubernetes.io/managed-by=dagc and dagc.dev/pipeline=<pipeline> on everything (prune and
// runs list select by them); the dag hash is the template's annotation, as dagc compile writes it.
import { parse as parseYaml } from 'yaml';
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import type { Inputs } from '../../config/inputs.js';
import type { DagcConfig } from '../../config/types.js';
import { UserError } from '../../core/errors.js';
import { compileLoaded } from '../../library/compile.js';
import type { Target } from '../../library/targets.js';
import type { Reporter } from '../../library/types.js';
import type { ArgoDeploySettings } from '../settings.js';
import type { DeployOptions, DeployRequest, ResourceOutcome, RunRequest } from '../types.js';
import { MANAGED_BY_KEY, MANAGED_BY_VALUE, PIPELINE_KEY, RemoteError } from '../types.js';
import { applyObject, pruneKind } from './apply.js';
import type { KubeObject, Where } from './apply.js';
import { kubeTarget } from './config.js';
import type { KubeTarget } from './config.js';
import { failureOf, kubeError } from './errors.js';
import { kubeSdk } from './sdk.js';
import { kubeMaxAttempts, makeRetryingClient } from './retry.js';

const GROUP_VERSION = 'argoproj.io/v1alpha1';
/** Keys of the argo executor config that make a CronWorkflow; the template is rendered without them. */
const SCHEDULE_KEYS = ['kind', 'schedules', 'schedule', 'cron_schedule', 'timezone', 'concurrency_policy'];

export interface ArgoContext {
  readonly request: DeployRequest;
  readonly compiler: Target;
  readonly inputs: Inputs;
  readonly settings: ArgoDeploySettings;
  readonly pipeline: string;
  readonly report: Reporter;
}

export interface ArgoRunContext {
  readonly request: RunRequest;
  readonly settings: ArgoDeploySettings;
  readonly pipeline: string;
}

interface Cluster extends KubeTarget {
  readonly api: KubernetesObjectApi;
  readonly where: Where;
}

async function connect(request: RunRequest, settings: ArgoDeploySettings): Promise<Cluster> {
  const target = await kubeTarget(request.env, { context: request.context, namespace: request.namespace, configNamespace: settings.namespace });
  const { KubernetesObjectApi } = await kubeSdk();
  // As KubernetesObjectApi.makeApiClient, through the retrying HTTP layer (retry.ts); its default namespace is
  // not needed: every object and list dagc sends names its namespace.
  const api = await makeRetryingClient(target.kc, KubernetesObjectApi, request.env);
  return { ...target, api, where: { server: target.server, namespace: target.namespace, attempts: kubeMaxAttempts(request.env) } };
}

/** Argo's CRDs answer, or the command stops here saying Argo is not installed (nothing is applied). */
async function requireArgo(cluster: Cluster, kinds: readonly string[]): Promise<void> {
  for (const kind of kinds) {
    // The client resolves kind → resource through API discovery before any request: a group the server does not
    // serve is a 404 there, a kind the group lacks its "Unrecognized API version and kind".
    let found = true;
    try {
      await cluster.api.list(GROUP_VERSION, kind, cluster.namespace, undefined, undefined, undefined, undefined, undefined, 1);
    } catch (error) {
      const f = failureOf(error);
      if ((f.code === 404 && !/namespaces? "/.test(f.status?.message ?? '')) || /Unrecognized API version and kind/.test((error as Error)?.message ?? '')) found = false;
      else if (f.code !== 403) throw kubeError(error, `discover ${GROUP_VERSION} ${kind}`, cluster.where);
    }
    if (!found)
      throw new RemoteError(
        `Argo Workflows is not installed on ${cluster.server}: the API has no ${kind} (${GROUP_VERSION}); its CRDs are missing`,
        'install Argo Workflows (its CRDs at least: kubectl apply --server-side -k "https://github.com/argoproj/argo-workflows/manifests/base/crds/minimal?ref=<version>")',
      );
  }
}

function labels(ctx: { pipeline: string; settings: ArgoDeploySettings }): Record<string, string> {
  return { ...ctx.settings.labels, [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [PIPELINE_KEY]: ctx.pipeline };
}

function selector(pipeline: string): string {
  return `${MANAGED_BY_KEY}=${MANAGED_BY_VALUE},${PIPELINE_KEY}=${pipeline}`;
}

/** The config with the argo executor rendering a WorkflowTemplate (schedule keys left to the CronWorkflow). */
function templateConfig(config: DagcConfig): DagcConfig {
  const own = Object.fromEntries(Object.entries(config.executor.config ?? {}).filter(([k]) => !SCHEDULE_KEYS.includes(k)));
  return { ...config, executor: { ...config.executor, config: { ...own, kind: 'WorkflowTemplate' } } };
}

/** Every object `dagc compile` writes for `config`: the main one, then a split pipeline's WorkflowTemplates. */
async function render(ctx: ArgoContext, config: DagcConfig): Promise<KubeObject[]> {
  const { files } = await compileLoaded(ctx.compiler, ctx.inputs, config, ctx.request, undefined, ctx.report);
  return files.map((f) => parseYaml(f.text) as KubeObject);
}

/**
 * The desired objects: the WorkflowTemplates of a split pipeline (src/emit/argo/split.ts: templates the main one
 * names by templateRef), the main template, and the CronWorkflow when the config schedules the pipeline. Each is
 * a resource of its own, labelled for this pipeline, so a part the pipeline no longer has is pruned like any.
 */
async function desiredObjects(ctx: ArgoContext, namespace: string): Promise<{ template: KubeObject; objects: KubeObject[] }> {
  const [template, ...parts] = await render(ctx, templateConfig(ctx.inputs.config));
  if (!template) throw new Error('dagc compile wrote no object (dagc bug)');
  const name = template.metadata.name;
  for (const o of [...parts, template]) o.metadata = { ...o.metadata, namespace, labels: { ...(o.metadata.labels ?? {}), ...labels(ctx) } };
  // The parts first: the main template refers to them.
  const objects = [...parts, template];
  if (ctx.inputs.config.executor.config?.['kind'] === 'CronWorkflow') {
    const [cron] = await render(ctx, ctx.inputs.config);
    if (!cron) throw new Error('dagc compile wrote no CronWorkflow (dagc bug)');
    const spec = { ...(cron.spec as Record<string, unknown>) };
    // The schedule's settings as dagc compile renders them (schedules or schedule, timezone, concurrencyPolicy);
    // the workflow itself by reference, so the template is the one place a step lives.
    spec['workflowSpec'] = { workflowTemplateRef: { name } };
    objects.push({
      apiVersion: GROUP_VERSION,
      kind: 'CronWorkflow',
      metadata: { name: cron.metadata.name, namespace, labels: labels(ctx) },
      spec,
    });
  }
  return { template, objects };
}

export async function deployArgo(ctx: ArgoContext, options: DeployOptions): Promise<ResourceOutcome[]> {
  const cluster = await connect(ctx.request, ctx.settings);
  const { objects } = await desiredObjects(ctx, cluster.namespace);
  await requireArgo(cluster, ['WorkflowTemplate', 'CronWorkflow']);
  const outcomes: ResourceOutcome[] = [];
  const dryRun = options.dryRun === true;
  const done = (o: ResourceOutcome) => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  try {
    for (const obj of objects) done(await applyObject(cluster.api, obj, { dryRun, force: options.forceConflicts === true }, cluster.where));
    if (options.prune)
      for (const kind of ['CronWorkflow', 'WorkflowTemplate']) {
        const keep = new Set(objects.filter((o) => o.kind === kind).map((o) => o.metadata.name));
        for (const o of await pruneKind(cluster.api, kind, selector(ctx.pipeline), keep, dryRun, cluster.where)) done(o);
      }
  } catch (error) {
    if (error instanceof RemoteError) throw error.withDone(dryRun ? [] : outcomes.filter((o) => o.action !== 'unchanged'));
    throw error;
  }
  return outcomes;
}

interface WorkflowLike extends KubernetesObject {
  spec?: { workflowTemplateRef?: { name?: string }; arguments?: { parameters?: { name: string; value?: string }[] } };
  status?: { phase?: string; startedAt?: string; finishedAt?: string; message?: string; nodes?: Record<string, { displayName?: string; phase?: string; type?: string; templateName?: string }> };
}

function argumentValue(value: unknown): string {
  // As dagc compile writes workflow arguments (src/emit/argo/parameters.ts): strings that would read back as
  // something else, and every list or mapping, as JSON.
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return JSON.stringify(value);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value) ?? 'null';
}

export async function submitArgo(ctx: ArgoContext, runId: string, useCached: string | undefined): Promise<{ runId: string; id: string; started: boolean }> {
  if (runId.length > 63 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(runId))
    throw new UserError(`run id "${runId}" cannot name a Workflow: Kubernetes names are lower-case letters, digits, "-" and ".", at most 63 here`, 'choose a --run-id such as nightly-2027-01-01');
  const cluster = await connect(ctx.request, ctx.settings);
  const { template } = await desiredObjects(ctx, cluster.namespace);
  await requireArgo(cluster, ['WorkflowTemplate', 'Workflow']);
  const where = cluster.where;
  const templateName = template.metadata.name;
  let deployed: WorkflowLike;
  try {
    deployed = await cluster.api.read<WorkflowLike>({ apiVersion: GROUP_VERSION, kind: 'WorkflowTemplate', metadata: { name: templateName, namespace: cluster.namespace } });
  } catch (error) {
    if (failureOf(error).code === 404) throw new UserError(`the WorkflowTemplate "${templateName}" is not deployed in "${cluster.namespace}"`, 'run dagc deploy with the same pipeline and config first');
    throw kubeError(error, `get WorkflowTemplate ${templateName}`, where);
  }
  // Arguments the deployed template declares: the run id, the run to reuse, and -p parameters it exposes.
  const declared = new Set((deployed.spec?.arguments?.parameters ?? []).map((p) => p.name));
  const parameters: { name: string; value: string }[] = [{ name: 'run_id', value: runId }];
  if (useCached !== undefined) parameters.push({ name: 'use_cached', value: useCached });
  if (ctx.request.parametersFile !== undefined)
    for (const [name, value] of Object.entries(ctx.inputs.parameters)) {
      if (!declared.has(name))
        throw new UserError(`the deployed template does not take the parameter "${name}" as an argument`, 'set expose_parameters_as_inputs: true in the argo executor config and deploy again, or deploy with -p');
      parameters.push({ name, value: argumentValue(value) });
    }
  const workflow = {
    apiVersion: GROUP_VERSION,
    kind: 'Workflow',
    metadata: { name: runId, namespace: cluster.namespace, labels: labels(ctx) },
    spec: { workflowTemplateRef: { name: templateName }, arguments: { parameters } },
  };
  const id = `${cluster.namespace}/${runId}`;
  try {
    await cluster.api.create(workflow);
    return { runId, id, started: true };
  } catch (error) {
    const f = failureOf(error);
    if (f.code !== 409) throw kubeError(error, `create Workflow ${runId}`, where);
  }
  // The name is taken: the same run when it is ours, from the same template, with the same arguments.
  const existing = await cluster.api.read<WorkflowLike>({ apiVersion: GROUP_VERSION, kind: 'Workflow', metadata: { name: runId, namespace: cluster.namespace } }).catch((e: unknown) => {
    throw kubeError(e, `get Workflow ${runId}`, where);
  });
  const same =
    existing.metadata?.labels?.[PIPELINE_KEY] === ctx.pipeline &&
    existing.spec?.workflowTemplateRef?.name === templateName &&
    JSON.stringify(existing.spec?.arguments?.parameters ?? []) === JSON.stringify(parameters);
  if (same) return { runId, id, started: false };
  throw new UserError(`a Workflow named "${runId}" already exists in "${cluster.namespace}" and is not this run`, 'choose another --run-id, or leave it out for a new one');
}

export async function listArgo(ctx: ArgoRunContext): Promise<{ runId: string; status: string; started?: string; ended?: string }[]> {
  const cluster = await connect(ctx.request, ctx.settings);
  await requireArgo(cluster, ['Workflow']);
  let items: WorkflowLike[];
  try {
    items = (await cluster.api.list<WorkflowLike>(GROUP_VERSION, 'Workflow', cluster.namespace, undefined, undefined, undefined, undefined, selector(ctx.pipeline))).items;
  } catch (error) {
    throw kubeError(error, 'list Workflows', cluster.where);
  }
  return items
    .map((w) => ({
      runId: w.metadata?.name ?? '',
      status: w.status?.phase || 'Pending',
      ...(w.status?.startedAt ? { started: String(w.status.startedAt) } : {}),
      ...(w.status?.finishedAt ? { ended: String(w.status.finishedAt) } : {}),
    }))
    .sort((a, b) => (a.started ?? '').localeCompare(b.started ?? '') || a.runId.localeCompare(b.runId));
}

const FINAL: Readonly<Record<string, boolean>> = { Succeeded: true, Failed: false, Error: false };

export async function watchArgo(
  ctx: ArgoRunContext,
  runId: string,
  onEvent: (e: { text: string; tick?: boolean }) => void | Promise<void>,
  opts: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<{ status: string; ok: boolean }> {
  const cluster = await connect(ctx.request, ctx.settings);
  await requireArgo(cluster, ['Workflow']);
  const phases = new Map<string, string>();
  let last = '';
  for (;;) {
    let wf: WorkflowLike;
    try {
      wf = await cluster.api.read<WorkflowLike>({ apiVersion: GROUP_VERSION, kind: 'Workflow', metadata: { name: runId, namespace: cluster.namespace } });
    } catch (error) {
      if (failureOf(error).code === 404) throw new UserError(`no Workflow "${runId}" in "${cluster.namespace}"`, 'dagc runs list --target argo <pipeline> shows the runs');
      throw kubeError(error, `get Workflow ${runId}`, cluster.where);
    }
    // Nodes in the order Argo started them (ids are stable; startedAt orders them), the workflow's own node aside.
    const nodes = Object.entries(wf.status?.nodes ?? {})
      .filter(([, n]) => n.type !== 'DAG' || n.displayName !== runId)
      .sort(([a], [b]) => a.localeCompare(b));
    for (const [nodeId, n] of nodes) {
      const phase = n.phase ?? 'Pending';
      if (phases.get(nodeId) === phase) continue;
      phases.set(nodeId, phase);
      await onEvent({ text: `${n.displayName ?? nodeId}: ${phase}` });
    }
    await onEvent({ text: '', tick: true });
    const phase = wf.status?.phase || 'Pending';
    if (phase !== last) await onEvent({ text: `run ${runId}: ${phase}${wf.status?.message ? ` (${wf.status.message})` : ''}` });
    last = phase;
    if (Object.hasOwn(FINAL, phase)) return { status: phase, ok: FINAL[phase]! };
    if (opts.signal?.aborted) throw new RemoteError('stopped watching');
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
  }
}

export async function logsArgo(ctx: ArgoRunContext, runId: string, step: string | undefined): Promise<{ step: string; source: string; text: string }[]> {
  const cluster = await connect(ctx.request, ctx.settings);
  const { CoreV1Api } = await kubeSdk();
  const core = await makeRetryingClient(cluster.kc, CoreV1Api, ctx.request.env);
  let pods;
  try {
    pods = (await core.listNamespacedPod({ namespace: cluster.namespace, labelSelector: `workflows.argoproj.io/workflow=${runId}` })).items;
  } catch (error) {
    throw kubeError(error, `list the pods of ${runId}`, cluster.where);
  }
  const named = pods
    .map((p) => ({ pod: p.metadata?.name ?? '', node: p.metadata?.annotations?.['workflows.argoproj.io/node-name'] ?? p.metadata?.name ?? '' }))
    .filter((p) => step === undefined || p.node === step || p.node.endsWith(`.${step}`) || p.node.includes(`.${step}(`))
    .sort((a, b) => a.node.localeCompare(b.node));
  if (named.length === 0)
    throw new UserError(
      step ? `no pod of run "${runId}" ran the step "${step}" in "${cluster.namespace}"` : `run "${runId}" has no pods in "${cluster.namespace}"`,
      `pods may have been garbage-collected (pod_gc): dagc logs ${runId}${step ? ` ${step}` : ''} -c CONFIG reads the output the run captured in its catalog`,
    );
  const out: { step: string; source: string; text: string }[] = [];
  for (const p of named) {
    try {
      const text = await core.readNamespacedPodLog({ name: p.pod, namespace: cluster.namespace, container: 'main' });
      out.push({ step: p.node, source: `pod ${p.pod}`, text: String(text) });
    } catch (error) {
      throw kubeError(error, `read the log of pod ${p.pod}`, cluster.where);
    }
  }
  return out;
}
