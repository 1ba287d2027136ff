// The environment every task runner gives its child (DESIGN.md §4; magnus-spec.md §4.1 step 2, §4.3) and the
// private files a step may write its parameters and metrics to (`$DAGC_OUTPUT`, `$DAGC_METRICS`).
import { mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TaskRequest } from './types.js';
import type { Captured } from './capture.js';
import { parseOutputFile } from './capture.js';
import { pythonJsonText } from '../../front-end/hash.js';
import type { DataCatalogEntry } from '../../services/run-log/types.js';
import { parseJson } from '../../core/py-float.js';
import { pythonHome } from './python-home.js';

export interface StepFiles {
  /** Private temp folder (mode 0700, from mkdtemp), removed after the attempt. */
  readonly dir: string;
  readonly output: string;
  readonly metrics: string;
  /** `$DAGC_CATALOG_RECORD`: catalog entries the step's own get/put calls made (dagc step-api), JSON lines. */
  readonly catalog: string;
}

// The step's private files are small and made or read once per attempt: synchronous calls, each a system call,
// where fs/promises took trips through the thread pool (issue 16: a `dagc exec` close to a bare node start).
export async function makeStepFiles(): Promise<StepFiles> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-step-'));
  const files = { dir, output: path.join(dir, 'output'), metrics: path.join(dir, 'metrics'), catalog: path.join(dir, 'catalog') };
  try {
    for (const file of [files.output, files.metrics, files.catalog]) writeFileSync(file, '');
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  return files;
}

export async function removeStepFiles(files: StepFiles): Promise<void> {
  // The folder usually holds what dagc put there and nothing else: removed by name (Node's recursive rm walks and
  // stats each entry first); anything a step added goes with the recursive removal.
  try {
    for (const name of readdirSync(files.dir)) unlinkSync(path.join(files.dir, name));
    rmdirSync(files.dir);
  } catch {
    rmSync(files.dir, { recursive: true, force: true });
  }
}

/** A file's text, or `otherwise` when it cannot be read (deleted by the step, never written). */
export function readTextOr<T>(file: string, otherwise: T): string | T {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return otherwise;
  }
}

/** Reads what the step wrote to `$DAGC_OUTPUT` / `$DAGC_METRICS` (a deleted file counts as empty). */
export async function readStepFiles(files: StepFiles): Promise<Captured> {
  const output = readTextOr(files.output, '');
  const metrics = readTextOr(files.metrics, '');
  return {
    parameters: parseOutputFile(output, '$DAGC_OUTPUT'),
    metrics: parseOutputFile(metrics, '$DAGC_METRICS'),
  };
}

/** The catalog entries the step's API calls recorded (python/_dagc_compat.py → dagc step-api). */
export async function readCatalogRecord(files: StepFiles): Promise<DataCatalogEntry[]> {
  const text = readTextOr(files.catalog, '');
  return text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => parseJson(line) as DataCatalogEntry);
}

/** How a step calls dagc back (`dagc step-api`): this Node and this package's bin, as a JSON array. */
function stepApiCommand(): string {
  return JSON.stringify([process.execPath, path.join(path.dirname(pythonHome()), 'bin', 'dagc.js')]);
}

// A name holding '=' or NUL cannot be an environment variable (spawn rejects NUL, '=' would split the name);
// such a parameter is still in the run log, only not exported.
function exportable(name: string): boolean {
  return name !== '' && !name.includes('=') && !name.includes('\0');
}

/** Parameters reach steps as magnus exported them: Python's json.dumps text (spec §4.1). */
function json(value: unknown): string {
  // A missing value reads back as null, as json.dumps(None) would.
  return value === undefined ? 'null' : pythonJsonText(value);
}

