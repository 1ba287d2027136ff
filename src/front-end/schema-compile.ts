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

type Json = { [key: string]: unknown };

/**
 * Which definition of schemas/config.schema.json each provider's `config` follows, by section and type, as
 * the sections' `if type … then config: $ref` rules say. These are validated apart from the config (and
 * precompiled apart, one module each, loaded when a config names that type): compiled into the config's
 * own validator they tripled it (~190 kB to ~510 kB of code) and every `dagc exec` paid ~15 ms to load it.
 */
export function sectionDefinitions(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const definitions = (configSchema as unknown as { definitions: Record<string, Json> }).definitions;
  for (const section of ['executor', 'run_log_store', 'catalog', 'secrets', 'experiment_tracker']) {
    for (const rule of (definitions[section]!.allOf ?? []) as Json[]) {
      const type = ((rule.if as Json).properties as Json).type as Json;
      const ref = (((rule.then as Json).properties as Json | undefined)?.config as Json | undefined)?.$ref;
      if (typeof ref !== 'string' || !ref.startsWith('#/definitions/')) continue;
      for (const name of (type.enum ?? [type.const]) as string[]) (out[section] ??= {})[name] = ref.slice('#/definitions/'.length);
    }
  }
  return out;
}

/** Every definition validated (and precompiled) on its own: the providers' configs. */
export function splitDefinitions(): string[] {
  return [...new Set(Object.values(sectionDefinitions()).flatMap((byType) => Object.values(byType)))].sort();
}

/** The config schema without the providers' config definitions in its sections (they are checked apart). */
function coreConfigSchema(): Json {
  const copy = structuredClone(configSchema) as unknown as { definitions: Record<string, Json> };
  for (const section of ['executor', 'run_log_store', 'catalog', 'secrets', 'experiment_tracker'])
    for (const rule of (copy.definitions[section]!.allOf ?? []) as Json[]) {
      const properties = (rule.then as Json).properties as Json | undefined;
      const config = properties?.config as Json | undefined;
      if (typeof config?.$ref === 'string') properties!.config = {};
    }
  return copy as unknown as Json;
}

/**
 * Executor configs a step may change in the pipeline file (`mode_config`/`executor_config`: {executor:
 * {...}}), which the config schema never sees: src/config/node-settings.ts checks a step's resulting settings
 * with these definitions (split definitions too).
 */
export const NODE_DEFINITIONS = ['local_executor_config', 'local_container_executor_config', 'bash_executor_config'] as const;
export type NodeDefinition = (typeof NODE_DEFINITIONS)[number];

/** One definition of the whole config schema, compiled at run time (tests; the build precompiles them). */
export function compileDefinition(name: string): ValidateFunction {
  return createAjv(false, false).getSchema(`config.schema.json#/definitions/${name}`) as ValidateFunction;
}

function createAjv(source: boolean, core = true): Ajv {
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
  ajv.addSchema(core ? coreConfigSchema() : configSchema);
  ajv.addSchema(pipelineSchema);
  return ajv;
}

/**
 * A validator for a plugin's config schema (src/config/plugins.ts), with the options dagc's own schemas are
 * compiled with, so its errors read the same. Compiled at run time: a plugin is not known at build time.
 */
export function compilePluginSchema(schema: Readonly<Record<string, unknown>>): ValidateFunction {
  const ajv = createAjv(false, false);
  return ajv.compile(schema);
}

export function compileValidators(): Validators {
  const ajv = createAjv(false);
  return {
    pipeline: ajv.getSchema('pipeline.schema.json') as ValidateFunction,
    config: ajv.getSchema('config.schema.json') as ValidateFunction,
  };
}

/**
 * ES module source exporting the `pipeline` and `config` validators and SECTION_DEFINITIONS (used by
 * scripts/build.mjs in src/front-end/precompiled-validators.ts's place).
 */
export function standaloneValidatorsSource(): string {
  const ajv = createAjv(true);
  const code = standaloneCode()(ajv, { pipeline: 'pipeline.schema.json', config: 'config.schema.json' });
  return `${code}\nexport const SECTION_DEFINITIONS = ${JSON.stringify(sectionDefinitions())};\n`;
}

/** ES module source exporting `validate` for one definition (src/front-end/precompiled/<name>.ts's place). */
export function standaloneDefinitionSource(name: string): string {
  return standaloneCode()(createAjv(true, false), { validate: `config.schema.json#/definitions/${name}` });
}

type StandaloneCode = (ajv: Ajv, refs: Record<string, string>) => string;

/** The CommonJS module's function: Node's ESM loader gives module.exports, bundlers give its `default`. */
function standaloneCode(): StandaloneCode {
  const mod = standaloneModule as unknown as StandaloneCode | { default: StandaloneCode };
  return typeof mod === 'function' ? mod : mod.default;
}
