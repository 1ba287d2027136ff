// The argo executor's configuration as magnus 0.5 spelled it (magnus-spec.md §6.5 table), plus what the
// issue adds (kind, schedules, env, pod GC, per-node labels/annotations/service account). Parsed once into
// typed settings with a Diagnostic per bad key; `overrides: {NAME: {...}}` entries are checked with the same
// rules as the settings a node may change.
import type { DagcConfig } from '../../config/types.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { Plain } from './config-reader.js';
import { ConfigReader, describe, isPlain } from './config-reader.js';
import { sectionDiagnostic } from '../../config/source.js';
import type { ArgoSplitLimits } from './split.js';
import { DEFAULT_SPLIT_LIMITS } from './split.js';

export type ArgoKind = 'Workflow' | 'WorkflowTemplate' | 'CronWorkflow';
export const ARGO_KINDS: readonly ArgoKind[] = ['Workflow', 'WorkflowTemplate', 'CronWorkflow'];

/** Used when the config has no argo executor section (preview, `dagc emulate`): never pulled by anyone. */
export const PLACEHOLDER_IMAGE = 'dagc-placeholder:latest';

export interface SecretRef {
  readonly environmentVariable: string;
  readonly secretName: string;
  readonly secretKey: string;
}

export interface Backoff {
  readonly duration: string;
  readonly factor: number;
  /** Only when the config sets one: Argo stops retrying once this much time has passed since the first attempt
   * started (and kills a retry at that moment: workflow/controller/operator.go processNodeRetries). */
  readonly maxDuration?: string;
}

/** Everything that shapes one pod: the global settings, or a node's after its override. */
export interface PodSettings {
  readonly image: string;
  readonly imagePullPolicy?: string;
  readonly resources: { readonly limits: Record<string, string>; readonly requests: Record<string, string> };
  readonly nodeSelector?: Record<string, string>;
  readonly tolerations?: readonly Plain[];
  readonly serviceAccountName?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
  readonly env: readonly { readonly name: string; readonly value: string }[];
  readonly secrets: readonly SecretRef[];
  readonly retryPolicy: string;
  readonly backoff: Backoff;
  readonly maxStepDuration: number;
  /** Composite nodes: how many branches or map items run at once (their DAG template's `parallelism`). */
  readonly parallelism?: number;
}

export interface PersistentVolume {
  readonly claimName: string;
  readonly mountPath: string;
}

export interface ArgoSettings {
  /** False when the config had no argo executor section: defaults with a placeholder image (a preview). */
  readonly configured: boolean;
  readonly kind: ArgoKind;
  /** metadata.name (WorkflowTemplate, CronWorkflow) or generateName prefix (Workflow), before sanitising. */
  readonly name?: string;
  readonly pod: PodSettings;
  readonly exposeParameters: boolean;
  readonly outputFile?: string;
  readonly maxWorkflowDuration: number;
  readonly podGC?: { readonly strategy: string; readonly deleteDelayDuration?: string };
  readonly persistentVolumes: readonly PersistentVolume[];
  readonly schedules: readonly string[];
  readonly timezone?: string;
  /** "3.6" and later write `schedules: [...]`; older Argo only knows `schedule: "..."`. */
  readonly argoVersion: string;
  readonly concurrencyPolicy?: string;
  /** Where a large pipeline is split into nested DAG templates and WorkflowTemplates (split.ts). */
  readonly limits: ArgoSplitLimits;
  /** The raw executor config (for resolveNodeConfig's overrides), empty in a preview. */
  readonly raw: Plain;
}

/** What a node may change through `overrides` (magnus 0.5's list, plus labels, annotations, env, secrets, account). */
export const NODE_KEYS = [
  'image',
  'image_pull_policy',
  'resources',
  'node_selector',
  'tolerations',
  'service_account_name',
  'labels',
  'annotations',
  'env',
  'secrets_from_k8s',
  'retry_strategy',
  'max_step_duration_in_seconds',
  'parallelism',
] as const;

export const GLOBAL_KEYS = [
  ...NODE_KEYS,
  'expose_parameters_as_inputs',
  'output_file',
  'name',
  'max_workflow_duration_in_seconds',
  'persistent_volumes',
  'pod_gc',
  'overrides',
  'kind',
  'schedules',
  'schedule',
  'cron_schedule',
  'timezone',
  'argo_version',
  'concurrency_policy',
  // Where a large pipeline is split (split.ts).
  'limits',
  // Read by the pods' `dagc exec` (runtime/workspace.ts sharedWorkspace), not by the manifest.
  'shared_workspace',
] as const;

