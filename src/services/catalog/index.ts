// The catalog providers, registered explicitly (shared/STYLE.md §6.5).
import type { ServiceSection } from '../../config/types.js';
import type { ServiceOptions, ServiceProvider } from '../provider.js';
import { selectProvider } from '../provider.js';
import { pluginProviders } from '../../config/plugin-registry.js';
import type { Catalog } from './types.js';
import { doNothing } from './do-nothing.js';
import { fileSystem } from './file-system.js';
import { s3 } from './s3.js';

export const CATALOG_PROVIDERS: readonly ServiceProvider<Catalog>[] = [doNothing, fileSystem, s3];

/** The catalog a config section names; a relative catalog_location resolves against `opts.cwd`. */
export function createCatalog(section: ServiceSection, opts: ServiceOptions): Catalog {
  return selectProvider('catalog', [...CATALOG_PROVIDERS, ...(pluginProviders('catalog') as ServiceProvider<Catalog>[])], section).create(section.config ?? {}, opts);
}
