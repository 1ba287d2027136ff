// The dotenv secrets provider (spec §2.4): secrets from a .env file, read once per instance (magnus re-read
// the file on every get; one run's secrets do not change while it runs).
import { readFile } from '../../core/fs-async.js';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import type { ServiceProvider } from '../provider.js';
import { stringConfig } from '../provider.js';
import type { Secrets } from './types.js';
import { SecretNotFoundError, maskSecrets } from './types.js';
import { parseDotenv } from './parse-dotenv.js';
import { isErrno } from '../fs-util.js';

export function createDotenvSecrets(file: string, shown: string): Secrets {
  let loading: Promise<Map<string, string>> | undefined;
  const load = async (): Promise<Map<string, string>> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isErrno(error, 'ENOENT'))
        throw new UserError(
          `Did not find the secrets file in ${shown}`,
          `create ${shown} with NAME=value lines, or point secrets: {type: dotenv, config: {location: …}} at it`,
        );
      throw error;
    }
    const { values, error } = parseDotenv(text);
    if (error) {
      // The problem text is ours, never the line's; masking the values read so far guards even the file name.
      throw new UserError(
        maskSecrets(`${shown}:${error.line}: ${error.problem}`, values.values()),
        'each line is NAME=value, a "# comment" or blank; quote values with spaces or "#"',
      );
    }
    return values;
  };
  const values = () => (loading ??= load());
  return {
    name: 'dotenv',
    async get(name) {
      const all = await values();
      const value = all.get(name);
      if (value === undefined) throw new SecretNotFoundError(name, shown);
      return value;
    },
    async getAll() {
      return Object.fromEntries(await values());
    },
  };
}

export const dotenv: ServiceProvider<Secrets> = {
  service: 'secrets',
  name: 'dotenv',
  create(config, opts) {
    const location = stringConfig('secrets', config, 'location', '.env');
    return createDotenvSecrets(path.resolve(opts.cwd, location), location);
  },
};