// The environment is not a place for large values: Linux refuses a single variable over 128 KiB and all of them
// together over a fraction of the stack limit (`spawn E2BIG`, and every later step failed to start; issue 16).
// Every parameter is therefore also in a file (`$DAGC_PARAMETERS`, one JSON object); a value whose variable
// would pass these budgets is left out of the environment and named in `$DAGC_PARAMETERS_IN_FILE` (a JSON
// list), where the Python shim (python/_dagc_compat.py) and a shell step (`jq .name "$DAGC_PARAMETERS"`) find it.
/** Largest `DAGC_PRM_<name>=<json>` exported, in bytes (each spelling). */
export const PARAMETER_ENV_MAX_BYTES = 64 * 1024;
/** Largest sum of the parameter variables exported (both spellings), in bytes. */
export const PARAMETERS_ENV_BUDGET_BYTES = 512 * 1024;

/**
 * The child's environment: the parent's (less DAGC_* and MAGNUS_*), the run parameters (both spellings, JSON, as
 * far as they fit; all of them in `$DAGC_PARAMETERS`), run id, attempt number, map variable, the two output
 * files, and `request.env` on top (secret_as_env, DAGC_RUN_TAG, …).
 */
export function buildStepEnv(request: TaskRequest, files: StepFiles): Record<string, string> {
  const env: Record<string, string> = {};
  // The image's environment (here: this process's), without dagc's and magnus's own variables: those a step
  // sees are the ones set below, the same on every target, never what the launching shell happened to hold
  // (DAGC_USE_CACHED, DAGC_BIN, a stale DAGC_PRM_x: the run's parameters are exported below).
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && !name.startsWith('DAGC_') && !name.startsWith('MAGNUS_')) env[name] = value;
  const all: Record<string, unknown> = {};
  const inFile: string[] = [];
  let budget = PARAMETERS_ENV_BUDGET_BYTES;
  const setParameter = (name: string, value: unknown): void => {
    all[name] = value === undefined ? null : value;
    if (!exportable(name)) return;
    const text = json(value);
    // Bytes of one variable: its name, '=', the value (UTF-8); the same for both spellings.
    const size = Buffer.byteLength(text, 'utf8') + name.length + 'MAGNUS_PRM_='.length;
    if (size > PARAMETER_ENV_MAX_BYTES || 2 * size > budget) {
      delete env[`DAGC_PRM_${name}`];
      delete env[`MAGNUS_PRM_${name}`];
      if (!inFile.includes(name)) inFile.push(name);
      return;
    }
    budget -= 2 * size;
    env[`DAGC_PRM_${name}`] = text;
    env[`MAGNUS_PRM_${name}`] = text;
  };
  for (const [name, value] of Object.entries(request.parameters)) setParameter(name, value);
  env.DAGC_RUN_ID = request.runId;
  env.MAGNUS_RUN_ID = request.runId;
  env.DAGC_STEP_ATTEMPT = String(request.attempt);
  env.MAGNUS_STEP_ATTEMPT = String(request.attempt);
  if (Object.keys(request.mapVariable).length > 0) {
    // magnus-spec.md §4.3: MAGNUS_PRM_MAP_VARIABLE makes get_parameter() see `map_variable`; each iterate_as
    // value is also a parameter so shell steps and get_parameter('item') see it by name.
    const mapText = json(request.mapVariable);
    if (Buffer.byteLength(mapText, 'utf8') <= PARAMETER_ENV_MAX_BYTES) {
      env.DAGC_MAP_VARIABLE = mapText;
      env.MAGNUS_PRM_MAP_VARIABLE = mapText;
    }
    for (const [name, value] of Object.entries(request.mapVariable)) setParameter(name, value);
  }
  // Written here (the runners call this just before they spawn): a private file of this attempt, Python's
  // json.dumps text as the variables hold it.
  const parametersFile = path.join(files.dir, 'parameters.json');
  writeFileSync(parametersFile, pythonJsonText(all), { mode: 0o600 });
  env.DAGC_PARAMETERS = parametersFile;
  if (inFile.length) env.DAGC_PARAMETERS_IN_FILE = JSON.stringify(inFile);
  env.DAGC_OUTPUT = files.output;
  env.DAGC_METRICS = files.metrics;
  env.DAGC_CATALOG_RECORD = files.catalog;
  env.DAGC_STEP_API = stepApiCommand();
  for (const [name, value] of Object.entries(request.env)) env[name] = value;
  return env;
}
