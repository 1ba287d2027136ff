// Providers are registered explicitly (shared/STYLE.md §6.5): each service keeps a static list of
// `{service, name, create}` objects and a config's `type` is looked up there, never guessed from a module name.
import type { ServiceName, ServiceSection } from '../config/types.js';
import { UserError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';

/** What every provider may need besides its own config section. */
export interface ServiceOptions {
  /** Relative paths in a provider's config resolve against this folder. */
  readonly cwd: string;
  /** The environment (secrets from env); process.env when absent. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export interface ServiceProvider<T> {
  /** The config section it serves, spelled as in the config file (as the integration registry keys it). */
  readonly service: ServiceName;
  /** The config's `type` value. */
  readonly name: string;
  create(config: Readonly<Record<string, unknown>>, opts: ServiceOptions): T;
}

/** The provider named by `section.type`; an unknown name is a UserError with a did-you-mean hint. */
export function selectProvider<T>(
  service: ServiceName,
  providers: readonly ServiceProvider<T>[],
  section: ServiceSection,
): ServiceProvider<T> {
  const found = providers.find((p) => p.name === section.type);
  if (found) return found;
  const names = providers.map((p) => p.name);
  const guess = didYouMean(String(section.type), names);
  const known = `known ${service} types: ${names.join(', ')}`;
  throw new UserError(
    `unknown ${service} type "${String(section.type)}"`,
    guess ? `did you mean "${guess}"? (${known})` : known,
  );
}

/**
 * A string option of a provider's config, or its default. A wrong type is the user's mistake (a YAML
 * `log_folder: 1` parses as a number), so it is a UserError naming the key, never a crash later.
 */
export function stringConfig(
  service: ServiceName,
  config: Readonly<Record<string, unknown>>,
  key: string,
  fallback: string,
): string {
  const value = config[key];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'string' || value === '')
    throw new UserError(
      `${service} config "${key}" must be a non-empty string (it is ${value === '' ? 'empty' : typeof value})`,
      `write it as ${key}: "${fallback}" or remove it to use the default "${fallback}"`,
    );
  return value;
}
