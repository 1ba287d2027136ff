// The secrets providers, registered explicitly (shared/STYLE.md §6.5).
import type { ServiceSection } from '../../config/types.js';
import type { ServiceOptions, ServiceProvider } from '../provider.js';
import { selectProvider } from '../provider.js';
import { pluginProviders } from '../../config/plugin-registry.js';
import type { Secrets } from './types.js';
import { doNothing } from './do-nothing.js';
import { dotenv } from './dotenv.js';
import { envSecretsManager } from './env-secrets-manager.js';
import { awsSecretsManager } from './aws-secrets-manager.js';

export const SECRETS_PROVIDERS: readonly ServiceProvider<Secrets>[] = [doNothing, dotenv, envSecretsManager, awsSecretsManager];

/** The secrets provider a config section names; a relative dotenv location resolves against `opts.cwd`. */
export function createSecrets(section: ServiceSection, opts: ServiceOptions): Secrets {
  return selectProvider('secrets', [...SECRETS_PROVIDERS, ...(pluginProviders('secrets') as ServiceProvider<Secrets>[])], section).create(section.config ?? {}, opts);
}