const DEFAULT_RESOURCES = { memory: '1Gi', cpu: '250m' };
// magnus 0.5 defaults (magnus-spec.md §6.5): retry policy Always, backoff 120 s doubling. magnus also capped
// the retries at an hour (maxDuration 3600); dagc does not by default: under Argo that cap ends retries early
// (at most 5 attempts with this backoff, none after a first attempt of ~58 min) and kills every retry at the
// first attempt's start + 1 h, so a step would not get the attempts its `retry:` says (issue 13).
const DEFAULT_BACKOFF: Backoff = { duration: '120', factor: 2 };
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
const RETRY_POLICIES = ['Always', 'OnFailure', 'OnError', 'OnTransientError'] as const;
const POD_GC_STRATEGIES = ['OnPodCompletion', 'OnPodSuccess', 'OnWorkflowCompletion', 'OnWorkflowSuccess'] as const;
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
// Kubernetes quantities (the CRD's pattern for resources).
const QUANTITY = /^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$/;
// Kubernetes env var names (C identifiers are the portable subset).
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export const ROOT_PATH = 'executor.config';

/** A Kubernetes quantity as a number (cores, bytes, devices), to compare a request with its limit. */
export function quantityValue(text: string): number {
  const m = /^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(.*)$/.exec(text);
  if (!m) return NaN;
  const n = Number(m[1]);
  const suffix = m[2] ?? '';
  const binary: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
  const decimal: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
  if (suffix in binary) return n * binary[suffix]!;
  if (suffix in decimal) return n * decimal[suffix]!;
  if (/^[eE]/.test(suffix)) return n * 10 ** Number(suffix.slice(1));
  return NaN;
}

function readResources(r: ConfigReader, section: Plain, path: string, fallback: PodSettings['resources']): PodSettings['resources'] {
  const given = r.mapping(section, 'resources', path);
  if (!given) return fallback;
  r.checkKeys(given, ['limits', 'requests'], `${path}.resources`);
  const explicit = (which: 'limits' | 'requests'): Record<string, string> => {
    const m = r.mapping(given, which, `${path}.resources`);
    const out: Record<string, string> = {};
    if (!m) return out;
    r.checkKeys(m, ['memory', 'cpu', 'gpu'], `${path}.resources.${which}`);
    for (const key of ['memory', 'cpu', 'gpu'] as const) {
      const v = m[key];
      if (v === undefined || v === null) continue;
      const text = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
      if (text === undefined || !QUANTITY.test(text)) {
        r.error(`${path}.resources.${which}.${key}`, `must be a Kubernetes quantity such as 500m, 2 or 4Gi, not ${describe(v)}`);
        continue;
      }
      // magnus 0.5 wrote `gpu` as the NVIDIA device plugin's resource name.
      out[key === 'gpu' ? 'nvidia.com/gpu' : key] = text;
    }
    return out;
  };
  const limits = explicit('limits');
  const requests = explicit('requests');
  // Kubernetes refuses a pod whose request is above its limit. A request alone raises the default limit to it,
  // and a limit alone is also the request (as Kubernetes itself defaults a missing request).
  const out = { limits: {} as Record<string, string>, requests: {} as Record<string, string> };
  for (const key of new Set([...Object.keys(DEFAULT_RESOURCES), ...Object.keys(limits), ...Object.keys(requests)])) {
    const dflt = (DEFAULT_RESOURCES as Record<string, string>)[key];
    const limit = limits[key] ?? requests[key] ?? dflt;
    const request = requests[key] ?? limits[key] ?? dflt;
    if (limit !== undefined) out.limits[key] = limit;
    if (request !== undefined) out.requests[key] = request;
    if (limits[key] !== undefined && requests[key] !== undefined && quantityValue(requests[key]!) > quantityValue(limits[key]!)) {
      const name = key === 'nvidia.com/gpu' ? 'gpu' : key;
      r.error(`${path}.resources.requests.${name}`, `${requests[key]} is above the limit ${limits[key]}: Kubernetes refuses such a pod`, `raise limits.${name} to at least ${requests[key]}`);
    }
  }
  return out;
}

