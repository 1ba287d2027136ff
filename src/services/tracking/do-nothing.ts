// The do-nothing tracker (magnus's default): metrics are kept in the step log only.
import type { ServiceProvider } from '../provider.js';
import type { ExperimentTracker } from './types.js';

export const doNothing: ServiceProvider<ExperimentTracker> = {
  service: 'experiment_tracker',
  name: 'do-nothing',
  create: () => ({ logStep: async () => undefined }),
};
