// IR + config → an Argo Workflow, WorkflowTemplate or CronWorkflow (DESIGN.md §6), deterministically: names
// come from dot paths, the order from the pipeline file, and nothing from the clock or the environment.
import { Document, isScalar, stringify, visit } from 'yaml';
import type { DagcConfig, ServiceName, ServiceSection } from '../../config/types.js';
import { SERVICE_NAMES } from '../../config/types.js';
import { getIntegrationRegistry } from '../../integrations/builtin.js';
import type { IntegratedService } from '../../integrations/registry.js';
import type { Pipeline } from '../../ir/types.js';
import { ARGO_CRON_NAME_RULES, ARGO_NAME_RULES, toBackendName } from '../../ir/names.js';
import type { NameRules } from '../../ir/names.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { hasErrors } from '../../core/diagnostics.js';
import type { EmitOptions, EmitResult } from '../types.js';
import type { ArgoSettings } from './config.js';
import { readArgoSettings, versionAtLeast } from './config.js';
import { ContainerTemplates } from './containers.js';
import type { Manifest } from './containers.js';
import { ENTRY_TEMPLATE, EXIT_TEMPLATE, buildTemplates } from './build-manifest.js';
import type { GraphPlan } from './plan.js';
import type { ManifestStats } from './limits.js';
import { checkLimits, manifestStats } from './limits.js';
import { CONFIG_PARAMETER, RUN_ID_PARAMETER, USE_CACHED_PARAMETER, escapeArgoBraces, exposeParameters } from './parameters.js';
import { PodResolver } from './pod-settings.js';
import { splitObjects, suffixedName } from './split.js';
import { YamlWriter } from './yaml-text.js';

export const API_VERSION = 'argoproj.io/v1alpha1';
export const ANNOTATION_DAG_HASH = 'dagc/dag-hash';
export const ANNOTATION_VERSION = 'dagc/version';

export interface ArgoCompilation {
  /** Undefined when the settings themselves are broken (nothing sensible to build). */
  readonly manifest?: Manifest;
  readonly diagnostics: Diagnostic[];
  readonly settings: ArgoSettings;
  readonly plans: readonly GraphPlan[];
  readonly stats?: ManifestStats;
  /** The main object first, then the WorkflowTemplates its templates moved to (split.ts). */
  readonly objects?: readonly Manifest[];
}

/** A Workflow name prefix: generateName adds 5 characters, and the whole must stay a 63-character label. */
const GENERATE_NAME_RULES: NameRules = { ...ARGO_NAME_RULES, maxLength: 57 };

function baseName(source: string): string {
  const file = source.split('/').pop() ?? source;
  return file.replace(/\.(ya?ml)$/i, '') || 'pipeline';
}

/** The config the pods read (DAGC_CONFIG_JSON): each service as the argo integrations adjust it for the pods. */
function podConfig(config: DagcConfig): Record<string, unknown> {
  const registry = getIntegrationRegistry();
  const executor: ServiceSection = { type: 'argo', config: config.executor.type === 'argo' ? config.executor.config : {} };
  const out: Record<string, unknown> = {};
  for (const name of SERVICE_NAMES) {
    const section = config[name];
    if (name === 'executor') {
      out.executor = section;
      continue;
    }
    const integration = registry.get('argo', name as IntegratedService, section.type);
    out[name] = integration?.configureForExecution?.({ executor, section, parallel: true }) ?? section;
  }
  if (config.plugins.length) out.plugins = [...config.plugins];
  return out;
}

