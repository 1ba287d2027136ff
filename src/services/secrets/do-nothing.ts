// The do-nothing secrets provider (spec §2.4): every secret is '' and there are none to list.
import type { ServiceProvider } from '../provider.js';
import type { Secrets } from './types.js';

export const doNothing: ServiceProvider<Secrets> = {
  service: 'secrets',
  name: 'do-nothing',
  create: () => ({
    name: 'do-nothing',
    get: async () => '',
    getAll: async () => ({}),
  }),
};
