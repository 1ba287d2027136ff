// The configuration file (shared/spec/magnus-spec.md §2): one `{type, config}` section per service.
// magnus's older spellings (`mode`, `experiment_tracking`) are accepted by the loader and normalised here.
import type { EraChoice } from './magnus-era.js';

export interface ServiceSection {
  readonly type: string;
  readonly config: Readonly<Record<string, unknown>>;
}

export type ServiceName = 'executor' | 'run_log_store' | 'catalog' | 'secrets' | 'experiment_tracker';
export const SERVICE_NAMES: readonly ServiceName[] = [
  'executor',
  'run_log_store',
  'catalog',
  'secrets',
  'experiment_tracker',
];

export interface DagcConfig {
  /** The config file it came from, or undefined when every section is a default. */
  readonly file?: string;
  readonly executor: ServiceSection;
  readonly run_log_store: ServiceSection;
  readonly catalog: ServiceSection;
  readonly secrets: ServiceSection;
  readonly experiment_tracker: ServiceSection;
  /** Third-party plugin modules named in the config (`plugins: [...]`). */
  readonly plugins: readonly string[];
  /** `magnus: VERSION` in the config file: the magnus the pipeline was written for (config/magnus-era.ts). */
  readonly magnus?: string;
  /** The era in force once the pipeline is known (set by applyEra; absent: dagc's own defaults). */
  readonly magnusEra?: EraChoice;
}

/**
 * Defaults when no config is given (issue: every command uses the same ones so `dagc runs show` finds any run):
 * executor local, run log chunked-fs in .run_log_store/, catalog file-system in .catalog/ with data/,
 * secrets and tracker do-nothing.
 */
export const DEFAULT_SECTIONS: Readonly<Record<ServiceName, ServiceSection>> = {
  executor: { type: 'local', config: {} },
  run_log_store: { type: 'chunked-fs', config: { log_folder: '.run_log_store' } },
  catalog: { type: 'file-system', config: { catalog_location: '.catalog', compute_data_folder: 'data' } },
  secrets: { type: 'do-nothing', config: {} },
  experiment_tracker: { type: 'do-nothing', config: {} },
};

export const DEFAULT_CONFIG: DagcConfig = { ...DEFAULT_SECTIONS, plugins: [] };

/** Initial parameters (the -p file): a mapping of names to JSON-compatible values. */
export type Parameters = Record<string, unknown>;
