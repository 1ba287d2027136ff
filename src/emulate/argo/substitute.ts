// `{{…}}` substitution as Argo does it (docs/variables.md): simple tags only (`{{workflow.parameters.x}}`,
// `{{inputs.parameters.x}}`, `{{tasks.t.outputs.parameters.p}}`, `{{item}}`, `{{retries}}`, …), white space
// inside the braces allowed. Substitution happens in stages (task fields, then items, then the template), so an
// unknown tag is either kept for a later stage or, at the last one, an error — as the controller fails a node
// whose template still holds an unresolved variable. Expression tags (`{{=…}}`) are not emulated.

export class UnresolvedError extends Error {
  constructor(readonly tag: string) {
    super(`failed to resolve {{${tag}}}`);
    this.name = 'UnresolvedError';
  }
}

const TAG = /\{\{\s*([^{}]*?)\s*\}\}/g;

export function substituteString(text: string, scope: ReadonlyMap<string, string>, allowUnresolved: boolean): string {
  return text.replace(TAG, (whole, tag: string) => {
    if (tag.startsWith('=')) throw new UnresolvedError(tag);
    const value = scope.get(tag);
    if (value !== undefined) return value;
    if (allowUnresolved) return whole;
    throw new UnresolvedError(tag);
  });
}

/** Substitutes every string inside a value (objects and lists are copied). */
export function substitute<T>(value: T, scope: ReadonlyMap<string, string>, allowUnresolved: boolean): T {
  if (typeof value === 'string') return substituteString(value, scope, allowUnresolved) as T;
  if (Array.isArray(value)) return value.map((v) => substitute(v, scope, allowUnresolved)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, scope, allowUnresolved);
    return out as T;
  }
  return value;
}

/** `{{item}}` and `{{item.field}}` for one expanded item (docs/variables.md, Loops). */
export function itemScope(item: unknown): Map<string, string> {
  const scope = new Map<string, string>();
  scope.set('item', typeof item === 'string' ? item : JSON.stringify(item));
  if (item && typeof item === 'object' && !Array.isArray(item))
    for (const [k, v] of Object.entries(item)) scope.set(`item.${k}`, typeof v === 'string' ? v : JSON.stringify(v));
  return scope;
}
