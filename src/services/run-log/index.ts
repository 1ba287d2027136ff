// The run log store providers, registered explicitly (shared/STYLE.md §6.5).
import type { ServiceSection } from '../../config/types.js';
import type { ServiceOptions, ServiceProvider } from '../provider.js';
import { selectProvider } from '../provider.js';
import { pluginProviders } from '../../config/plugin-registry.js';
import type { RunLogStore } from './types.js';
import { buffered } from './buffered.js';
import { fileSystem } from './file-system.js';
import { chunkedFs } from './chunked-fs.js';
import { s3 } from './s3.js';

export const RUN_LOG_PROVIDERS: readonly ServiceProvider<RunLogStore>[] = [buffered, fileSystem, chunkedFs, s3];

/** The store a config section names; relative `log_folder`s resolve against `opts.cwd`. */
export function createRunLogStore(section: ServiceSection, opts: ServiceOptions): RunLogStore {
  return selectProvider('run_log_store', [...RUN_LOG_PROVIDERS, ...(pluginProviders('run_log_store') as ServiceProvider<RunLogStore>[])], section).create(section.config ?? {}, opts);
}
