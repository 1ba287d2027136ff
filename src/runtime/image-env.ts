// The environment an emulated pod or Batch job starts from (DESIGN.md §3 invariant 1): the image's, which on
// this machine is the launching shell's less what no image holds — dagc's and magnus's own variables (the
// manifest sets those it means to pass) and the secrets the config reads from the environment (they reach a
// step only through the manifest's secret references, as on the engine).
import type { DagcConfig } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import { walk } from '../ir/walk.js';
import { resolveNodeConfig } from '../config/resolve-node.js';

/** Names of environment variables that hold secrets for this run (env-secrets-manager's secret names). */
export function environmentSecretNames(config: DagcConfig, pipeline: Pipeline): Set<string> {
  const names = new Set<string>();
  if (config.secrets.type !== 'env-secrets-manager') return names;
  const add = (mapping: unknown) => {
    if (mapping && typeof mapping === 'object') for (const v of Object.values(mapping)) if (typeof v === 'string') names.add(v);
  };
  add(config.executor.config?.secret_as_env);
  for (const { node } of walk(pipeline.root)) {
    try {
      add(resolveNodeConfig(node, config.executor).secret_as_env);
    } catch {
      /* an unknown override is reported by validation, not here */
    }
  }
  return names;
}

export function imageEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  config: DagcConfig,
  pipeline: Pipeline,
): Record<string, string> {
  const secrets = environmentSecretNames(config, pipeline);
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && !k.startsWith('DAGC_') && !k.startsWith('MAGNUS_') && !secrets.has(k)) out[k] = v;
  return out;
}
