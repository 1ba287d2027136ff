// The config file (-c) and the parameters file (-p). Config: variables applied (magnus 49937f7+ did, spec
// §1.8), checked against schemas/config.schema.json, old spellings normalised, then per section:
// config file > the pipeline file's own section (magnus 2022, spec §2.1) > DEFAULT_SECTIONS.
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { hasErrors, sortDiagnostics } from '../core/diagnostics.js';
import { readYamlFile } from '../front-end/load.js';
import type { LoadOptions, LoadResult } from '../front-end/load-pipeline.js';
import { displayPath, uniqueDiagnostics } from '../core/display.js';
import { checkSchema } from '../front-end/schema.js';
import { loadVariables, substitute } from '../front-end/variables.js';
import { readSections } from './sections.js';
import { ERA_VERSION_HINT, eraOfVersion, markComputeDataFolderWritten } from './magnus-era.js';
import { pyFloat } from '../core/py-float.js';
import { setOwn } from '../core/set-own.js';
import type { DagcConfig, Parameters, ServiceName, ServiceSection } from './types.js';
import { DEFAULT_SECTIONS, SERVICE_NAMES } from './types.js';
import { loadUserDefaults } from './user-defaults.js';

export interface ConfigLoadOptions extends LoadOptions {
  /** Sections written in the pipeline file itself (Pipeline.serviceSections). */
  pipelineSections?: Partial<Record<ServiceName, ServiceSection>>;
}

function merge(
  fromFile: Partial<Record<ServiceName, ServiceSection>>,
  fromPipeline: Partial<Record<ServiceName, ServiceSection>>,
  fromDefaults: Partial<Record<ServiceName, ServiceSection>> = {},
) {
  const out = {} as Record<ServiceName, ServiceSection>;
  for (const name of SERVICE_NAMES)
    out[name] = fromFile[name] ?? fromPipeline[name] ?? fromDefaults[name] ?? DEFAULT_SECTIONS[name];
  return out;
}

export async function loadConfig(
  file: string | undefined,
  opts: ConfigLoadOptions = {},
): Promise<LoadResult<DagcConfig>> {
  const fromPipeline = opts.pipelineSections ?? {};
  const cwd = opts.cwd ?? process.cwd();
  // dagc-config.yaml / magnus-config.yaml `defaults:` in the working directory (config/user-defaults.ts).
  const userDefaults = await loadUserDefaults(cwd);
  const fromDefaults = userDefaults.sections;
  if (file === undefined) {
    const all = sortDiagnostics(userDefaults.diagnostics);
    return hasErrors(all) ? { diagnostics: all } : { value: { ...merge({}, fromPipeline, fromDefaults), plugins: [] }, diagnostics: all };
  }
  const vars = await loadVariables(opts.env ?? process.env, opts.varFiles ?? [], cwd);
  const diagnostics: Diagnostic[] = [...vars.diagnostics, ...userDefaults.diagnostics];
  const finish = (value?: DagcConfig): LoadResult<DagcConfig> => {
    const all = sortDiagnostics(uniqueDiagnostics(diagnostics));
    return hasErrors(all) || !value ? { diagnostics: all } : { value, diagnostics: all };
  };
  const abs = path.resolve(cwd, file);
  const parsed = await readYamlFile(abs, displayPath(abs, cwd), {
    what: 'config file',
    mapString: (s) => substitute(s, vars.variables),
    allowEmpty: true,
  });
  diagnostics.push(...parsed.diagnostics);
  const doc = parsed.doc;
  if (!doc) return finish();
  if (doc.data === undefined) {
    diagnostics.push({
      code: 'DAGC-CONFIG-EMPTY',
      severity: 'warning',
      message: `the config file "${doc.file}" is empty: every section takes its default`,
      hint: 'remove -c, or give at least one section (executor, run_log_store, catalog, secrets, experiment_tracker)',
      file: doc.file,
      start: { line: 1, column: 1 },
    });
    return finish({ ...merge({}, fromPipeline, fromDefaults), file, plugins: [] });
  }
  // Plugins load first: the types they provide are not in the precompiled schema (src/config/plugins.ts).
  const named = (doc.data as { plugins?: unknown } | null)?.plugins;
  const pluginNames = Array.isArray(named) ? named.filter((n): n is string => typeof n === 'string' && n !== '') : [];
  if (pluginNames.length) {
    const { loadPlugins, pluginSchemaDiagnostics } = await import('./plugins.js');
    diagnostics.push(...(await loadPlugins(pluginNames, path.dirname(abs), doc)));
    diagnostics.push(...(await pluginSchemaDiagnostics(doc, await checkSchema(doc, 'config'))));
  } else diagnostics.push(...(await checkSchema(doc, 'config')));
  const sections = readSections(doc);
  diagnostics.push(...sections.diagnostics);
  if (hasErrors(diagnostics)) return finish();
  const plugins = ((doc.data as { plugins?: string[] }).plugins ?? []).slice();
  const raw = doc.data as { magnus?: unknown };
  const magnus = raw.magnus === undefined || raw.magnus === null ? undefined : String(raw.magnus);
  if (magnus !== undefined && eraOfVersion(magnus) === undefined) {
    diagnostics.push(doc.at('/magnus', 'DAGC-CONFIG-MAGNUS-VERSION', `"${magnus}" is not a magnus version`, ERA_VERSION_HINT));
    return finish();
  }
  const merged = merge(sections.sections, fromPipeline, fromDefaults);
  const config: DagcConfig = { ...merged, file, plugins, ...(magnus !== undefined ? { magnus } : {}) };
  if (folderWritten(doc.data)) markComputeDataFolderWritten(config);
  return finish(config);
}

/** Whether the config file's catalog section (either spelling of its config) names a compute_data_folder. */
function folderWritten(data: unknown): boolean {
  const catalog = (data as { catalog?: { config?: unknown } } | null)?.catalog;
  const config = catalog?.config;
  return config !== null && typeof config === 'object' && Object.hasOwn(config, 'compute_data_folder');
}

/** The initial parameters: a YAML mapping; no file, or an empty one, gives {}. */
export async function loadParameters(
  file: string | undefined,
  opts: LoadOptions = {},
): Promise<LoadResult<Parameters>> {
  if (file === undefined) return { value: {}, diagnostics: [] };
  const cwd = opts.cwd ?? process.cwd();
  const abs = path.resolve(cwd, file);
  // magnus never substituted variables in parameters files (spec §1.8): values are taken as written.
  const parsed = await readYamlFile(abs, displayPath(abs, cwd), {
    what: 'parameters file',
    allowEmpty: true,
  });
  const diagnostics = sortDiagnostics(parsed.diagnostics);
  if (!parsed.doc || hasErrors(diagnostics)) return { diagnostics };
  // The hash view keeps YAML's int/float distinction (ints as bigint): a float stays a float (issue 15).
  return { value: (pythonValues(parsed.doc.hash) ?? {}) as Parameters, diagnostics };
}

/** YAML ints (bigint in the hash view) become numbers; whole-valued YAML floats become PyFloat. */
function pythonValues(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return pyFloat(value);
  if (Array.isArray(value)) return value.map(pythonValues);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) setOwn(out, k, pythonValues(v));
    return out;
  }
  return value;
}