function readRetry(r: ConfigReader, section: Plain, path: string, fallback: { policy: string; backoff: Backoff }) {
  const given = r.mapping(section, 'retry_strategy', path);
  if (!given) return fallback;
  const p = `${path}.retry_strategy`;
  r.checkKeys(given, ['limit', 'retryPolicy', 'retry_policy', 'backoff'], p);
  if (given.limit !== undefined && given.limit !== null && String(given.limit) !== '0')
    r.warn(`${p}.limit`, 'is not used: the number of attempts of each step is its `retry` in the pipeline, on every target', 'set `retry: N` on the task instead');
  const policy = r.oneOf(given, 'retryPolicy', p, RETRY_POLICIES) ?? r.oneOf(given, 'retry_policy', p, RETRY_POLICIES) ?? fallback.policy;
  const b = r.mapping(given, 'backoff', p);
  let backoff = fallback.backoff;
  if (b) {
    r.checkKeys(b, ['duration', 'factor', 'maxDuration', 'max_duration'], `${p}.backoff`);
    const duration = r.positiveInt(b, 'duration', `${p}.backoff`);
    const factor = r.positiveInt(b, 'factor', `${p}.backoff`);
    const max = r.positiveInt(b, 'maxDuration', `${p}.backoff`) ?? r.positiveInt(b, 'max_duration', `${p}.backoff`);
    backoff = {
      duration: duration !== undefined ? String(duration) : fallback.backoff.duration,
      factor: factor ?? fallback.backoff.factor,
      ...(max !== undefined ? { maxDuration: String(max) } : fallback.backoff.maxDuration !== undefined ? { maxDuration: fallback.backoff.maxDuration } : {}),
    };
  }
  return { policy, backoff };
}

function readSecrets(r: ConfigReader, section: Plain, path: string): SecretRef[] | undefined {
  const list = r.list(section, 'secrets_from_k8s', path);
  if (!list) return undefined;
  const out: SecretRef[] = [];
  list.forEach((item, i) => {
    const p = `${path}.secrets_from_k8s[${i}]`;
    if (!isPlain(item)) return r.error(p, `must be a mapping {environment_variable, secret_name, secret_key}, not ${describe(item)}`);
    r.checkKeys(item, ['environment_variable', 'secret_name', 'secret_key'], p);
    const environmentVariable = r.string(item, 'environment_variable', p);
    const secretName = r.string(item, 'secret_name', p);
    const secretKey = r.string(item, 'secret_key', p);
    if (!environmentVariable || !secretName || !secretKey)
      return r.error(p, 'needs environment_variable, secret_name and secret_key', 'the value is read from the Kubernetes secret at run time; it never enters the manifest');
    if (!ENV_NAME.test(environmentVariable)) return r.error(`${p}.environment_variable`, `"${environmentVariable}" is not a valid environment variable name`);
    out.push({ environmentVariable, secretName, secretKey });
  });
  return out;
}

function readEnv(r: ConfigReader, section: Plain, path: string): { name: string; value: string }[] | undefined {
  const v = section.env;
  if (v === undefined || v === null) return undefined;
  const pairs: [string, unknown][] = [];
  if (isPlain(v)) pairs.push(...Object.entries(v));
  else if (Array.isArray(v))
    v.forEach((item, i) => {
      if (isPlain(item) && typeof item.name === 'string') pairs.push([item.name, item.value]);
      else r.error(`${path}.env[${i}]`, 'must be a mapping {name, value}');
    });
  else return r.error(`${path}.env`, `must be a mapping of names to values, not ${describe(v)}`), undefined;
  const out: { name: string; value: string }[] = [];
  for (const [name, value] of pairs) {
    if (!ENV_NAME.test(name)) r.error(`${path}.env.${name}`, 'is not a valid environment variable name');
    else if (name.startsWith('DAGC_') || name.startsWith('MAGNUS_'))
      r.error(`${path}.env.${name}`, 'is reserved: dagc sets DAGC_* and MAGNUS_* variables itself', 'parameters go in the parameters file; secrets in secrets_from_k8s');
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out.push({ name, value: String(value) });
    else r.error(`${path}.env.${name}`, `must be a string, not ${describe(value)}`);
  }
  return out;
}

