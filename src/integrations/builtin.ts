// The built-in integrations (magnus-spec.md §6.2 table, adapted). Executors that run each step as a separate
// process (bash, argo, asl, local-container) cannot share an in-memory run log.
import type { Integration } from './registry.js';
import { DuplicateIntegrationError, IntegrationRegistry } from './registry.js';
import { UserError } from '../core/errors.js';
import { loadedPlugins } from '../config/plugin-registry.js';
import { argoIntegrations } from './argo.js';
import { aslIntegrations } from './asl.js';
import { localContainerIntegrations } from './local-container.js';
import { PROCESS_PER_STEP, targetOf } from '../config/executors.js';

export const builtinIntegrations: Integration[] = [
  {
    executor: 'local',
    service: 'run_log_store',
    provider: 'buffered',
    validate: () => [
      {
        severity: 'warning',
        message: 'the buffered run log store keeps the run log in memory only: it is lost when dagc exits',
        hint: 'use run_log_store: {type: chunked-fs} (the default) to keep runs, re-run them and see them in `dagc runs`',
      },
    ],
  },
  {
    executor: 'local',
    service: 'catalog',
    provider: 'do-nothing',
    validate: () => [
      {
        severity: 'warning',
        message: 'the do-nothing catalog moves no data: catalog get/put in the pipeline are ignored',
        hint: 'use catalog: {type: file-system} (the default) to pass files between steps',
      },
    ],
  },
  ...PROCESS_PER_STEP.map(
    (executor): Integration => ({
      executor,
      service: 'run_log_store',
      provider: 'buffered',
      validate: () => [
        {
          severity: 'error',
          message: `the ${executor} executor runs every step as its own process, so an in-memory (buffered) run log cannot be shared`,
          hint:
            targetOf(executor) === 'asl'
              ? 'Batch and ECS jobs share no disk: use run_log_store: {type: s3, config: {bucket: …}}'
              : 'use run_log_store: {type: chunked-fs} or {type: file-system}',
        },
      ],
    }),
  ),
  ...argoIntegrations,
  ...aslIntegrations,
  ...localContainerIntegrations,
];

let registry: IntegrationRegistry | undefined;

/** Plugins whose integrations are registered already (plugins load with the config, after the built-ins). */
const registeredPlugins = new Set<string>();

/**
 * The process-wide registry: the built-ins, then the integrations of every plugin loaded so far
 * (src/config/plugin-registry.ts). A pair registered twice is an error naming both sources.
 */
export function getIntegrationRegistry(): IntegrationRegistry {
  if (!registry) {
    registry = new IntegrationRegistry();
    for (const i of builtinIntegrations) registry.register(i, 'dagc (built-in)');
  }
  for (const plugin of loadedPlugins()) {
    if (registeredPlugins.has(plugin.file)) continue;
    registeredPlugins.add(plugin.file);
    for (const i of plugin.integrations) {
      try {
        registry.register(i as Integration, `the plugin "${plugin.name}"`);
      } catch (error) {
        if (!(error instanceof DuplicateIntegrationError)) throw error;
        throw new UserError(error.message, `remove one of them: a plugin adds integrations, it never replaces one`);
      }
    }
  }
  return registry;
}
