// Secrets are fetched by name at run time and never written anywhere (DESIGN.md invariant 5).

export interface Secrets {
  readonly name: string;
  /** One secret; throws SecretNotFoundError when it is unknown. */
  get(name: string): Promise<string>;
  /** Every secret the provider knows (do-nothing: none). */
  getAll(): Promise<Record<string, string>>;
}

export class SecretNotFoundError extends Error {
  constructor(readonly secretName: string, where: string) {
    super(`Secret "${secretName}" was not found in ${where}`);
    this.name = 'SecretNotFoundError';
  }
}

/** Replaces every occurrence of a secret value with '*****' (values shorter than 3 characters are left alone). */
export function maskSecrets(text: string, values: Iterable<string>): string {
  let out = text;
  const sorted = [...new Set(values)].filter((v) => v.length >= 3).sort((a, b) => b.length - a.length);
  for (const v of sorted) out = out.split(v).join('*****');
  return out;
}