function readTolerations(r: ConfigReader, section: Plain, path: string): Plain[] | undefined {
  const list = r.list(section, 'tolerations', path);
  if (!list) return undefined;
  const out: Plain[] = [];
  list.forEach((t, i) => {
    if (!isPlain(t)) return r.error(`${path}.tolerations[${i}]`, `must be a mapping {key, operator, value, effect}, not ${describe(t)}`);
    r.checkKeys(t, ['key', 'operator', 'value', 'effect', 'tolerationSeconds'], `${path}.tolerations[${i}]`);
    out.push(t);
  });
  return out;
}

/** The settings a node may change, read from `section` over `base` (the global settings, for overrides). */
export function readPodSettings(r: ConfigReader, section: Plain, path: string, base: PodSettings): PodSettings {
  const image = r.string(section, 'image', path);
  if (image !== undefined && !image.trim()) r.error(`${path}.image`, 'must not be empty');
  const retry = readRetry(r, section, path, { policy: base.retryPolicy, backoff: base.backoff });
  const parallelism = r.positiveInt(section, 'parallelism', path);
  return {
    image: image || base.image,
    imagePullPolicy: section.image_pull_policy === '' ? undefined : (r.oneOf(section, 'image_pull_policy', path, PULL_POLICIES) ?? base.imagePullPolicy),
    resources: readResources(r, section, path, base.resources),
    nodeSelector: r.stringMap(section, 'node_selector', path) ?? base.nodeSelector,
    tolerations: readTolerations(r, section, path) ?? base.tolerations,
    serviceAccountName: r.string(section, 'service_account_name', path) ?? base.serviceAccountName,
    labels: r.stringMap(section, 'labels', path) ?? base.labels,
    annotations: r.stringMap(section, 'annotations', path) ?? base.annotations,
    env: readEnv(r, section, path) ?? base.env,
    secrets: readSecrets(r, section, path) ?? base.secrets,
    retryPolicy: retry.policy,
    backoff: retry.backoff,
    maxStepDuration: r.positiveInt(section, 'max_step_duration_in_seconds', path) ?? base.maxStepDuration,
    parallelism: parallelism ?? base.parallelism,
  };
}

const DEFAULT_POD: PodSettings = {
  image: PLACEHOLDER_IMAGE,
  resources: { limits: { ...DEFAULT_RESOURCES }, requests: { ...DEFAULT_RESOURCES } },
  env: [],
  secrets: [],
  retryPolicy: 'Always',
  backoff: DEFAULT_BACKOFF,
  maxStepDuration: 7200,
};

function readVolumes(r: ConfigReader, raw: Plain): PersistentVolume[] {
  const list = r.list(raw, 'persistent_volumes', ROOT_PATH) ?? [];
  const out: PersistentVolume[] = [];
  const claims = new Set<string>();
  list.forEach((item, i) => {
    const p = `${ROOT_PATH}.persistent_volumes[${i}]`;
    if (!isPlain(item)) return r.error(p, `must be a mapping {name: <claim name>, mount_path: /path}, not ${describe(item)}`);
    r.checkKeys(item, ['name', 'mount_path'], p);
    const claimName = r.string(item, 'name', p);
    const mountPath = r.string(item, 'mount_path', p);
    if (!claimName || !mountPath) return r.error(p, 'needs name (the PersistentVolumeClaim) and mount_path');
    if (!mountPath.startsWith('/')) return r.error(`${p}.mount_path`, `must be an absolute path, not "${mountPath}"`);
    // magnus 0.5 refused a claim mounted twice (magnus-spec.md §6.5 Volumes).
    if (claims.has(claimName)) return r.error(`${p}.name`, `the claim "${claimName}" is mounted twice`, 'mount each claim once');
    claims.add(claimName);
    out.push({ claimName, mountPath: mountPath.length > 1 ? mountPath.replace(/\/+$/, '') : mountPath });
  });
  return out;
}

function readSchedules(r: ConfigReader, raw: Plain): string[] {
  const out: string[] = [];
  const list = r.list(raw, 'schedules', ROOT_PATH);
  list?.forEach((s, i) => {
    if (typeof s === 'string' && s.trim()) out.push(s.trim());
    else r.error(`${ROOT_PATH}.schedules[${i}]`, 'must be a cron expression such as "0 6 * * *"');
  });
  // `schedule` (one string, Argo before 3.6) and runnable's `cron_schedule` are accepted spellings.
  for (const key of ['schedule', 'cron_schedule']) {
    const one = r.string(raw, key, ROOT_PATH);
    if (one?.trim()) out.push(one.trim());
  }
  return out;
}

