// Container templates, one per distinct step shape (DESIGN.md §6): every node whose pod looks the same shares
// one template, and what differs per node (its dot path, map item indices, folded nodes, mode) arrives as
// input parameters. A manifest therefore grows with the number of distinct shapes, not of steps.
import { shortHash } from '../../ir/names.js';
import type { ArgoSettings, PodSettings } from './config.js';
import { CONFIG_PARAMETER, RUN_ID_PARAMETER, USE_CACHED_PARAMETER } from './parameters.js';
import type { ExposedParameter } from './parameters.js';
import { escapeArgoBraces } from './parameters.js';
import { FAN_OUTPUT_PATH, FAN_OUT_SCRIPT, STEP_SCRIPT } from './scripts.js';
import { templateName } from './argo-names.js';

export type Manifest = Record<string, unknown>;

export type ShapeKind = 'step' | 'fan-out';

export interface Shape {
  readonly kind: ShapeKind;
  readonly pod: PodSettings;
  /** Attempts of the node (its `retry`); Argo retries the pod `attempts - 1` times. */
  readonly attempts: number;
  /** The first pod of a run: it creates the run, so it carries the exposed parameters. */
  readonly start: boolean;
  /** Why the pod differs from the global one (an override name), for the template's name. */
  readonly label?: string;
  /** The exit handler's pod: never retried (under `argo stop` Argo fails an exit handler's retried node with the
   * workflow, as its controller showed: test/argo-faults.test.ts). */
  readonly exitHandler?: boolean;
}

export const STEP_INPUTS = { path: 'path', mapIndex: 'map-index', then: 'then', else: 'else', mode: 'mode', format: 'format' } as const;
/** The fan-out's output parameter: a count or a JSON list of item indices. */
export const FAN_OUTPUT = 'fan';

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export interface ContainerContext {
  readonly settings: ArgoSettings;
  /** dagc's own arguments: -f pipeline, --var-file …, -p parameters (paths as the pods see them). */
  readonly dagcArgs: readonly string[];
  readonly exposed: readonly ExposedParameter[];
}

function env(shape: Shape, ctx: ContainerContext): Manifest[] {
  const out: Manifest[] = [
    { name: 'DAGC_CONFIG_JSON', value: `{{workflow.parameters.${CONFIG_PARAMETER}}}` },
    { name: 'DAGC_USE_CACHED', value: `{{workflow.parameters.${USE_CACHED_PARAMETER}}}` },
  ];
  if (shape.start) for (const p of ctx.exposed) out.push({ name: `DAGC_PRM_${p.name}`, value: `{{workflow.parameters.${p.name}}}` });
  for (const e of shape.pod.env) out.push({ name: e.name, value: escapeArgoBraces(e.value) });
  for (const s of shape.pod.secrets)
    out.push({ name: s.environmentVariable, valueFrom: { secretKeyRef: { name: s.secretName, key: s.secretKey } } });
  return out;
}

