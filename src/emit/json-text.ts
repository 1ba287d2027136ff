// JSON as prettier's json parser prints JSON.stringify's text (80 columns, two spaces), without prettier: it
// takes ~13 s on a 1,000-step state machine (issue 16). The layout is prettier's: a `{ … }` or `[…]` stays on
// one line when it fits in what is left of its line (the ',' after it counted), else each member goes on its
// own line; an array of two or more objects (or arrays) of two or more members each always breaks, and so
// does everything around it. Scalars are JSON.stringify's text, as prettier keeps it. What it does not lay out
// as prettier would — a string with a character prettier may count 0 or 2 columns wide (an emoji, CJK), a
// list of numbers too long for one line (prettier fills those) — makes it give up (undefined), and the caller
// uses prettier. json-text.test.ts checks it against prettier.
const WIDTH = 80;
/** Characters of output joined at a time (JsonWriter.cut). */
const CHUNK = 16_384;

class Unexpected extends Error {}

/** Characters prettier counts one column wide (its getStringWidth: not emoji, not East Asian wide, not
 * combining): printable ASCII, Latin letters, general punctuation (dashes, quotes, …), ←↑→↓ and ✓. */
const ONE_COLUMN = /^[\x20-\x7e\u00a0-\u02ff\u2010-\u2027\u2030-\u203b\u2190-\u2193\u2713]*$/;

/** Strings repeat across a machine's states (ARNs, error names, paths): each one's text is made once. */
const stringTexts = new Map<string, string>();

function scalarText(value: unknown): string {
  if (typeof value === 'string') {
    const known = stringTexts.get(value);
    if (known !== undefined) return known;
  } else if (value === null) return 'null';
  else if (typeof value === 'boolean') return value ? 'true' : 'false';
  // JSON.stringify's text of a finite number is String's (ASCII digits, '.', 'e', '+', '-').
  else if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  const text = JSON.stringify(value);
  if (typeof text !== 'string' || !ONE_COLUMN.test(text)) throw new Unexpected();
  if (typeof value === 'string' && stringTexts.size < 100_000) stringTexts.set(value, text);
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

/**
 * Texts of deep-frozen values, with the position they were laid out at: a value many states share (a retrier, a
 * retry strategy: build-states.ts freezes them) is laid out once per position. Nothing in it can change, so
 * neither can its text.
 */
const frozenTexts = new WeakMap<object, { readonly at: string; readonly text: string }>();

function deepFrozen(value: object): boolean {
  if (!Object.isFrozen(value)) return false;
  for (const member of Object.values(value)) if (member !== null && typeof member === 'object' && !deepFrozen(member as object)) return false;
  return true;
}

/** A member JSON.stringify leaves out of an object (and writes as null in an array). */
const absent = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function plainKeys(value: object): string[] {
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) throw new Unexpected();
  return Object.keys(value);
}

/**
 * Nothing is kept per value: a one-line text is tried where a value is printed, and the try stops as soon as it
 * is longer than what is left of the line (80 columns at most), so each try costs a line's worth of values.
 * A value inside one that must break (prettier's rule below) makes the try fail: a try that succeeds has seen
 * every value inside.
 */
export class JsonWriter {
  /**
   * `laidOut`: texts this writer laid out by `member` (the state machine split keeps one while it makes a part:
   * each state is laid out once, to be measured, and the part's text is made of those texts). An object found
   * there at the same position is not laid out again: the caller must not change it in between.
   */
  constructor(private readonly laidOut?: WeakMap<object, { readonly at: string; readonly text: string }>) {}

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

  /** The one-line text, or null when it is longer than `budget` or something in it must break. */
  private flatText(value: unknown, budget: number): string | null {
    if (value === null || typeof value !== 'object') {
      const text = scalarText(value);
      return text.length <= budget ? text : null;
    }
    const array = Array.isArray(value);
    if (array && JsonWriter.breaksItself(value)) return null;
    let text = array ? '[' : '{ ';
    let length = array ? 2 : 4;
    let count = 0;
    if (array) {
      for (const item of value) {
        const inner = this.flatText(absent(item) ? null : item, budget - length);
        if (inner === null) return null;
        text += count++ ? `, ${inner}` : inner;
        length += inner.length + 2;
        if (length - 2 > budget) return null;
      }
    } else {
      const object = value as Record<string, unknown>;
      for (const k of plainKeys(object)) {
        const v = object[k];
        if (absent(v)) continue;
        const head = `${keyText(k)}: `;
        const inner = this.flatText(v, budget - length - head.length);
        if (inner === null) return null;
        text += count++ ? `, ${head}${inner}` : head + inner;
        length += head.length + inner.length + 2;
        if (length - 2 > budget) return null;
      }
    }
    if (!count) text = array ? '[]' : '{}';
    else text += array ? ']' : ' }';
    return text.length <= budget ? text : null;
  }