/** executor.config.limits: the split points of split.ts, never above what the Workflow CRD allows. */
function readLimits(r: ConfigReader, raw: Plain): ArgoSplitLimits {
  const p = `${ROOT_PATH}.limits`;
  const v = r.mapping(raw, 'limits', ROOT_PATH);
  if (!v) return DEFAULT_SPLIT_LIMITS;
  r.checkKeys(v, ['tasks_per_dag', 'templates_per_object', 'object_bytes'], p);
  const bounded = (key: string, min: number, max: number, fallback: number): number => {
    const n = r.positiveInt(v, key, p);
    if (n === undefined) return fallback;
    if (n < min || n > max) return r.error(`${p}.${key}`, `must be between ${min} and ${max}, not ${n}`), fallback;
    return n;
  };
  return {
    tasksPerDag: bounded('tasks_per_dag', 4, DEFAULT_SPLIT_LIMITS.tasksPerDag, DEFAULT_SPLIT_LIMITS.tasksPerDag),
    templatesPerObject: bounded('templates_per_object', 8, DEFAULT_SPLIT_LIMITS.templatesPerObject, DEFAULT_SPLIT_LIMITS.templatesPerObject),
    objectBytes: bounded('object_bytes', 16 * 1024, 1024 * 1024, DEFAULT_SPLIT_LIMITS.objectBytes),
  };
}

function readPodGC(r: ConfigReader, raw: Plain): ArgoSettings['podGC'] {
  const v = raw.pod_gc;
  if (v === undefined) return { strategy: 'OnPodCompletion' }; // magnus 0.5's default
  if (v === null || v === false || v === '') return undefined;
  if (typeof v === 'string') return { strategy: r.oneOf(raw, 'pod_gc', ROOT_PATH, POD_GC_STRATEGIES) ?? 'OnPodCompletion' };
  if (!isPlain(v)) return r.error(`${ROOT_PATH}.pod_gc`, `must be a strategy name or {strategy, delete_delay_duration}`), undefined;
  r.checkKeys(v, ['strategy', 'delete_delay_duration'], `${ROOT_PATH}.pod_gc`);
  return {
    strategy: r.oneOf(v, 'strategy', `${ROOT_PATH}.pod_gc`, POD_GC_STRATEGIES) ?? 'OnPodCompletion',
    deleteDelayDuration: r.string(v, 'delete_delay_duration', `${ROOT_PATH}.pod_gc`),
  };
}

