// The experiment tracker providers, registered explicitly (shared/STYLE.md §6.5).
import type { ServiceSection } from '../../config/types.js';
import type { ServiceProvider } from '../provider.js';
import { selectProvider } from '../provider.js';
import { pluginProviders } from '../../config/plugin-registry.js';
import type { ExperimentTracker } from './types.js';
import { doNothing } from './do-nothing.js';
import { mlflow } from './mlflow.js';

export type { ExperimentTracker } from './types.js';

export const TRACKER_PROVIDERS: readonly ServiceProvider<ExperimentTracker>[] = [doNothing, mlflow];

export function createTracker(section: ServiceSection, opts: { cwd?: string } = {}): ExperimentTracker {
  return selectProvider('experiment_tracker', [...TRACKER_PROVIDERS, ...(pluginProviders('experiment_tracker') as ServiceProvider<ExperimentTracker>[])], section).create(section.config ?? {}, {
    cwd: opts.cwd ?? process.cwd(),
  });
}
