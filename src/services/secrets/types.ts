// Secrets are fetched by name at run time and never written anywhere (DESIGN.md invariant 5).
import { PyFloat } from '../../core/py-float.js';

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

/**
 * The strings to mask for one secret value: the value itself and the encodings a step most often prints or hands
 * back (issue 19): base64 and base64url (of the value and of the value plus the newline `echo` adds), hex in both
 * cases, URL- and form-encoding. Base64 of a longer text that contains the value (`echo "Bearer $T" | base64`)
 * shows the value at one of three alignments; the characters that depend only on the value (not on its
 * neighbours) are masked too, when there are at least 8 of them, so short cores do not mask unrelated text.
 */
export function secretForms(value: string): string[] {
  if (value.length < 3) return [];
  const known = formsCache.get(value);
  if (known) return known;
  const result = computeForms(value);
  // Output is masked line by line: the forms of the few secrets of a run are computed once.
  if (formsCache.size > 1000) formsCache.clear();
  formsCache.set(value, result);
  return result;
}

const formsCache = new Map<string, string[]>();

function computeForms(value: string): string[] {
  const forms = new Set<string>([value]);
  const raw = Buffer.from(value, 'utf8');
  for (const bytes of [raw, Buffer.from(`${value}\n`, 'utf8')]) {
    const b64 = bytes.toString('base64');
    forms.add(b64);
    forms.add(b64.replace(/=+$/, ''));
    forms.add(bytes.toString('base64url'));
    forms.add(bytes.toString('hex'));
    forms.add(bytes.toString('hex').toUpperCase());
  }
  const url = encodeURIComponent(value);
  forms.add(url);
  forms.add(url.replace(/%20/g, '+'));
  // Python's quote(safe='') also escapes what encodeURIComponent leaves ( !'()* ).
  forms.add(url.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`));
  for (let shift = 0; shift < 3; shift++) {
    // `shift` unknown bytes before the value: base64 of those groups mixes them in, so drop the first group when
    // shift > 0, and the last partial group, which mixes in whatever follows.
    const padded = Buffer.concat([Buffer.alloc(shift), raw]);
    const whole = Math.floor(padded.length / 3) * 3;
    const from = shift > 0 ? 3 : 0;
    if (whole - from < 6) continue;
    const core = padded.subarray(from, whole).toString('base64');
    forms.add(core);
    forms.add(Buffer.from(core, 'base64').toString('base64url'));
  }
  return [...forms].filter((f) => f.length >= 3);
}

/**
 * Replaces every occurrence of a secret value, or of one of its common encodings (secretForms), with '*****'
 * (values shorter than 3 characters are left alone).
 */
export function maskSecrets(text: string, values: Iterable<string>): string {
  let out = text;
  const sorted = [...new Set([...new Set(values)].flatMap(secretForms))].sort((a, b) => b.length - a.length);
  for (const v of sorted) if (out.includes(v)) out = out.split(v).join('*****');
  return out;
}

/**
 * Masks every string inside a JSON value (object keys too); `masked` collects the top-level keys whose value
 * changed. Parameters and metrics a step hands back go through this before they are stored (issue 19).
 */
export function maskValues(
  values: Readonly<Record<string, unknown>>,
  secrets: Iterable<string>,
): { values: Record<string, unknown>; masked: string[] } {
  const list = [...secrets];
  const mask = (v: unknown): unknown => {
    if (typeof v === 'string') return maskSecrets(v, list);
    if (Array.isArray(v)) return v.map(mask);
    // A float kept as a float (core/py-float.ts) is a number, not a mapping to walk.
    if (v instanceof PyFloat) return v;
    if (v !== null && typeof v === 'object') {
      const out = new Map<string, unknown>();
      for (const [k, inner] of Object.entries(v)) out.set(maskSecrets(k, list), mask(inner));
      return Object.fromEntries(out);
    }
    return v;
  };
  const out = new Map<string, unknown>();
  const masked: string[] = [];
  for (const [key, value] of Object.entries(values)) {
    const next = mask(value);
    if (JSON.stringify(next) !== JSON.stringify(value)) masked.push(key);
    out.set(key, next);
  }
  return { values: Object.fromEntries(out), masked: masked.sort() };
}
