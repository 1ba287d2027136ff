// Floats stay floats (issue 15). JavaScript has one number type, so a Python float with a whole value (`1.0`,
// `42.0`, `1e+20`) and a Python int print alike once they are JS numbers, and a Python step that was given
// `f: 1.0` would receive the int `1`. Such a value travels as a PyFloat from where it is read (YAML parameters,
// the JSON a step or a store writes) to where it is written (the run log, MAGNUS_PRM_* / DAGC_PRM_* JSON), and
// is written the way Python's json.dumps writes a float. Floats with a fraction are unambiguous and stay
// plain numbers. Nothing here may import from the layers above core.

/** A float whose value is a whole number. `valueOf` makes it compare and compute like its number. */
export class PyFloat {
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  /** Python's str()/repr() of the float: `1.0`, `1e+16`: what magnus names a map branch after. */
  toString(): string {
    return pyFloatRepr(this.value);
  }
  /** Plain JSON.stringify still gives valid JSON (the number); stringifyJson keeps the `.0`. */
  toJSON(): number {
    return this.value;
  }
}

export function isPyFloat(value: unknown): value is PyFloat {
  return value instanceof PyFloat;
}

/** A float read from a source that said "float": whole values are wrapped, the others stay numbers. */
export function pyFloat(x: number): number | PyFloat {
  return Number.isInteger(x) ? new PyFloat(x) : x;
}

/**
 * Python `float.__repr__`: the shortest round-trip digits (JS picks them the same way), fixed notation when
 * -4 <= exponent < 16, else `d.ddde±XX` (the same algorithm as front-end/hash.ts, which core may not import).
 */
export function pyFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  const point = exp + 1;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

// A private marker for the text round trip: a PyFloat becomes this string inside JSON.stringify's output and is
// then replaced by its number text. The NUL characters are escaped by JSON.stringify (`\u0000`), so the marker
// text cannot be produced by any string value, whose NULs would be escaped the same way but whose content
// would also have to repeat this per-process random tag.
const TAG = `pyfloat-${Math.random().toString(36).slice(2)}-`;
const MARK = `\u0000${TAG}`;
const MARKED = new RegExp(`"\\\\u0000${TAG}([^"]*)"`, 'g');

/** JSON.stringify that writes floats as Python's json.dumps does (`2.0`, `1e+20`, `1e-05`); same arguments otherwise. */
export function stringifyJson(value: unknown, space?: number | string): string {
  const text = JSON.stringify(value, function (this: unknown, key: string, v: unknown) {
    // toJSON has already run on `v`; the holder still has the PyFloat itself.
    const raw = (this as Record<string, unknown>)[key];
    if (raw instanceof PyFloat) return `${MARK}${pyFloatRepr(raw.value)}`;
    // JS and Python agree on the digits but not on the notation below 1e-4 (0.00001 vs 1e-05).
    if (typeof raw === 'number' && Number.isFinite(raw) && !Number.isInteger(raw) && Math.abs(raw) < 1e-4)
      return `${MARK}${pyFloatRepr(raw)}`;
    return v;
  }, space);
  return text === undefined ? text : text.replace(MARKED, '$1');
}

/**
 * JSON.parse that keeps floats: a number token written with a fraction or an exponent (`2.0`, `1e3`) whose value
 * is whole comes back as a PyFloat. The text is scanned once for such tokens outside strings; only when there
 * are any is it rewritten (each token quoted with the marker) and revived.
 */
export function parseJson(text: string): unknown {
  const floats: [number, number][] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      i++;
      while (i < n && text.charCodeAt(i) !== 34) i += text.charCodeAt(i) === 92 /* \ */ ? 2 : 1;
      i++;
      continue;
    }
    if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      const start = i;
      let isFloat = false;
      while (i < n) {
        const d = text[i]!;
        if (d === '.' || d === 'e' || d === 'E') isFloat = true;
        else if (!/[0-9+-]/.test(d)) break;
        i++;
      }
      if (isFloat && Number.isInteger(Number(text.slice(start, i)))) floats.push([start, i]);
      continue;
    }
    i++;
  }
  if (floats.length === 0) return JSON.parse(text) as unknown;
  let rewritten = '';
  let at = 0;
  for (const [start, end] of floats) {
    rewritten += `${text.slice(at, start)}"\\u0000${TAG}${text.slice(start, end)}"`;
    at = end;
  }
  rewritten += text.slice(at);
  return JSON.parse(rewritten, (_key, v: unknown) =>
    typeof v === 'string' && v.startsWith(MARK) ? new PyFloat(Number(v.slice(MARK.length))) : v,
  ) as unknown;
}

/** A deep copy through the JSON model that keeps PyFloats (stores clone values on the way in). */
export function jsonCloneKeepFloats<T>(value: T): T {
  return parseJson(stringifyJson(value)) as T;
}
