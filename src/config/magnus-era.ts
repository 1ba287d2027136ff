// Which magnus a pipeline was written for. The eras record some things differently (magnus-spec.md §1.3, §5,
// §10): 0.5 resolves catalog patterns against compute_data_folder "." (its defaults.py COMPUTE_DATA_FOLDER),
// 2022–23 against "data"; 2022 catalogued no captured output, 2023 catalogued it as `<step>[_<map value>…]`,
// 0.5 as `<step>.execution.log[_<map value>…]` (and its `get` skips those); 2023 and 0.5 stubs sync no catalog;
// 2022–23 shell steps lose their exports. The era is asked for, first match wins:
//   1. `--magnus VERSION` on the command line;
//   2. `magnus: VERSION` in the config file;
//   3. none: dagc's own behaviour (compute_data_folder "data", captured output as in 2023 with branch prefixes).
// A VERSION is a magnus version (0.3.11, 0.4, 0.5.1) or an era name (2022, 2023, 0.5). Asking for an era also
// asks for magnus's shared working folder (executor.config.shared_workspace: true unless the config sets it).
// The pipeline's spelling is no signal: `stub` and `overrides` are dagc's own spellings too, so guessing would
// change dagc pipelines. A mismatch shows instead: a put or get that matches nothing under one era's data
// folder but would under the other's says so (runtime/era.ts).
import type { DagcConfig, ServiceSection } from './types.js';
import { TRAVERSES_HERE } from './executors.js';

export type MagnusEra = '2022' | '2023' | '0.5';

export interface EraChoice {
  readonly era: MagnusEra;
  /** Why, for messages: '--magnus 0.5.1', 'magnus: 0.5 in the config file'. */
  readonly because: string;
}

/** 0.1–0.3.x and 0.4.0 → 2022 (49937f7 kept the 2022 run log); 0.4.1+ → 2023; 0.5+ → 0.5. */
export function eraOfVersion(version: string): MagnusEra | undefined {
  const v = version.trim();
  if (v === '2022' || v === '2023' || v === '0.5') return v;
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v);
  if (!m) return undefined;
  const [major, minor, patch] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (major > 0 || minor >= 5) return '0.5';
  if (minor === 4) return patch === 0 && m[3] !== undefined ? '2022' : '2023';
  return '2022';
}

export const ERA_VERSION_HINT = 'give a magnus version such as 0.3.11, 0.4.22 or 0.5.1, or an era: 2022, 2023, 0.5';

export function chooseEra(opts: { flag?: string | undefined; config?: DagcConfig | undefined }): EraChoice | undefined {
  if (opts.flag !== undefined) {
    const era = eraOfVersion(opts.flag);
    return era ? { era, because: `--magnus ${opts.flag}` } : undefined;
  }
  if (opts.config?.magnus !== undefined) {
    const era = eraOfVersion(opts.config.magnus);
    return era ? { era, because: `magnus: ${opts.config.magnus} in the config file` } : undefined;
  }
  return undefined;
}

// Configs whose file wrote catalog.config.compute_data_folder: that folder stays whatever the era (kept beside
// the config object rather than in it, so a config still equals the sections it was read from).
const FOLDER_WRITTEN = new WeakSet<DagcConfig>();

export function markComputeDataFolderWritten(config: DagcConfig): void {
  FOLDER_WRITTEN.add(config);
}

const SHARED_FOLDER_EXECUTORS = new Set<string>([...TRAVERSES_HERE, 'mocked']);

/** The compute data folder an era uses when the config does not name one. */
export function defaultComputeDataFolder(era: MagnusEra | undefined): string {
  return era === '0.5' ? '.' : 'data';
}

/**
 * The config as the era reads it: its choice recorded, and the catalog's compute_data_folder set to the era's
 * default unless the config file (or the pipeline file's 2022 section) wrote one.
 */
export function applyEra(config: DagcConfig, choice: EraChoice | undefined): DagcConfig {
  if (!choice) return config;
  let catalog: ServiceSection = config.catalog;
  const folder = defaultComputeDataFolder(choice.era);
  // Only the built-in "data" yields: a folder some file wrote stays as written.
  const builtIn = catalog.config.compute_data_folder === undefined || catalog.config.compute_data_folder === 'data';
  if (!FOLDER_WRITTEN.has(config) && builtIn && folder !== 'data' && catalog.type !== 'do-nothing')
    catalog = { type: catalog.type, config: { ...catalog.config, compute_data_folder: folder } };
  // Asking for a magnus version asks for its semantics too: every step in the one shared working folder
  // (runtime/workspace.ts), unless the executor config says otherwise. Only where dagc traverses: an engine's
  // pods have no shared folder to ask for (and their executors' settings have no such key).
  let executor: ServiceSection = config.executor;
  if (executor.config.shared_workspace === undefined && SHARED_FOLDER_EXECUTORS.has(executor.type))
    executor = { type: executor.type, config: { ...executor.config, shared_workspace: true } };
  return { ...config, executor, catalog, magnusEra: choice };
}