export function compileArgo(ir: Pipeline, config: DagcConfig, options: EmitOptions): ArgoCompilation {
  const { settings, diagnostics } = readArgoSettings(config);
  if (hasErrors(diagnostics)) return { diagnostics, settings, plans: [] };
  const configFile = config.file ?? '';

  const params = settings.exposeParameters ? exposeParameters(options.parameters ?? {}, options.files.parameters ?? '') : { exposed: [], diagnostics: [] };
  diagnostics.push(...params.diagnostics);

  // dagc's own arguments in the pods: the same files as on the command line, relative to the manifest's folder
  // (the image's working directory). The config travels inline (DAGC_CONFIG_JSON), so it need not be in the image.
  const dagcArgs = ['-f', options.files.pipeline];
  for (const v of options.files.varFiles) dagcArgs.push('--var-file', v);
  if (options.files.parameters) dagcArgs.push('-p', options.files.parameters);

  const pods = new PodResolver(settings);
  const containers = new ContainerTemplates({ settings, dagcArgs, exposed: params.exposed });
  const built = buildTemplates({ ir, settings, pods, containers, exposed: params.exposed });
  diagnostics.push(...pods.diagnostics, ...built.diagnostics);

  const cron = settings.kind === 'CronWorkflow';
  const nameRules = cron ? ARGO_CRON_NAME_RULES : settings.kind === 'Workflow' ? GENERATE_NAME_RULES : ARGO_NAME_RULES;
  const wanted = (settings.name ?? baseName(options.source)).replace(/-+$/, '');
  const name = toBackendName(wanted, nameRules);
  if (settings.name !== undefined && name !== wanted)
    diagnostics.push({
      code: 'DAGC-ARGO-NAME',
      severity: 'warning',
      message: `the workflow name "${wanted}" is written "${name}" (lower case, letters, digits and "-", at most ${nameRules.maxLength} characters)`,
      hint: 'give executor.config.name in that form to silence this',
      file: configFile,
      start: { line: 1, column: 1 },
    });

  const pod = settings.pod;
  const spec: Manifest = {
    entrypoint: ENTRY_TEMPLATE,
    arguments: {
      parameters: [
        // The run id defaults to the Workflow's own name (unique per submission); pass -p run_id=… to choose it.
        { name: RUN_ID_PARAMETER, value: '{{workflow.name}}' },
        // A re-run: the id of an earlier run whose successful steps are taken as they are (magnus-spec.md §3.11).
        { name: USE_CACHED_PARAMETER, value: '' },
        { name: CONFIG_PARAMETER, value: escapeArgoBraces(JSON.stringify(podConfig(config))) },
        ...params.exposed.map((p) => ({ name: p.name, value: escapeArgoBraces(p.value) })),
      ],
    },
    activeDeadlineSeconds: settings.maxWorkflowDuration,
    onExit: EXIT_TEMPLATE,
  };
  if (pod.parallelism !== undefined) spec.parallelism = pod.parallelism;
  if (settings.podGC)
    spec.podGC = { strategy: settings.podGC.strategy, ...(settings.podGC.deleteDelayDuration ? { deleteDelayDuration: settings.podGC.deleteDelayDuration } : {}) };
  if (pod.serviceAccountName) spec.serviceAccountName = pod.serviceAccountName;
  if (pod.nodeSelector) spec.nodeSelector = pod.nodeSelector;
  if (pod.tolerations) spec.tolerations = pod.tolerations;
  if (settings.persistentVolumes.length)
    spec.volumes = settings.persistentVolumes.map((v, i) => ({ name: `executor-${i}`, persistentVolumeClaim: { claimName: v.claimName } }));
  spec.templates = built.templates;

  const annotations: Record<string, string> = { ...(pod.annotations ?? {}) };
  if (ir.root.description) annotations['workflows.argoproj.io/description'] = ir.root.description;
  annotations[ANNOTATION_DAG_HASH] = ir.dagHash;
  annotations[ANNOTATION_VERSION] = options.dagcVersion;
  const metadata: Manifest = settings.kind === 'Workflow' ? { generateName: `${name}-` } : { name };
  if (pod.labels && Object.keys(pod.labels).length) metadata.labels = pod.labels;
  metadata.annotations = annotations;

  let manifest: Manifest;
  if (cron) {
    const cronSpec: Manifest = versionAtLeast(settings.argoVersion, '3.6')
      ? { schedules: [...settings.schedules] }
      : { schedule: settings.schedules[0] ?? '' };
    if (settings.timezone) cronSpec.timezone = settings.timezone;
    if (settings.concurrencyPolicy) cronSpec.concurrencyPolicy = settings.concurrencyPolicy;
    cronSpec.workflowSpec = spec;
    manifest = { apiVersion: API_VERSION, kind: 'CronWorkflow', metadata, spec: cronSpec };
  } else manifest = { apiVersion: API_VERSION, kind: settings.kind, metadata, spec };

  // More templates or bytes than one object holds: DAG templates move to WorkflowTemplates (split.ts), named
  // from the pipeline and its hash (two versions of a pipeline never share one).
  const objects = splitObjects({
    manifest,
    templates: built.templates,
    setTemplates: (templates) => {
      spec.templates = templates;
    },
    keep: new Set([ENTRY_TEMPLATE, EXIT_TEMPLATE]),
    limits: settings.limits,
    objectName: (k) => suffixedName(name, `${ir.dagHash.slice(0, 8)}-${k}`),
    metadata: { ...(metadata.labels ? { labels: metadata.labels } : {}), annotations: { [ANNOTATION_DAG_HASH]: ir.dagHash, [ANNOTATION_VERSION]: options.dagcVersion } },
    apiVersion: API_VERSION,
  });
  const names: [string, number][] = [
    [name, nameRules.maxLength],
    ...objects.slice(1).map((o): [string, number] => [String((o.metadata as Manifest).name), ARGO_NAME_RULES.maxLength]),
    ...built.templates.map((t): [string, number] => [String(t.name), ARGO_NAME_RULES.maxLength]),
  ];
  const stats = manifestStats(objects, names);
  // A graph that could not be split (split.ts said so, at its step) is left whole: the object's size, its largest
  // value (that graph's `depends`) and its largest DAG follow from it, and are not said again.
  const unsplit = built.diagnostics.some((d) => d.severity === 'error' && (d.code === 'DAGC-ARGO-TOO-DEEP' || d.code === 'DAGC-ARGO-TOO-MANY-TASKS'));
  if (!unsplit) diagnostics.push(...checkLimits(stats, limitSource(ir, configFile)));
  return { manifest, objects, diagnostics, settings, plans: built.plans, stats };
}