/** The template body of a shape (without its name). */
export function containerTemplate(shape: Shape, ctx: ContainerContext): Manifest {
  const { pod } = shape;
  const global = ctx.settings.pod;
  const p = (name: string) => `{{inputs.parameters.${name}}}`;
  const retries = (shape.kind === 'step' && !shape.exitHandler) || shape.attempts > 1 ? '{{retries}}' : '0';
  const inputs =
    shape.kind === 'step'
      ? [
          { name: STEP_INPUTS.path },
          { name: STEP_INPUTS.mapIndex, default: '' },
          { name: STEP_INPUTS.then, default: '' },
          { name: STEP_INPUTS.else, default: '' },
          { name: STEP_INPUTS.mode, default: 'exec' },
        ]
      : [{ name: STEP_INPUTS.path }, { name: STEP_INPUTS.mapIndex, default: '' }, { name: STEP_INPUTS.format, default: 'count' }];
  const args =
    shape.kind === 'step'
      ? [p(STEP_INPUTS.mode), `{{workflow.parameters.${RUN_ID_PARAMETER}}}`, p(STEP_INPUTS.path), p(STEP_INPUTS.mapIndex), retries, String(shape.attempts), p(STEP_INPUTS.then), p(STEP_INPUTS.else)]
      : [`{{workflow.parameters.${RUN_ID_PARAMETER}}}`, p(STEP_INPUTS.path), p(STEP_INPUTS.mapIndex), p(STEP_INPUTS.format)];
  const container: Manifest = {
    image: pod.image,
    ...(pod.imagePullPolicy ? { imagePullPolicy: pod.imagePullPolicy } : {}),
    command: ['sh', '-c', shape.kind === 'step' ? STEP_SCRIPT : FAN_OUT_SCRIPT, shape.kind === 'step' ? 'dagc-step' : 'dagc-fan-out'],
    args: [...args, ...ctx.dagcArgs],
    env: env(shape, ctx),
    resources: { limits: { ...pod.resources.limits }, requests: { ...pod.resources.requests } },
  };
  if (ctx.settings.persistentVolumes.length)
    container.volumeMounts = ctx.settings.persistentVolumes.map((v, i) => ({ name: `executor-${i}`, mountPath: v.mountPath }));

  const body: Manifest = { inputs: { parameters: inputs } };
  if (shape.kind === 'fan-out') body.outputs = { parameters: [{ name: FAN_OUTPUT, valueFrom: { path: FAN_OUTPUT_PATH } }] };
  // Argo retries the pod; dagc records each try as an attempt (numbers from {{retries}} + 1).
  if (shape.attempts > 1)
    body.retryStrategy = {
      limit: String(shape.attempts - 1),
      retryPolicy: pod.retryPolicy,
      backoff: {
        duration: pod.backoff.duration,
        factor: pod.backoff.factor,
        ...(pod.backoff.maxDuration !== undefined ? { maxDuration: pod.backoff.maxDuration } : {}),
      },
    };
  // A step without retries is still retried when Argo lost its pod (an Error: "pod deleted" with its node, not a
  // step that failed, which is Failed and not retried under OnError: workflow/controller/operator.go
  // processNodeRetries). The entrypoint sees the step's SUCCESS and records nothing new, so a step whose pod was
  // lost after it succeeded carries on as the pipeline says instead of taking its failure route; a step whose pod
  // was lost while it ran is closed FAIL without a second attempt (runtime/exec-node.ts).
  else if (shape.kind === 'step' && !shape.exitHandler) body.retryStrategy = { limit: '1', retryPolicy: 'OnError' };
  body.activeDeadlineSeconds = pod.maxStepDuration;
  // Pod-level settings already on the workflow spec are only repeated where a node changes them.
  const metadata: Manifest = {};
  if (pod.labels && !sameJson(pod.labels, global.labels)) metadata.labels = pod.labels;
  if (pod.annotations && !sameJson(pod.annotations, global.annotations)) metadata.annotations = pod.annotations;
  if (Object.keys(metadata).length) body.metadata = metadata;
  if (pod.nodeSelector && !sameJson(pod.nodeSelector, global.nodeSelector)) body.nodeSelector = pod.nodeSelector;
  if (pod.tolerations && !sameJson(pod.tolerations, global.tolerations)) body.tolerations = pod.tolerations;
  if (pod.serviceAccountName && pod.serviceAccountName !== global.serviceAccountName) body.serviceAccountName = pod.serviceAccountName;
  body.container = container;
  return body;
}

/** Collects the shapes in order of first use and names them (`dagc-step`, `dagc-step-gpu-r3`, …). */
export class ContainerTemplates {
  private readonly byKey = new Map<string, { name: string; body: Manifest }>();
  private readonly taken = new Map<string, string>();
  /** Shapes seen before, by their parts (pod settings by identity): most steps hit this. */
  private readonly byShape = new Map<string, string>();
  private readonly podIds = new WeakMap<PodSettings, number>();
  private nextPod = 0;

  constructor(private readonly ctx: ContainerContext) {}

  nameOf(shape: Shape): string {
    let podId = this.podIds.get(shape.pod);
    if (podId === undefined) this.podIds.set(shape.pod, (podId = this.nextPod++));
    const quick = `${shape.kind}|${shape.attempts}|${shape.start}|${shape.label ?? ''}|${shape.exitHandler === true}|${podId}`;
    const seen = this.byShape.get(quick);
    if (seen) return seen;
    const name = this.name(shape);
    this.byShape.set(quick, name);
    return name;
  }

  private name(shape: Shape): string {
    const body = containerTemplate(shape, this.ctx);
    const key = JSON.stringify(body);
    const known = this.byKey.get(key);
    if (known) return known.name;
    // Dot paths for templateName: each part stays readable when it already is a valid name.
    const parts = shape.kind === 'step' ? ['dagc', 'step'] : ['dagc', 'fan', 'out'];
    if (shape.label) parts.push(shape.label);
    if (shape.attempts > 1) parts.push(`r${shape.attempts}`);
    if (shape.start) parts.push('start');
    if (shape.exitHandler) parts.push('exit');
    let name = templateName(parts.join('.'));
    // Two shapes with the same label (e.g. one override, different images by mode_config): the content decides.
    if (this.taken.has(name)) name = templateName(`${parts.join('.')}.${shortHash(key)}`);
    this.taken.set(name, key);
    this.byKey.set(key, { name, body });
    return name;
  }

  templates(): Manifest[] {
    return [...this.byKey.values()].map(({ name, body }) => ({ name, ...body }));
  }
}
