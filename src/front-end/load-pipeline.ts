// The front end, end to end (shared/DESIGN.md §1): read → parse → variables → schema → rules (with the
// dag_definition files) → dag hash → IR. Every problem of every file comes back at once, sorted; the IR
// only when there is no error.
import path from 'node:path';
import type { Pipeline } from '../ir/types.js';
import { buildPipeline } from '../ir/build.js';
import { readSections } from '../config/sections.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { hasErrors, sortDiagnostics } from '../core/diagnostics.js';
import { hashDag } from './hash.js';
import type { YamlDocument } from './load.js';
import { readYamlFile } from './load.js';
import { checkRules } from './rules.js';
import type { SourceFile } from './rules.js';
import { checkSchema } from './schema.js';
import { displayPath, uniqueDiagnostics } from '../core/display.js';
import { loadVariables, substitute } from './variables.js';

export interface LoadOptions {
  cwd?: string;
  env?: Readonly<Record<string, string | undefined>>;
  varFiles?: readonly string[];
}

export interface LoadResult<T> {
  /** Present iff there is no error diagnostic. */
  value?: T;
  diagnostics: Diagnostic[];
}

const NOT_A_DAG_FILE_SECTIONS = [
  'executor',
  'mode',
  'run_log_store',
  'catalog',
  'secrets',
  'experiment_tracker',
  'experiment_tracking',
];

export async function loadPipeline(file: string, opts: LoadOptions = {}): Promise<LoadResult<Pipeline>> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const vars = await loadVariables(env, opts.varFiles ?? [], cwd);
  // Always applied, even with no variables: `$$` becomes `$` as it did in magnus (magnus-spec.md §10.6).
  const mapString = (s: string) => substitute(s, vars.variables);
  const diagnostics: Diagnostic[] = [...vars.diagnostics];
  const finish = (value?: Pipeline): LoadResult<Pipeline> => {
    const all = sortDiagnostics(uniqueDiagnostics(diagnostics));
    return hasErrors(all) || !value ? { diagnostics: all } : { value, diagnostics: all };
  };

  const abs = path.resolve(cwd, file);
  const parsed = await readYamlFile(abs, displayPath(abs, cwd), {
    what: 'pipeline file',
    mapString,
    emptyHint: 'a pipeline file holds a "dag:" block with start_at and steps',
  });
  diagnostics.push(...parsed.diagnostics);
  const doc = parsed.doc;
  if (!doc) return finish();
  diagnostics.push(...(await checkSchema(doc, 'pipeline')));
  const sections = readSections(doc);
  diagnostics.push(...sections.diagnostics);

  // dag_definition files: the same reading and schema as the pipeline file; their service sections were
  // never read by magnus, so they are flagged rather than silently ignored.
  const loadFile = async (subAbs: string): Promise<{ file?: SourceFile; diagnostics: Diagnostic[] }> => {
    const sub = await readYamlFile(subAbs, displayPath(subAbs, cwd), {
      what: 'dag_definition file',
      mapString,
      emptyHint: 'a dag_definition file holds a "dag:" block with start_at and steps, like a pipeline file',
    });
    if (!sub.doc) return { diagnostics: sub.diagnostics };
    const found = [...sub.diagnostics, ...(await checkSchema(sub.doc, 'pipeline'))];
    const data = sub.doc.data as Record<string, unknown>;
    for (const key of NOT_A_DAG_FILE_SECTIONS)
      if (Object.hasOwn(data, key))
        found.push(
          sub.doc.at(
            `/${key}`,
            'DAGC-DAG-DEFINITION-SECTION-IGNORED',
            `"${key}" in a dag_definition file is ignored`,
            'services come from the config file (or the pipeline file); remove it here',
            { part: 'key', severity: 'warning' },
          ),
        );
    return { file: { doc: sub.doc, abs: subAbs }, diagnostics: found };
  };
  const rules = await checkRules({ doc, abs }, { cwd, loadFile });
  diagnostics.push(...rules.diagnostics);
  if (hasErrors(diagnostics)) return finish();

  const dag = (doc.hash as Record<string, unknown>).dag;
  const absOf = new Map<YamlDocument, string>([
    [doc, abs],
    ...[...rules.subFiles.values()].map((f) => [f.doc, f.abs] as const),
  ]);
  const pipeline = buildPipeline({
    file,
    doc,
    dagHash: hashDag(dag),
    variables: vars.variables,
    serviceSections: sections.sections,
    subDag(from: YamlDocument, ref: string) {
      const sub = rules.subFiles.get(`${absOf.get(from)}\0${ref}`);
      if (!sub) throw new Error(`dag_definition "${ref}" of ${from.file} was not resolved by the rules`);
      return { doc: sub.doc, abs: sub.abs };
    },
  });
  return finish(pipeline);
}