/** Where a limit error points: the pipeline's first step (the pipeline is what grew past the limit). */
function limitSource(ir: Pipeline, configFile: string): { file: string; start: { line: number; column: number }; pointer?: string } {
  const first = ir.root.nodes.find((n) => n.name === ir.root.startAt) ?? ir.root.nodes[0];
  if (!first) return { file: configFile, start: { line: 1, column: 1 } };
  // The position is read only when a limit is exceeded: looking it up re-parses the pipeline with positions
  // (a third of a 500-step compile), which a manifest within its limits never needs.
  return {
    file: first.source.file,
    get start() {
      return first.source.start;
    },
    pointer: first.source.pointer,
  };
}

/** The templates of a Workflow, WorkflowTemplate or CronWorkflow. */
export function templatesOf(object: Manifest): Manifest[] {
  const spec = object.spec as Manifest | undefined;
  const inner = (spec?.workflowSpec as Manifest | undefined) ?? spec;
  return (inner?.templates as Manifest[] | undefined) ?? [];
}

// go-yaml (kubectl, Argo) reads YAML 1.1, where yes/no/on/off/y/n are booleans and 0755 is octal; writing
// with the 1.1 schema quotes such strings. What a 1.1 writer leaves plain but a YAML 1.2 reader takes for a
// number — a 1.2 octal (0o17) or an exponent without a dot (1e5, as a hex hash can be) — is quoted by hand
// (shared/notes/toolchain.md §4), so every reader sees the same strings.
const NUMBER_IN_YAML_1_2 = /^[-+]?(0o[0-7]+|(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+)$/;

function hasYaml12Number(value: unknown): boolean {
  if (typeof value === 'string') return NUMBER_IN_YAML_1_2.test(value);
  if (Array.isArray(value)) return value.some(hasYaml12Number);
  if (value && typeof value === 'object') return Object.values(value).some(hasYaml12Number);
  return false;
}

export function toYamlDocument(manifest: Manifest): Document {
  const doc = new Document(manifest, { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && NUMBER_IN_YAML_1_2.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc;
}

/** The manifest as YAML text (1.1-safe, no line folding). */
export function toYamlText(manifest: Manifest): string {
  // The same bytes as below, written without building yaml's nodes (yaml-text.ts): the hot path of a compile.
  const fast = new YamlWriter(hasYaml12Number(manifest) ? NUMBER_IN_YAML_1_2 : undefined).write(manifest);
  if (fast !== undefined) return fast;
  if (!hasYaml12Number(manifest)) return stringify(manifest, { version: '1.1', lineWidth: 0 });
  return stringify(toYamlDocument(manifest), { lineWidth: 0 });
}

export function emitArgo(ir: Pipeline, config: DagcConfig, options: EmitOptions): EmitResult {
  const compiled = compileArgo(ir, config, options);
  if (!compiled.manifest) return { files: [], diagnostics: compiled.diagnostics };
  // Serialised here rather than by the CLI's prettier pass: yaml's own output is already in prettier's style
  // (the goldens are checked byte for byte), and prettier takes seconds on a large manifest.
  const objects = compiled.objects ?? [compiled.manifest];
  const stem = options.outputName.replace(/(\.argo)?\.ya?ml$/i, '');
  // The WorkflowTemplates of a split pipeline: files beside the main one, named by position (stable across edits).
  const files = objects.map((o, i) => ({ path: i === 0 ? options.outputName : `${stem}.templates-${i}.argo.yaml`, format: 'text' as const, body: toYamlText(o) }));
  return { files, diagnostics: compiled.diagnostics };
}

/** Every service name, for callers that inspect the pods' config. */
export const POD_CONFIG_SERVICES: readonly ServiceName[] = SERVICE_NAMES;
