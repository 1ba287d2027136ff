// The do-nothing catalog (spec §5): no data moves between steps. get/put record nothing.
import type { Catalog } from './types.js';
import type { ServiceProvider } from '../provider.js';
import { stringConfig } from '../provider.js';
import { sha256 } from '../../core/sha256.js';

export const doNothing: ServiceProvider<Catalog> = {
  service: 'catalog',
  name: 'do-nothing',
  create(config) {
    return {
      name: 'do-nothing',
      location: '',
      // magnus accepts (and ignores) compute_data_folder here (spec §2.2).
      computeDataFolder: stringConfig('catalog', config, 'compute_data_folder', 'data'),
      get: async () => [],
      put: async () => [],
      // Nothing is stored; the entry only describes the content (callers skip do-nothing catalogs anyway).
      putContent: async (runId, name, content) => ({
        name,
        data_hash: sha256(content),
        catalog_relative_path: `${runId}/${name}`,
        catalog_handler_location: '',
        stage: 'put',
      }),
      copyRun: async () => undefined,
    };
  },
};
