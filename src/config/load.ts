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
import type { DagcConfig, Parameters, ServiceName, ServiceSection } from './types.js';
import { DEFAULT_SECTIONS, SERVICE_NAMES } from './types.js';

export interface ConfigLoadOptions extends LoadOptions {
  /** Sections written in the pipeline file itself (Pipeline.serviceSections). */
  pipelineSections?: Partial<Record<ServiceName, ServiceSection>>;
}

function merge(
  fromFile: Partial<Record<ServiceName, ServiceSection>>,
  fromPipeline: Partial<Record<ServiceName, ServiceSection>>,
) {
  const out = {} as Record<ServiceName, ServiceSection>;
  for (const name of SERVICE_NAMES)
    out[name] = fromFile[name] ?? fromPipeline[name] ?? DEFAULT_SECTIONS[name];
  return out;
}

export async function loadConfig(
  file: string | undefined,
  opts: ConfigLoadOptions = {},
): Promise<LoadResult<DagcConfig>> {
  const fromPipeline = opts.pipelineSections ?? {};
  if (file === undefined) return { value: { ...merge({}, fromPipeline), plugins: [] }, diagnostics: [] };
  const cwd = opts.cwd ?? process.cwd();
  const vars = await loadVariables(opts.env ?? process.env, opts.varFiles ?? [], cwd);
  const diagnostics: Diagnostic[] = [...vars.diagnostics];
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
    return finish({ ...merge({}, fromPipeline), file, plugins: [] });
  }
  diagnostics.push(...(await checkSchema(doc, 'config')));
  const sections = readSections(doc);
  diagnostics.push(...sections.diagnostics);
  if (hasErrors(diagnostics)) return finish();
  const plugins = ((doc.data as { plugins?: string[] }).plugins ?? []).slice();
  return finish({ ...merge(sections.sections, fromPipeline), file, plugins });
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
  return { value: (parsed.doc.data ?? {}) as Parameters, diagnostics };
}
