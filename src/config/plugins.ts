// Plugins (`plugins: [name, …]` in the config): installed npm packages that add targets, service providers
// or integrations, the way src/library/targets.ts, src/services/*/index.ts and src/integrations/builtin.ts
// register dagc's own. README "Plugins" documents the export shape:
//
//   export default {
//     targets?: [{ name, executorTypes?, configSchema?, defaultOutput(base), compile(ir, config, options) }],
//     providers?: [{ service, name, configSchema?, create(config, { cwd, env }) }],
//     integrations?: [{ executor, service, provider, validate?(ctx), configureForTraversal?(ctx), … }],
//   }
//
// A plugin is resolved from the config file's folder (its node_modules, then the parents'), loaded once per
// process, and checked before anything uses it. A name a built-in or another plugin already has is an
// error, never an override (the integration registry's rule too). Plugin config schemas are compiled at run
// time (only when a config names a plugin): they cannot be precompiled into dagc's build.
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { importModule } from '../core/import-module.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { YamlDocument } from '../front-end/load.js';
import { EXECUTOR_TYPES } from './executors.js';
import type { ServiceName } from './types.js';
import configSchema from '../../schemas/config.schema.json' with { type: 'json' };
import type { ValidateFunction } from 'ajv';
import type { PluginProvider, PluginSchema, PluginService, PluginTarget } from './plugin-registry.js';
import { PLUGIN_SERVICES, loaded, pluginFor } from './plugin-registry.js';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isName = (v: unknown): v is string => typeof v === 'string' && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(v);

/** What is wrong with a module's export as a dagc plugin ([] when nothing). */
function shapeProblems(
  exported: Record<string, unknown>,
  builtinNames: Readonly<Record<ServiceName, readonly string[]>>,
  taken: Map<string, string>,
  from: string,
): { problems: string[]; targets: PluginTarget[]; providers: PluginProvider[]; integrations: object[] } {
  const problems: string[] = [];
  const targets: PluginTarget[] = [];
  const providers: PluginProvider[] = [];
  const integrations: object[] = [];
  const claim = (key: string, what: string) => {
    const owner = taken.get(key);
    if (owner !== undefined) problems.push(`${what} is already ${owner}`);
    else taken.set(key, `provided by the plugin "${from}"`);
  };
  const list = (key: string): unknown[] => {
    const v = exported[key];
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      problems.push(`"${key}" must be a list`);
      return [];
    }
    return v;
  };
  list('targets').forEach((t, i) => {
    if (!isObject(t) || !isName(t.name) || typeof t.compile !== 'function' || typeof t.defaultOutput !== 'function')
      return problems.push(`targets[${i}] must be {name, defaultOutput(base), compile(ir, config, options)}`);
    const executorTypes = t.executorTypes === undefined ? [t.name] : t.executorTypes;
    if (!Array.isArray(executorTypes) || !executorTypes.every(isName)) return problems.push(`targets[${i}].executorTypes must be a list of names`);
    if (t.configSchema !== undefined && !isObject(t.configSchema)) return problems.push(`targets[${i}].configSchema must be a JSON Schema object`);
    claim(`target\0${t.name}`, `the target "${t.name}"`);
    for (const type of executorTypes as string[]) claim(`executor\0${type}`, `the executor type "${type}"`);
    targets.push({ ...(t as unknown as PluginTarget), executorTypes: executorTypes as string[] });
  });
  list('providers').forEach((p, i) => {
    if (!isObject(p) || !(PLUGIN_SERVICES as readonly unknown[]).includes(p.service) || !isName(p.name) || typeof p.create !== 'function')
      return problems.push(`providers[${i}] must be {service (${PLUGIN_SERVICES.join(', ')}), name, create(config, options)}`);
    if (p.configSchema !== undefined && !isObject(p.configSchema)) return problems.push(`providers[${i}].configSchema must be a JSON Schema object`);
    if (builtinNames[p.service as PluginService].includes(p.name)) return problems.push(`the ${p.service as string} "${p.name}" is built into dagc`);
    claim(`${p.service as string}\0${p.name}`, `the ${p.service as string} "${p.name}"`);
    providers.push(p as unknown as PluginProvider);
  });
  list('integrations').forEach((x, i) => {
    if (!isObject(x) || typeof x.executor !== 'string' || typeof x.service !== 'string' || typeof x.provider !== 'string')
      return problems.push(`integrations[${i}] must be {executor, service, provider, …}`);
    integrations.push(x);
  });
  if (!targets.length && !providers.length && !integrations.length && !problems.length)
    problems.push('it exports no targets, providers or integrations');
  return { problems, targets, providers, integrations };
}

/**
 * Loads the plugins a config names, from `baseDir` (the config file's folder). Every problem is a
 * diagnostic at the plugin's entry in `plugins:`. Built-in names come from the config schema's own enums.
 */
