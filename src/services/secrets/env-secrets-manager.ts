// Secrets from the process environment (spec §2.4 `env-secrets-manager`): on engines, the manifest maps a K8s
// secret or a Secrets Manager ARN to an env var by reference (DESIGN.md invariant 5) and this reads it.
import type { ServiceProvider } from '../provider.js';
import type { Secrets } from './types.js';
import { SecretNotFoundError } from './types.js';

export const envSecretsManager: ServiceProvider<Secrets> = {
  service: 'secrets',
  name: 'env-secrets-manager',
  create(_config, opts) {
    const env = opts.env ?? process.env;
    return {
      name: 'env-secrets-manager',
      async get(name) {
        const value = env[name];
        if (value === undefined) throw new SecretNotFoundError(name, 'the environment');
        return value;
      },
      // Which variables are secrets is known only when one is asked for (the whole environment is not secret).
      async getAll() {
        return {};
      },
    };
  },
};