  /**
   * The text so far: `out` is built by += (a rope V8 joins once, when it is used) up to CHUNK characters, then
   * joined and put in `chunks`. A rope of a whole machine would keep a node per += alive (~30 bytes each, ~4 M of
   * them for a 10,000-step machine) until the end, and the young-generation collector copied every one.
   */
  private out = '';
  private chunks: string[] = [];

  /** Joins the rope of the current chunk (charCodeAt flattens a rope in place) and starts the next one. */
  private cut(): void {
    this.out.charCodeAt(0);
    this.chunks.push(this.out);
    this.out = '';
  }

  /** `column`: where the value starts; `trailing`: characters after it on its line (a ','). */
  private print(value: unknown, indent: string, column: number, trailing: number): void {
    if (value === null || typeof value !== 'object') {
      this.out += scalarText(value);
      return;
    }
    if (this.laidOut !== undefined) {
      const kept = this.laidOut.get(value);
      if (kept !== undefined && kept.at === `${indent.length} ${column} ${trailing}`) {
        // A chunk of its own: it is joined once, with the others, not copied into the current one first.
        this.cut();
        this.chunks.push(kept.text);
        return;
      }
    }
    if (Object.isFrozen(value)) {
      // Laid out once per position: the same text wherever it is printed at the same indent, column and trailing.
      const at = `${indent.length} ${column} ${trailing}`;
      const known = frozenTexts.get(value);
      if (known?.at === at) {
        this.out += known.text;
        return;
      }
      if (deepFrozen(value)) {
        const { out, chunks } = this;
        this.out = '';
        this.chunks = [];
        this.layout(value, indent, column, trailing);
        this.chunks.push(this.out);
        const text = this.chunks.join('');
        this.out = out;
        this.chunks = chunks;
        frozenTexts.set(value, { at, text });
        this.out += text;
        return;
      }
    }
    this.layout(value, indent, column, trailing);
  }

  private layout(value: object, indent: string, column: number, trailing: number): void {
    const text = this.flatText(value, WIDTH - column - trailing);
    if (text !== null) {
      this.out += text;
      return;
    }
    const inner = indent + '  ';
    if (Array.isArray(value)) {
      if (value.length > 1 && value.every((v) => typeof v === 'number')) throw new Unexpected();
      this.out += '[\n';
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const last = i === value.length - 1;
        this.out += inner;
        this.print(absent(item) ? null : item, inner, inner.length, last ? 0 : 1);
        this.out += last ? '\n' : ',\n';
      }
      this.out += `${indent}]`;
      return;
    }
    const object = value as Record<string, unknown>;
    const keys = plainKeys(object).filter((k) => !absent(object[k]));
    this.out += '{\n';
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const last = i === keys.length - 1;
      const head = `${inner}${keyText(k)}: `;
      this.out += head;
      this.print(object[k], inner, head.length, last ? 0 : 1);
      this.out += last ? '\n' : ',\n';
      if (this.out.length > CHUNK) this.cut();
    }
    this.out += `${indent}}`;
  }

  /** `value` laid out at a position (print's), followed by `tail`; undefined when prettier must print it. */
  private text(value: unknown, indent: string, column: number, trailing: number, tail: string): string | undefined {
    try {
      this.out = '';
      this.chunks = [];
      this.print(value, indent, column, trailing);
      this.chunks.push(this.out, tail);
      return this.chunks.join('');
    } catch (error) {
      if (error instanceof Unexpected) return undefined;
      throw error;
    } finally {
      this.out = '';
      this.chunks = [];
    }
  }

  /**
   * UTF-8 bytes of the lines of `key: value` as a member of an object that does not fit one line (each member on
   * its own line), its key at `indent`, followed by a ',' (not the last member), without the ',' and line break
   * after it; or undefined when prettier must print it. With `laidOut`, the value's text is kept there for
   * `write`.
   */
  memberBytes(key: string, value: unknown, indent: string): number | undefined {
    const head = `${indent}${keyText(key)}: `;
    const text = this.text(value, indent, head.length, 1, '');
    if (text === undefined) return undefined;
    if (this.laidOut !== undefined && value !== null && typeof value === 'object')
      this.laidOut.set(value, { at: `${indent.length} ${head.length} 1`, text });
    return Buffer.byteLength(head, 'utf8') + Buffer.byteLength(text, 'utf8');
  }

  /** The text (with its final newline), or undefined when prettier must print it. */
  write(value: unknown): string | undefined {
    return this.text(value, '', 0, 0, '\n');
  }
}
