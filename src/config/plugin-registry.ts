// The plugins loaded in this process (src/config/plugins.ts loads them, from `plugins:` in the config) and
// what they provide. Kept apart from the loader so that the services and the target registry can ask it
// without loading the config schema or the module resolver (`dagc exec` starts once per step).
import type { Diagnostic } from '../core/diagnostics.js';
import type { ServiceName } from './types.js';

export type PluginService = Exclude<ServiceName, 'executor'>;
export const PLUGIN_SERVICES: readonly PluginService[] = ['run_log_store', 'catalog', 'secrets', 'experiment_tracker'];

/** A JSON Schema (draft-07) for a provider's or target's `config`. */
export type PluginSchema = Readonly<Record<string, unknown>>;

export interface PluginProvider {
  readonly service: PluginService;
  readonly name: string;
  readonly configSchema?: PluginSchema;
  /** As a built-in provider's create (src/services/provider.ts): the section's config and {cwd, env}. */
  create(config: Readonly<Record<string, unknown>>, opts: { cwd: string; env?: Readonly<Record<string, string | undefined>> }): unknown;
}

export interface PluginTarget {
  readonly name: string;
  /** The config `executor.type`s that render with this target (`dagc execute`). Default: [name]. */
  readonly executorTypes: readonly string[];
  readonly configSchema?: PluginSchema;
  defaultOutput(base: string): string;
  /** As a built-in compiler's compile (src/emit/types.ts): pure, IR and config in, files and diagnostics out. */
  compile(ir: unknown, config: unknown, options: unknown): { files: unknown[]; diagnostics: Diagnostic[] };
}

export interface LoadedPlugin {
  /** The name as the config gives it. */
  readonly name: string;
  /** The file it was loaded from. */
  readonly file: string;
  readonly targets: readonly PluginTarget[];
  readonly providers: readonly PluginProvider[];
  /** Integration objects, checked by the integration registry when it registers them. */
  readonly integrations: readonly object[];
}

/** By the file each plugin was loaded from. */
export const loaded = new Map<string, LoadedPlugin>();

export function loadedPlugins(): LoadedPlugin[] {
  return [...loaded.values()];
}

export function pluginProviders(service: PluginService): PluginProvider[] {
  return loadedPlugins().flatMap((p) => p.providers.filter((x) => x.service === service));
}

export function pluginTargets(): PluginTarget[] {
  return loadedPlugins().flatMap((p) => p.targets);
}

/** The plugin that provides `type` for `service` ('executor': a target's executor type), if any. */
export function pluginFor(service: ServiceName, type: string): { plugin: LoadedPlugin; schema?: PluginSchema } | undefined {
  for (const plugin of loaded.values()) {
    if (service === 'executor') {
      const target = plugin.targets.find((t) => t.executorTypes.includes(type));
      if (target) return { plugin, ...(target.configSchema ? { schema: target.configSchema } : {}) };
    } else {
      const provider = plugin.providers.find((p) => p.service === service && p.name === type);
      if (provider) return { plugin, ...(provider.configSchema ? { schema: provider.configSchema } : {}) };
    }
  }
  return undefined;
}
