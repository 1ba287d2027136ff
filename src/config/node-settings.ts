// A step's own executor settings written in the pipeline file (`mode_config` / `executor_config`:
// {<executor>: {...}}, magnus 2022 and 2023), which the config schema never sees: the step's resulting
// settings (resolve-node.ts) are checked with the executor's definition in schemas/config.schema.json, the same
// precompiled ajv validators, so an unknown key there is an error with a "did you mean" too (one policy for
// every key), reported at the step. The argo and asl readers check their own steps' settings (with the
// conversions they need); this covers the executors that traverse here and the bash target.
import type { ErrorObject } from 'ajv';
import type { Diagnostic } from '../core/diagnostics.js';
import type { Pipeline } from '../ir/types.js';
import { walk } from '../ir/walk.js';
import { definitionValidator, suggestKey } from '../front-end/schema.js';
import type { NodeDefinition } from '../front-end/schema-compile.js';
import { UnknownOverrideError, resolveNodeConfig } from './resolve-node.js';
import type { DagcConfig } from './types.js';

const DEFINITION_OF: Readonly<Record<string, NodeDefinition>> = {
  local: 'local_executor_config',
  'local-container': 'local_container_executor_config',
  bash: 'bash_executor_config',
};

function field(e: ErrorObject): string {
  return e.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

export async function checkNodeSettings(pipeline: Pipeline, config: DagcConfig): Promise<Diagnostic[]> {
  const type = config.executor.type;
  const definition = Object.hasOwn(DEFINITION_OF, type) ? DEFINITION_OF[type] : undefined;
  if (!definition) return [];
  const out: Diagnostic[] = [];
  for (const { node } of walk(pipeline.root)) {
    const mine = node.overrides[type];
    // A named override (`overrides: {local: NAME}`) is the config's `overrides.NAME`, which its schema checked.
    if (mine === undefined || typeof mine === 'string') continue;
    let settings: Record<string, unknown>;
    try {
      settings = resolveNodeConfig(node, config.executor);
    } catch (error) {
      if (error instanceof UnknownOverrideError) continue; // checkNodeOverrides reports it
      throw error;
    }
    const validate = await definitionValidator(definition);
    if (validate(settings)) continue;
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      // local-container's reader (container-settings.ts) reports its values' problems at the step already.
      if (type === 'local-container' && e.keyword !== 'additionalProperties') continue;
      const at = { file: node.source.file, start: node.source.start, pointer: node.source.pointer };
      let d: Diagnostic;
      if (e.keyword === 'additionalProperties') {
        const key = (e.params as { additionalProperty: string }).additionalProperty;
        const allowed = Object.keys((e.parentSchema as { properties?: Record<string, unknown> } | undefined)?.properties ?? {});
        const guess = suggestKey(key, allowed);
        d = {
          code: 'DAGC-SCHEMA-UNKNOWN-KEY',
          severity: 'error',
          message: `step "${node.internalName}": unknown key "${key}" in its ${type} settings${field(e) ? ` ("${field(e)}")` : ''}`,
          hint: guess ? `did you mean "${guess}"?` : `known keys here: ${allowed.join(', ')}`,
          ...at,
        };
      } else {
        const errorMessage = (e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage;
        d = {
          code: 'DAGC-SCHEMA-VALUE',
          severity: 'error',
          message: `step "${node.internalName}": "${field(e) || type}" in its ${type} settings ${errorMessage ?? e.message ?? 'is not valid'}`,
          hint: 'see the executor in schemas/config.schema.json for what this key takes',
          ...at,
        };
      }
      if (seen.has(d.message)) continue;
      seen.add(d.message);
      out.push(d);
    }
  }
  return out;
}
