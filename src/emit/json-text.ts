// JSON as prettier's json parser prints JSON.stringify's text (80 columns, two spaces), without prettier: it
// takes ~13 s on a 1,000-step state machine (issue 16). The layout is prettier's: a `{ … }` or `[…]` stays on
// one line when it fits in what is left of its line (the ',' after it counted), else each member goes on its
// own line; an array of two or more objects (or arrays) of two or more members each always breaks, and so
// does everything around it. Scalars are JSON.stringify's text, as prettier keeps it. What it does not lay out
// as prettier would — a string with a character prettier may count 0 or 2 columns wide (an emoji, CJK), a
// list of numbers too long for one line (prettier fills those) — makes it give up (undefined), and the caller
// uses prettier. json-text.test.ts checks it against prettier.
const WIDTH = 80;

class Unexpected extends Error {}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Characters prettier counts one column wide (its getStringWidth: not emoji, not East Asian wide, not
 * combining): printable ASCII, Latin letters, general punctuation (dashes, quotes, …), ←↑→↓ and ✓. */
const ONE_COLUMN = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2030-\u203b\u2190-\u2193\u2713]*$/;

function scalarText(value: unknown): string {
  const text = JSON.stringify(value);
  if (typeof text !== 'string' || !ONE_COLUMN.test(text)) throw new Unexpected();
  return text;
}

/** Keys repeat in every state of a machine (Type, Next, …): each key's text is made once. */
const keyTexts = new Map<string, string>();
function keyText(key: string): string {
  let text = keyTexts.get(key);
  if (text === undefined) {
    text = scalarText(key);
    if (keyTexts.size < 10_000) keyTexts.set(key, text);
  }
  return text;
}

function members(value: object): [string | undefined, unknown][] {
  if (Array.isArray(value)) return value.map((v) => [undefined, v === undefined || typeof v === 'function' || typeof v === 'symbol' ? null : v]);
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new Unexpected();
  const out: [string | undefined, unknown][] = [];
  for (const k of Object.keys(value)) {
    const v = (value as Record<string, unknown>)[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    out.push([keyText(k), v]);
  }
  return out;
}

export class JsonWriter {
  private readonly breaks = new Map<object, boolean>();
  private readonly flat = new Map<object, string | null>();

  /** Prettier's rule for arrays (print/array.js): two or more elements, all objects or all arrays, each with
   * two or more members. */
  private static breaksItself(value: unknown[]): boolean {
    if (value.length < 2) return false;
    const first = value[0];
    const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v !== null && typeof v === 'object' ? 'object' : 'scalar');
    const k = kind(first);
    if (k === 'scalar') return false;
    return value.every((v) => kind(v) === k && (Array.isArray(v) ? v.length : Object.keys(v as object).filter((x) => (v as Record<string, unknown>)[x] !== undefined).length) > 1);
  }

  /** Whether this value's group, or one inside it, must break (a broken group breaks those around it). */
  private mustBreak(value: unknown): boolean {
    if (value === null || typeof value !== 'object') return false;
    const hit = this.breaks.get(value);
    if (hit !== undefined) return hit;
    let result = Array.isArray(value) && JsonWriter.breaksItself(value);
    for (const [, v] of members(value)) if (this.mustBreak(v)) result = true;
    this.breaks.set(value, result);
    return result;
  }

  /** The one-line text, or null when it is longer than `budget`. */
  private flatText(value: unknown, budget: number): string | null {
    if (value === null || typeof value !== 'object') {
      const text = scalarText(value);
      return text.length <= budget ? text : null;
    }
    const cached = this.flat.get(value);
    if (cached !== undefined) return cached !== null && cached.length <= budget ? cached : null;
    const list = members(value);
    const array = Array.isArray(value);
    let text: string | null;
    if (!list.length) text = array ? '[]' : '{}';
    else {
      const parts: string[] = [];
      let length = array ? 2 : 4;
      text = null;
      let ok = true;
      for (const [k, v] of list) {
        const head = k === undefined ? '' : `${k}: `;
        const inner = this.flatText(v, budget - length - head.length);
        if (inner === null) {
          ok = false;
          break;
        }
        parts.push(head + inner);
        length += head.length + inner.length + 2;
        if (length - 2 > budget) {
          ok = false;
          break;
        }
      }
      if (ok) text = array ? `[${parts.join(', ')}]` : `{ ${parts.join(', ')} }`;
    }
    // Only a complete text is cached: a budget too small for it says nothing about a larger one.
    if (text !== null) this.flat.set(value, text);
    return text !== null && text.length <= budget ? text : null;
  }

  /** `column`: where the value starts; `trailing`: characters after it on its line (a ','). */
  private print(value: unknown, indent: string, column: number, trailing: number, out: string[]): void {
    if (value === null || typeof value !== 'object') {
      out.push(scalarText(value));
      return;
    }
    if (!this.mustBreak(value)) {
      const text = this.flatText(value, WIDTH - column - trailing);
      if (text !== null) {
        out.push(text);
        return;
      }
    }
    const list = members(value);
    const array = Array.isArray(value);
    if (array && list.length > 1 && list.every(([, v]) => typeof v === 'number')) throw new Unexpected();
    const inner = indent + '  ';
    out.push(array ? '[\n' : '{\n');
    list.forEach(([k, v], i) => {
      const last = i === list.length - 1;
      const head = k === undefined ? inner : `${inner}${k}: `;
      out.push(head);
      this.print(v, inner, head.length, last ? 0 : 1, out);
      out.push(last ? '\n' : ',\n');
    });
    out.push(indent + (array ? ']' : '}'));
  }

  /** The text (with its final newline), or undefined when prettier must print it. */
  write(value: unknown): string | undefined {
    try {
      const out: string[] = [];
      this.print(value as Json, '', 0, 0, out);
      return out.join('') + '\n';
    } catch (error) {
      if (error instanceof Unexpected) return undefined;
      throw error;
    }
  }
}
