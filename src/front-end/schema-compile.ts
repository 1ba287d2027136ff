// Compiling the JSON Schemas (schemas/*.json) with ajv. Kept apart from schema.ts because compiling costs
// ~55 ms at start-up (shared/notes/toolchain.md §6): the built CLI uses validators that scripts/build.mjs
// precompiled with this same function (ajv standalone code), and only tests compile at run time.
import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import pipelineSchema from '../../schemas/pipeline.schema.json' with { type: 'json' };
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };

export interface Validators {
  pipeline: ValidateFunction;
  config: ValidateFunction;
}

/**
 * Executor configs a step may change in the pipeline file (`mode_config`/`executor_config`: {executor:
 * {...}}), which the config schema never sees: src/config/node-settings.ts checks a step's resulting settings
 * with these definitions of schemas/config.schema.json. Exported by name from the precompiled module too.
 */
export const NODE_DEFINITIONS = ['local_executor_config', 'local_container_executor_config', 'bash_executor_config'] as const;
export type NodeDefinition = (typeof NODE_DEFINITIONS)[number];

export function compileDefinitions(): Record<NodeDefinition, ValidateFunction> {
  const ajv = createAjv(false);
  return Object.fromEntries(NODE_DEFINITIONS.map((d) => [d, ajv.getSchema(`config.schema.json#/definitions/${d}`) as ValidateFunction])) as Record<NodeDefinition, ValidateFunction>;
}

function createAjv(source: boolean): Ajv {
  const ajv = new Ajv({
    allErrors: true, // every error at once (shared/STYLE.md §6.4)
    verbose: true, // errors carry parentSchema: the allowed keys for "did you mean", errorMessage
    strict: true,
    discriminator: true, // a step's `type` picks its schema directly (6 if/then cost 5 error objects per step)
    allowUnionTypes: true, // ["object", "null"]: YAML's empty value is null
    inlineRefs: false, // one function per definition: the standalone code shrinks from ~270 to ~160 kB
    code: { source, esm: true },
  });
  // An annotation also understood by VS Code's JSON language service: a readable message for `pattern`.
  ajv.addKeyword({ keyword: 'errorMessage', schemaType: 'string' });
  // dagc's own annotation: the hint for a key refused with `not` (what to write instead).
  ajv.addKeyword({ keyword: 'errorHint', schemaType: 'string' });
  ajv.addSchema(configSchema);
  ajv.addSchema(pipelineSchema);
  return ajv;
}

/**
 * A validator for a plugin's config schema (src/config/plugins.ts), with the options dagc's own schemas are
 * compiled with, so its errors read the same. Compiled at run time: a plugin is not known at build time.
 */
export function compilePluginSchema(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  const ajv = createAjv(false);
  return ajv.compile(schema);
}

export function compileValidators(): Validators {
  const ajv = createAjv(false);
  return {
    pipeline: ajv.getSchema('pipeline.schema.json') as ValidateFunction,
    config: ajv.getSchema('config.schema.json') as ValidateFunction,
  };
}

/** ES module source exporting `pipeline` and `config` validators (used by scripts/build.mjs). */
export function standaloneValidatorsSource(): string {
  const ajv = createAjv(true);
  return standaloneCode()(ajv, {
    pipeline: 'pipeline.schema.json',
    config: 'config.schema.json',
    ...Object.fromEntries(NODE_DEFINITIONS.map((d) => [d, `config.schema.json#/definitions/${d}`])),
  });
}

type StandaloneCode = (ajv: Ajv, refs: Record<string, string>) => string;

/** The CommonJS module's function: Node's ESM loader gives module.exports, bundlers give its `default`. */
function standaloneCode(): StandaloneCode {
  const mod = standaloneModule as unknown as StandaloneCode | { default: StandaloneCode };
  return typeof mod === 'function' ? mod : mod.default;
}