/** Compares dotted version strings numerically ("3.10" > "3.6"). */
export function versionAtLeast(version: string, min: string): boolean {
  const a = version.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export interface ReadSettingsResult {
  settings: ArgoSettings;
  diagnostics: Diagnostic[];
}

/**
 * The argo settings of a config. Without an argo executor section (compiling a pipeline whose config runs it
 * locally, or `dagc emulate`), every setting takes its default and the image is a placeholder: a warning says
 * so, because such a manifest is for previews and emulation, not for a cluster.
 */
export function readArgoSettings(config: DagcConfig): ReadSettingsResult {
  const configured = config.executor.type === 'argo';
  const r = new ConfigReader(config.file ?? '', configured ? config.executor : undefined);
  const raw: Plain = configured ? (config.executor.config ?? {}) : {};
  if (!configured)
    // At the executor section when the config file has one (src/config/source.ts), else the file's start.
    r.diagnostics.push(
      sectionDiagnostic(
        config.executor,
        [],
        'DAGC-ARGO-PREVIEW',
        `the config's executor is "${config.executor.type}", not argo: the manifest uses default settings and the placeholder image ${PLACEHOLDER_IMAGE}`,
        'for a cluster, give -c with executor: {type: argo, config: {image: <your image>, persistent_volumes: [...]}}',
        { severity: 'warning', fallbackFile: config.file ?? '' },
      ),
    );
  r.checkKeys(raw, GLOBAL_KEYS, ROOT_PATH);
  if (configured && (typeof raw.image !== 'string' || !raw.image.trim()))
    r.error(`${ROOT_PATH}.image`, 'is required by the argo executor', 'give the image every step runs in, e.g. image: registry.example.com/my-pipeline:1.0 (it needs sh, dagc and the pipeline files)');
  // A preview keeps the local executor's concurrency (enable_parallel: false, max_parallel: N), so it runs
  // the way that config says (magnus-spec.md §6.1).
  const local = configured ? {} : (config.executor.config ?? {});
  const sequential = local.enable_parallel === false || String(local.enable_parallel).toLowerCase() === 'false';
  const maxParallel = typeof local.max_parallel === 'number' && local.max_parallel >= 1 ? Math.floor(local.max_parallel) : undefined;
  const pod = readPodSettings(r, raw, ROOT_PATH, { ...DEFAULT_POD, parallelism: sequential ? 1 : maxParallel });

  const overrides = r.mapping(raw, 'overrides', ROOT_PATH) ?? {};
  for (const [key, value] of Object.entries(overrides)) {
    const p = `${ROOT_PATH}.overrides.${key}`;
    if (!isPlain(value)) {
      r.error(p, `must be a mapping of settings, not ${describe(value)}`);
      continue;
    }
    r.checkKeys(value, NODE_KEYS, p);
    readPodSettings(r, value, p, pod);
  }

  // The pods' `dagc exec` reads it from the config the manifest carries (DAGC_CONFIG_JSON). The emulator's pods
  // all start in one folder, so there the steps share it; a cluster's pods each have their own: said here.
  if (r.boolean(raw, 'shared_workspace', ROOT_PATH) === true)
    r.warn(
      `${ROOT_PATH}.shared_workspace`,
      'each step runs in its pod\'s working folder without a fresh workspace, as magnus did; `dagc emulate` runs every pod in one folder, so there steps see the files earlier steps left, but on a cluster each pod has its own copy of the image and only catalog files reach a later step',
      'declare the files a step reads in its catalog get, and drop shared_workspace to run here as on a cluster',
    );
  const kind = r.oneOf(raw, 'kind', ROOT_PATH, ARGO_KINDS) ?? 'Workflow';
  const schedules = readSchedules(r, raw);
  const argoVersion = r.string(raw, 'argo_version', ROOT_PATH) ?? '3.6';
  if (!/^\d+(\.\d+)*$/.test(argoVersion)) r.error(`${ROOT_PATH}.argo_version`, `must be a version such as 3.5 or 3.6, not "${argoVersion}"`);
  if (kind === 'CronWorkflow' && schedules.length === 0)
    r.error(`${ROOT_PATH}.schedules`, 'a CronWorkflow needs at least one schedule', 'e.g. schedules: ["0 6 * * *"] and timezone: Europe/London');
  if (kind !== 'CronWorkflow' && schedules.length > 0)
    r.warn(`${ROOT_PATH}.schedules`, `is only used with kind: CronWorkflow (kind is ${kind})`);
  if (kind === 'CronWorkflow' && schedules.length > 1 && !versionAtLeast(argoVersion, '3.6'))
    r.error(`${ROOT_PATH}.schedules`, `Argo ${argoVersion} takes one schedule; a list of schedules needs Argo 3.6 or later`, 'set argo_version: "3.6" or keep one schedule');
  const timezone = r.string(raw, 'timezone', ROOT_PATH);
  // An IANA zone name: Area/Location (or UTC); the cluster resolves it, so only the shape is checked here.
  if (timezone !== undefined && !/^(UTC|GMT|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/.test(timezone))
    r.error(`${ROOT_PATH}.timezone`, `"${timezone}" is not an IANA time zone name`, 'e.g. Europe/London, America/New_York or UTC');

  const settings: ArgoSettings = {
    configured,
    kind,
    name: r.string(raw, 'name', ROOT_PATH),
    pod,
    exposeParameters: r.boolean(raw, 'expose_parameters_as_inputs', ROOT_PATH) ?? true,
    outputFile: r.string(raw, 'output_file', ROOT_PATH),
    maxWorkflowDuration: r.positiveInt(raw, 'max_workflow_duration_in_seconds', ROOT_PATH) ?? 172800,
    podGC: readPodGC(r, raw),
    persistentVolumes: readVolumes(r, raw),
    schedules,
    timezone,
    argoVersion,
    concurrencyPolicy: r.oneOf(raw, 'concurrency_policy', ROOT_PATH, CONCURRENCY_POLICIES),
    limits: readLimits(r, raw),
    raw,
  };
  return { settings, diagnostics: r.diagnostics };
}
