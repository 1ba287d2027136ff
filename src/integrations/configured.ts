// What a config's executor makes of its services: the integration checks that refuse a pairing before anything
// runs or renders, the service sections as a traversal or a step's process must use them, and the local
// executor's concurrency. A module of its own, apart from runtime/open-run.ts, so that `dagc compile` and
// `dagc validate`, which ask only these, do not load the runtime's modules (the run log, the catalog, git's
// code identity and node:child_process with it: issue 16, test/entrypoint-modules.test.ts).
import { availableParallelism } from 'node:os';
import { configuredParallelism } from '../config/parallelism.js';
import type { DagcConfig, ServiceSection } from '../config/types.js';
import { getIntegrationRegistry } from './builtin.js';
import type { IntegratedService, IntegrationCheck } from './registry.js';

/** The services an executor integrates with (every section of a config but the executor's own). */
export const SERVICES: readonly IntegratedService[] = [
  'run_log_store',
  'catalog',
  'secrets',
  'experiment_tracker',
];

/** Local executor's concurrency: the config's cap, else the CPU count. */
export function maxParallelOf(executor: ServiceSection): number {
  return configuredParallelism(executor) ?? availableParallelism();
}

/** Integration checks for the configured executor; errors stop everything before it starts. */
export function checkIntegrations(config: DagcConfig): {
  errors: IntegrationCheck[];
  warnings: IntegrationCheck[];
} {
  const registry = getIntegrationRegistry();
  const parallel = maxParallelOf(config.executor) > 1;
  const checks: IntegrationCheck[] = [];
  for (const service of SERVICES) {
    const section = config[service];
    const integration = registry.get(config.executor.type, service, section.type);
    checks.push(...(integration?.validate?.({ executor: config.executor, section, parallel }) ?? []));
  }
  return {
    errors: checks.filter((c) => c.severity === 'error'),
    warnings: checks.filter((c) => c.severity === 'warning'),
  };
}

/**
 * The service sections as this process must use them: integrations adjust them where dagc traverses
 * (`configureForTraversal`, mode 'run') or where a step executes (`configureForExecution`, the entrypoint
 * inside a pod or container), e.g. a run log folder mounted at another path (spec §6.2).
 */
export function configureServices(
  config: DagcConfig,
  mode: 'run' | 'entrypoint',
): Record<IntegratedService, ServiceSection> {
  const registry = getIntegrationRegistry();
  const parallel = maxParallelOf(config.executor) > 1;
  const out = {} as Record<IntegratedService, ServiceSection>;
  for (const service of SERVICES) {
    const section = config[service];
    const integration = registry.get(config.executor.type, service, section.type);
    const ctx = { executor: config.executor, section, parallel };
    const adjust = mode === 'run' ? integration?.configureForTraversal : integration?.configureForExecution;
    out[service] = adjust ? adjust.call(integration, ctx) : section;
  }
  return out;
}
