// The run's built pipeline (issue 16): the IR and the resolved config, kept in the run log store beside the run
// record, so that `dagc exec` / `dagc fan` — one process per node of a rendered target — read one JSON file
// instead of loading two YAML parsers and the schema validators and building the IR again for every step.
// It is a cache of the front end's work, kept with everything that work read: the files (the pipeline, its dag
// sub-files, the config, -v files, dagc-config.yaml / magnus-config.yaml) byte for byte, the variables in the
// environment, the flags, the working folder and dagc's version. A call whose inputs differ in any byte does
// the work again (and says so when the dag hash changed since the run was created). The bytes are compared,
// not hashed: loading node:crypto alone cost a `dagc exec` more than reading the record.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { DagcConfig } from '../config/types.js';
import type { Graph, Pipeline } from '../ir/types.js';
import { parseJson, stringifyJson } from '../core/py-float.js';

export const BUILT_FORMAT = 3;

/**
 * The config file's place in `sources`: its bytes are compared, its location is not. A pod's config is written
 * from the workflow's argument to a file of the pod's own (the Argo emulator gives each pod its own /tmp), and a
 * run's first call may name it elsewhere (`dagc fan open -c argo.yaml`): what the front end builds from it
 * depends on its text alone (nothing in a config is read relative to the file), so equal bytes anywhere match.
 */
export const CONFIG_SOURCE = '<config file>';

export interface BuiltRun {
  readonly format: number;
  /** The inputs besides the files' bytes (BuildInputs and the source paths), as JSON text. */
  readonly fingerprint: string;
  /** Absolute paths of the files the front end read (or looked for); the config file as CONFIG_SOURCE. */
  readonly sources: readonly string[];
  /** Their bytes as latin1 text (one character per byte, so equal text means equal bytes); null: absent. */
  readonly contents: readonly (string | null)[];
  readonly pipeline: Pipeline;
  readonly config: DagcConfig;
}

/** What, besides the files, decides what the front end builds. */
export interface BuildInputs {
  readonly version: string;
  readonly cwd: string;
  readonly pipelineFile: string;
  readonly configFile?: string | undefined;
  readonly varFiles: readonly string[];
  readonly magnus?: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** The working folder's defaults files (config/user-defaults.ts DEFAULTS_FILES; read whether or not they exist). */
const DEFAULTS_FILES = ['dagc-config.yaml', 'magnus-config.yaml'];

/** The config file as `sources` holds it: CONFIG_SOURCE, unless it is also a defaults file of the folder. */
function configSource(inputs: BuildInputs): string | undefined {
  if (inputs.configFile === undefined) return undefined;
  const file = path.resolve(inputs.cwd, inputs.configFile);
  return DEFAULTS_FILES.some((f) => path.resolve(inputs.cwd, f) === file) ? undefined : file;
}

/** The files `sources` names, read for these inputs: CONFIG_SOURCE is this call's config file. */
export function sourcePaths(sources: readonly string[], inputs: BuildInputs): string[] {
  const config = configSource(inputs);
  return sources.map((s) => (s === CONFIG_SOURCE ? (config ?? s) : s));
}

/** Every file the front end read for this pipeline and config, absolute, sorted; the config file as CONFIG_SOURCE. */
export function sourcesOf(pipeline: Pipeline, inputs: BuildInputs): string[] {
  const files = new Set<string>();
  const add = (f: string) => files.add(path.resolve(inputs.cwd, f));
  add(inputs.pipelineFile);
  const visit = (graph: Graph) => {
    add(graph.file);
    for (const node of graph.nodes) {
      if (node.type === 'dag') {
        add(node.dagFile);
        visit(node.branch);
      } else if (node.type === 'parallel') for (const b of node.branches) visit(b);
      else if (node.type === 'map') visit(node.branch);
    }
  };
  visit(pipeline.root);
  if (inputs.configFile) add(inputs.configFile);
  for (const f of inputs.varFiles) add(f);
  for (const f of DEFAULTS_FILES) add(f);
  const config = configSource(inputs);
  if (config !== undefined) {
    files.delete(config);
    files.add(CONFIG_SOURCE);
  }
  return [...files].sort();
}

/** The inputs besides the files' bytes, as text: equal text, equal inputs. */
export function fingerprintOf(inputs: BuildInputs, sources: readonly string[]): string {
  const variables = Object.entries(inputs.env)
    .filter(([k, v]) => v !== undefined && (k.startsWith('DAGC_VAR_') || k.startsWith('MAGNUS_VAR_')))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify({
    format: BUILT_FORMAT,
    version: inputs.version,
    cwd: inputs.cwd,
    pipelineFile: inputs.pipelineFile,
    // Whether there is one, and whether it is a defaults file of the folder; where it is, apart from that, is
    // not an input (CONFIG_SOURCE).
    configFile: inputs.configFile === undefined ? null : configSource(inputs) === undefined ? inputs.configFile : CONFIG_SOURCE,
    varFiles: inputs.varFiles,
    magnus: inputs.magnus ?? null,
    variables,
    sources,
  });
}

/** The bytes of each source as latin1 text, null for a file that is absent (read synchronously: small files, once per step). */
export async function contentsOf(sources: readonly string[]): Promise<(string | null)[]> {
  return sources.map((file) => {
    try {
      return readFileSync(file, 'latin1');
    } catch {
      return null;
    }
  });
}

/** Whether `built` was built from exactly these inputs (the files' bytes included). */
export async function builtFrom(built: BuiltRun, inputs: BuildInputs): Promise<boolean> {
  if (fingerprintOf(inputs, built.sources) !== built.fingerprint) return false;
  const now = await contentsOf(sourcePaths(built.sources, inputs));
  return now.every((text, i) => text === built.contents[i]);
}

/** The record's text, or undefined when the IR holds a value JSON cannot keep (it is then not stored). */
export function builtText(built: BuiltRun): string | undefined {
  try {
    return stringifyJson(built);
  } catch {
    return undefined;
  }
}

export function parseBuilt(text: string): BuiltRun | undefined {
  try {
    const value = parseJson(text) as Partial<BuiltRun> | null;
    if (!value || value.format !== BUILT_FORMAT || typeof value.fingerprint !== 'string' || !Array.isArray(value.sources)) return undefined;
    if (!Array.isArray(value.contents) || value.contents.length !== value.sources.length) return undefined;
    if (typeof value.pipeline !== 'object' || typeof value.config !== 'object') return undefined;
    return value as BuiltRun;
  } catch {
    return undefined;
  }
}
