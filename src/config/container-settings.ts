// The local-container executor's settings for one task node: the executor config resolved with the node's own
// overrides (any of the three spellings, config/resolve-node.ts), read into types. Keys (magnus-spec.md §2.2
// table, plus dagc's): docker_image, environment, run_in_local (magnus), and run_options, pass_env, user.
// The config file's global section is checked by schemas/config.schema.json; a node's override can set
// anything, so what it resolves to is checked here and reported at the node.
import type { Pipeline, TaskNode } from '../ir/types.js';
import { walk } from '../ir/walk.js';
import type { DagcConfig, ServiceSection } from './types.js';
import { UnknownOverrideError, resolveNodeConfig } from './resolve-node.js';
import type { Diagnostic } from '../core/diagnostics.js';

export interface ContainerSettings {
  /** Run this node on the host instead (magnus 0.3.10 "hybrid mode"). */
  readonly runInLocal: boolean;
  readonly image: string | undefined;
  /** Variables set in the container (values as text). */
  readonly environment: Readonly<Record<string, string>>;
  /** Extra flags for the engine's `run`, after dagc's own. */
  readonly runOptions: readonly string[];
  /** Host variables passed through by name; a trailing * matches a prefix. */
  readonly passEnv: readonly string[];
  /** `host`: the container runs as the host user (files it writes stay the user's); `image`: the image's user. */
  readonly user: string;
  /** secret_as_env: {variable: secret name}. */
  readonly secretNames: readonly string[];
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function truthy(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}

export function readContainerSettings(
  node: TaskNode,
  executor: ServiceSection,
): { settings?: ContainerSettings; diagnostics: Diagnostic[] } {
  const c = resolveNodeConfig(node, executor);
  const diagnostics: Diagnostic[] = [];
  const at = (message: string, hint: string, code = 'DAGC-CONTAINER-CONFIG'): void => {
    diagnostics.push({
      code,
      severity: 'error',
      message: `step "${node.internalName}": ${message}`,
      hint,
      file: node.source.file,
      start: node.source.start,
      pointer: node.source.pointer,
    });
  };
  const runInLocal = truthy(c.run_in_local);
  const image = typeof c.docker_image === 'string' && c.docker_image.trim() ? c.docker_image.trim() : undefined;
  if (c.docker_image !== undefined && c.docker_image !== null && typeof c.docker_image !== 'string')
    at('docker_image must be an image name such as "my-pipeline:1.0"', 'set executor.config.docker_image (or the step\'s override) to a text');
  else if (!image && !runInLocal)
    at(
      'the local-container executor has no image to run it in',
      'set executor.config.docker_image in the config (or docker_image in this step\'s local-container override), or run_in_local: true to run it on this machine',
      'DAGC-CONTAINER-NO-IMAGE',
    );

  const environment: Record<string, string> = {};
  if (c.environment !== undefined && c.environment !== null) {
    if (typeof c.environment !== 'object' || Array.isArray(c.environment))
      at('environment must be a mapping of variable names to values', 'e.g. environment: {LOG_LEVEL: info}');
    else
      for (const [k, v] of Object.entries(c.environment as Record<string, unknown>)) {
        if (!ENV_NAME.test(k)) at(`environment variable name "${k}" is not valid`, 'use letters, digits and _, not starting with a digit');
        else if (v !== null && typeof v === 'object') at(`environment.${k} must be a text, number or boolean`, 'quote it, or give a JSON text');
        else environment[k] = v === null || v === undefined ? '' : String(v);
      }
  }
  const list = (key: string, what: string): string[] => {
    const v = c[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      at(`${key} must be a list of texts`, what);
      return [];
    }
    return v as string[];
  };
  const runOptions = list('run_options', 'e.g. run_options: ["--memory", "2g"]');
  const passEnv = list('pass_env', 'e.g. pass_env: [HTTP_PROXY, "MY_APP_*"]');
  for (const name of passEnv)
    if (!/^[A-Za-z_][A-Za-z0-9_]*\*?$/.test(name)) at(`pass_env entry "${name}" is not a variable name`, 'give names, or a prefix ending in *');
  const user = c.user === undefined || c.user === null ? 'host' : c.user;
  if (typeof user !== 'string' || !(user === 'host' || user === 'image' || /^\d+(:\d+)?$/.test(user)))
    at('user must be "host", "image" or UID[:GID]', 'host (the default) keeps files written in mounted folders yours');
  const secretAsEnv = c.secret_as_env;
  const secretNames =
    secretAsEnv && typeof secretAsEnv === 'object' ? Object.values(secretAsEnv as Record<string, unknown>).filter((v): v is string => typeof v === 'string') : [];
  if (diagnostics.length) return { diagnostics };
  return { settings: { runInLocal, image, environment, runOptions, passEnv, user: user as string, secretNames }, diagnostics };
}

/** Host variable names that pass_env selects (exact names, or prefixes ending in *). */
export function selectPassEnv(patterns: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const names = new Set<string>();
  for (const p of patterns) {
    if (p.endsWith('*')) {
      const prefix = p.slice(0, -1);
      for (const k of Object.keys(env)) if (k.startsWith(prefix) && env[k] !== undefined) names.add(k);
    } else if (env[p] !== undefined) names.add(p);
  }
  return [...names].sort();
}

/**
 * Every task node's settings for the local-container executor, and what is wrong with them, at the nodes.
 * When no step has an image at all, one diagnostic says so (at the first task), not one per step.
 * Nodes whose override does not resolve are left to checkNodeOverrides, which reports them.
 */
export function checkContainerSettings(
  pipeline: Pipeline,
  config: DagcConfig,
): { settings: Map<string, ContainerSettings>; diagnostics: Diagnostic[] } {
  const settings = new Map<string, ContainerSettings>();
  const diagnostics: Diagnostic[] = [];
  for (const { node } of walk(pipeline.root)) {
    if (node.type !== 'task') continue;
    let read: ReturnType<typeof readContainerSettings>;
    try {
      read = readContainerSettings(node as TaskNode, config.executor);
    } catch (error) {
      if (error instanceof UnknownOverrideError) continue;
      throw error;
    }
    diagnostics.push(...read.diagnostics);
    if (read.settings) settings.set(node.internalName, read.settings);
  }
  const noImage = diagnostics.filter((d) => d.code === 'DAGC-CONTAINER-NO-IMAGE');
  if (noImage.length && ![...settings.values()].some((s) => s.image)) {
    const first = noImage[0]!;
    return {
      settings,
      diagnostics: [
        ...diagnostics.filter((d) => d.code !== 'DAGC-CONTAINER-NO-IMAGE'),
        {
          ...first,
          message: `the local-container executor has no docker_image${config.file ? ` in ${config.file}` : ''}, and no step sets its own`,
          hint: 'set executor.config.docker_image to the image the steps run in (`dagc image dockerfile` writes a Dockerfile for one), or use executor: {type: local}',
        },
      ],
    };
  }
  return { settings, diagnostics };
}
