// `{{…}}` substitution as Argo does it (docs/variables.md): simple tags only (`{{workflow.parameters.x}}`,
// `{{inputs.parameters.x}}`, `{{tasks.t.outputs.parameters.p}}`, `{{item}}`, `{{retries}}`, …), white space
// inside the braces allowed. Substitution happens in stages (task fields, then items, then the template), so an
// unknown tag is either kept for a later stage or, at the last one, an error — as the controller fails a node
// whose template still holds an unresolved variable. A tag runs from `{{` to the next `}}` (valyala/fasttemplate,
// which util/template/template.go uses). Of expression tags (`{{=…}}`) only string literals are emulated:
// `{{='{{'}}` is how dagc writes a literal `{{` (Argo's controller turns it into `{{`, checked by the harness).

export class UnresolvedError extends Error {
  constructor(readonly tag: string) {
    super(`failed to resolve {{${tag}}}`);
    this.name = 'UnresolvedError';
  }
}

const STRING_LITERAL = /^=\s*'([^']*)'\s*$/;

export function substituteString(text: string, scope: ReadonlyMap<string, string>, allowUnresolved: boolean): string {
  let out = '';
  let at = 0;
  for (;;) {
    const open = text.indexOf('{{', at);
    if (open < 0) break;
    const close = text.indexOf('}}', open + 2);
    if (close < 0) break;
    out += text.slice(at, open);
    const whole = text.slice(open, close + 2);
    const tag = text.slice(open + 2, close).trim();
    at = close + 2;
    if (tag.startsWith('=')) {
      const literal = STRING_LITERAL.exec(tag);
      if (!literal) throw new UnresolvedError(tag);
      out += literal[1];
      continue;
    }
    const value = scope.get(tag);
    if (value !== undefined) out += value;
    else if (allowUnresolved) out += whole;
    else throw new UnresolvedError(tag);
  }
  return out + text.slice(at);
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