export async function loadPlugins(names: readonly string[], baseDir: string, doc: YamlDocument): Promise<Diagnostic[]> {
  const diagnostics: Diagnostic[] = [];
  const definitions = (configSchema as unknown as { definitions: Record<string, { properties: { type: { enum: string[] } } }> }).definitions;
  const builtinNames = {
    executor: EXECUTOR_TYPES,
    ...Object.fromEntries(PLUGIN_SERVICES.map((s) => [s, definitions[s]!.properties.type.enum])),
  } as Record<ServiceName, readonly string[]>;
  const taken = new Map<string, string>();
  for (const type of EXECUTOR_TYPES) taken.set(`executor\0${type}`, 'a built-in executor');
  for (const type of ['bash', 'argo', 'asl']) taken.set(`target\0${type}`, 'a built-in target');
  const requireFrom = createRequire(path.join(baseDir, 'noop.js'));
  for (const [i, name] of names.entries()) {
    const at = (message: string, hint: string) => diagnostics.push(doc.at(`/plugins/${i}`, 'DAGC-CONFIG-PLUGIN', message, hint));
    let file: string;
    try {
      file = requireFrom.resolve(name);
    } catch {
      at(`the plugin "${name}" is not installed: no package "${name}" in node_modules from ${baseDir} up`, `install it next to the config file (npm install ${name}), or remove it from plugins`);
      continue;
    }
    const known = loaded.get(file);
    if (known) {
      // Loaded by an earlier config in this process: its names are its own, not a clash.
      for (const t of known.targets) {
        taken.set(`target\0${t.name}`, `provided by the plugin "${known.name}"`);
        for (const type of t.executorTypes) taken.set(`executor\0${type}`, `provided by the plugin "${known.name}"`);
      }
      for (const p of known.providers) taken.set(`${p.service}\0${p.name}`, `provided by the plugin "${known.name}"`);
      continue;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await importModule(pathToFileURL(file).href)) as Record<string, unknown>;
    } catch (error) {
      at(`the plugin "${name}" failed to load: ${(error as Error).message}`, `check that ${file} runs under this Node.js (${process.version})`);
      continue;
    }
    const exported = isObject(mod.default) ? mod.default : mod;
    const shape = shapeProblems(exported, builtinNames, taken, name);
    if (shape.problems.length) {
      at(`the plugin "${name}" is not a dagc plugin: ${shape.problems.join('; ')}`, 'a plugin exports { targets?, providers?, integrations? } (README "Plugins")');
      continue;
    }
    // Plain data only: a plugin's own objects are kept, with the executor types filled in.
    loaded.set(file, { name, file, targets: shape.targets, providers: shape.providers, integrations: shape.integrations });
  }
  return diagnostics;
}

const validators = new WeakMap<PluginSchema, ValidateFunction>();

/**
 * The config schema's diagnostics once plugins are loaded: a section whose type a plugin provides is not an
 * "unknown type"; its `config` is checked against the plugin's schema instead, through the same wording and
 * unknown-key policy (src/front-end/schema.ts).
 */
export async function pluginSchemaDiagnostics(doc: YamlDocument, fromSchema: readonly Diagnostic[]): Promise<Diagnostic[]> {
  const { SECTION_ALIASES } = await import('./sections.js');
  const data = (doc.data ?? {}) as Record<string, unknown>;
  let out = [...fromSchema];
  for (const [key, value] of Object.entries(data)) {
    const service = SECTION_ALIASES[key] ?? ((['executor', ...PLUGIN_SERVICES] as readonly string[]).includes(key) ? (key as ServiceName) : undefined);
    if (!service || !isObject(value) || typeof value.type !== 'string') continue;
    const found = pluginFor(service, value.type);
    if (!found) continue;
    const here = `/${key}/`;
    out = out.filter((d) => !(d.pointer === `${here}type` || d.pointer?.startsWith(`${here}config`)));
    if (!found.schema) continue;
    let validate = validators.get(found.schema);
    if (!validate) {
      const { compilePluginSchema } = await import('../front-end/schema-compile.js');
      try {
        validate = compilePluginSchema(found.schema);
      } catch (error) {
        out.push(doc.at(`${here}type`, 'DAGC-CONFIG-PLUGIN', `the plugin "${found.plugin.name}" has an invalid config schema for "${value.type}": ${(error as Error).message}`, 'fix the plugin (its configSchema must be a JSON Schema draft-07 that ajv compiles in strict mode)'));
        continue;
      }
      validators.set(found.schema, validate);
    }
    const { checkValueSchema } = await import('../front-end/schema.js');
    out.push(...checkValueSchema(doc, `${here}config`, value.config ?? {}, validate));
  }
  return out;
}
