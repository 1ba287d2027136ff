// mlflow (DESIGN.md §5: over its REST API) is a known name so that a config naming it gets a clear answer
// instead of "unknown type"; it is not implemented yet.
import { UserError } from '../../core/errors.js';
import type { ServiceProvider } from '../provider.js';
import type { ExperimentTracker } from './types.js';

export const mlflow: ServiceProvider<ExperimentTracker> = {
  service: 'experiment_tracker',
  name: 'mlflow',
  create() {
    throw new UserError(
      'the mlflow experiment tracker is not available yet',
      'use experiment_tracker: {type: do-nothing}; metrics are still recorded in each step log (user_defined_metrics)',
    );
  },
};
