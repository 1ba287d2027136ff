// Service sections ({type, config}) as written in a config file or, magnus 2022 style, in the pipeline file
// (magnus-spec.md §1.1, §2.1): old spellings normalised, provider defaults filled in for a section given
// without `config`.
import type { ServiceName, ServiceSection } from './types.js';
import { SERVICE_NAMES } from './types.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { YamlDocument } from '../front-end/load.js';
import { rememberSource } from './source.js';
import { EXECUTOR_ALIASES } from './executors.js';

/** Older section names (magnus 2022 `mode`, magnus 0.4 `experiment_tracking`) → today's. */
export const SECTION_ALIASES: Readonly<Record<string, ServiceName>> = {
  mode: 'executor',
  experiment_tracking: 'experiment_tracker',
};

/** Older provider names → today's: magnus's demo-renderer is our bash target; step-functions is asl. */
export const PROVIDER_ALIASES: Readonly<Record<string, string>> = EXECUTOR_ALIASES;

/** Each provider's config when its section gives none (magnus-spec.md §2.2). */
export const PROVIDER_DEFAULTS: Readonly<
  Record<ServiceName, Readonly<Record<string, Readonly<Record<string, unknown>>>>>
> = {
  executor: {},
  run_log_store: {
    'file-system': { log_folder: '.run_log_store' },
    'chunked-fs': { log_folder: '.run_log_store' },
  },
  catalog: {
    'file-system': { catalog_location: '.catalog', compute_data_folder: 'data' },
    'do-nothing': { compute_data_folder: 'data' },
  },
  secrets: {
    dotenv: { location: '.env' },
  },
  experiment_tracker: {},
};

/** Normalises the provider name and fills in the provider's defaults when `config` is absent or empty (null). */
export function toServiceSection(
  service: ServiceName,
  raw: { type: string; config?: unknown },
): ServiceSection {
  const type = service === 'executor' ? (PROVIDER_ALIASES[raw.type] ?? raw.type) : raw.type;
  const given = raw.config;
  const config =
    given !== undefined && given !== null
      ? (given as Record<string, unknown>)
      : { ...(PROVIDER_DEFAULTS[service][type] ?? {}) };
  return { type, config };
}

/**
 * The service sections of a schema-valid file, by today's names. Both spellings of one section (`mode` and
 * `executor`) are an error: which one wins would be a guess.
 */
export function readSections(doc: YamlDocument): {
  sections: Partial<Record<ServiceName, ServiceSection>>;
  diagnostics: Diagnostic[];
} {
  const data = (doc.data ?? {}) as Record<string, unknown>;
  const sections: Partial<Record<ServiceName, ServiceSection>> = {};
  const diagnostics: Diagnostic[] = [];
  const spelledAs = new Map<ServiceName, string>();
  for (const key of Object.keys(data)) {
    const service = SECTION_ALIASES[key] ?? (SERVICE_NAMES as readonly string[]).find((s) => s === key);
    if (service === undefined) continue;
    const value = data[key];
    if (!value || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string')
      continue;
    const first = spelledAs.get(service as ServiceName);
    if (first !== undefined) {
      diagnostics.push(
        doc.at(
          `/${key}`,
          'DAGC-CONFIG-DUPLICATE-SECTION',
          `"${key}" and "${first}" are two names for the same section`,
          `keep one of them ("${service}" is today's name)`,
          { part: 'key' },
        ),
      );
      continue;
    }
    spelledAs.set(service as ServiceName, key);
    const section = toServiceSection(service as ServiceName, value as { type: string; config?: unknown });
    rememberSource(section, doc, `/${key}`);
    sections[service as ServiceName] = section;
  }
  return { sections, diagnostics };
}
