// The dag hash: magnus's `sha1(json.dumps(dag, sort_keys=True, ensure_ascii=True))` (magnus-spec.md §3.9),
// reproduced byte for byte so a dagc run log carries the same dag_hash as a magnus run of the same file.
// Input convention: the front end parses YAML with `intAsBigInt: true`, so YAML integers arrive as bigint and
// YAML floats as number. That distinction is the whole reason this file exists: Python prints `1` and `1.0`
// differently, and the hash changes with it (spec §1.1).
import { nodeCrypto } from '../core/lazy-crypto.js';
import { PyFloat, pyFloatRepr } from '../core/py-float.js';

/** sha1 hex of the Python-compatible JSON text of the `dag` block (after variable substitution). */
export function hashDag(dagBlock: unknown): string {
  return nodeCrypto().createHash('sha1').update(pythonJsonDumps(dagBlock), 'utf8').digest('hex');
}

/** Python `json.dumps(value, sort_keys=True, ensure_ascii=True)` with the default separators. */
export function pythonJsonDumps(value: unknown): string {
  return dump(value, HASH_STYLE);
}

/**
 * Python `json.dumps(value)` (insertion order, ensure_ascii, default separators) for JSON-shaped data whose
 * numbers are plain JS numbers: what magnus exported as MAGNUS_PRM_* (spec §4.1), so shell steps that compare
 * the text see what they saw under magnus. Whole numbers print as ints, others as Python floats.
 */
export function pythonJsonText(value: unknown): string {
  return dump(value, DATA_STYLE);
}

interface DumpStyle {
  sortKeys: boolean;
  /** How a JS number prints: the hash view's numbers are floats (ints are bigint there). */
  number: (x: number) => string;
}

const HASH_STYLE: DumpStyle = { sortKeys: true, number: (x) => pythonFloatRepr(x) };
const DATA_STYLE: DumpStyle = {
  sortKeys: false,
  number: (x) => (Number.isSafeInteger(x) ? String(x) : pythonFloatRepr(x)),
};

/**
 * One pass writing to one string (a rope V8 joins once): the dag block of a 10,000-step pipeline is ~0.9 MB
 * of text, and building a string per value and joining them took ~55 ms of its compile (issue 16). `markers`
 * holds the containers being written, as Python's encoder marks them, to refuse a cycle.
 */
function dump(value: unknown, style: DumpStyle): string {
  const markers: object[] = [];
  let out = '';
  const write = (v: unknown): void => {
    if (v === null) {
      out += 'null';
      return;
    }
    switch (typeof v) {
      case 'string':
        out += quote(v);
        return;
      case 'boolean':
        out += v ? 'true' : 'false';
        return;
      case 'bigint':
        out += v.toString();
        return;
      case 'number':
        // In the hash view a JS number came from a YAML float (integers are bigint): a Python float.
        out += style.number(v);
        return;
      case 'object':
        break;
      default:
        throw new TypeError(`Object of type ${typeof v} is not JSON serializable`);
    }
    // Python raises "Circular reference detected"; we do the same rather than overflow the stack.
    if (markers.includes(v)) throw new TypeError('Circular reference detected');
    if (Array.isArray(v)) {
      if (v.length === 0) {
        out += '[]';
        return;
      }
      markers.push(v);
      out += '[';
      for (let i = 0; i < v.length; i++) {
        if (i) out += ', ';
        write(v[i]);
      }
      out += ']';
      markers.pop();
      return;
    }
    if (v instanceof Map) {
      const entries = pythonSortedEntries([...v.entries()]);
      markers.push(v);
      writeEntries(entries.map(([k]) => k), (i) => entries[i]![1]);
      markers.pop();
      return;
    }
    if (v instanceof Date) throw new TypeError('Object of type datetime is not JSON serializable');
    // A whole-valued float kept from YAML or a step's JSON (core/py-float.ts): json.dumps writes `2.0`.
    if (v instanceof PyFloat) {
      out += pyFloatRepr(v.value);
      return;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null)
      throw new TypeError(`Object of type ${v.constructor?.name ?? 'object'} is not JSON serializable`);
    const object = v as Record<string, unknown>;
    const keys = Object.keys(object);
    if (style.sortKeys) keys.sort(keys.some(hasSurrogate) ? compareCodePoints : compareUnits);
    markers.push(v);
    writeEntries(keys, (i) => object[keys[i]!]);
    markers.pop();
  };
  const writeEntries = (keys: readonly string[], valueAt: (i: number) => unknown): void => {
    if (keys.length === 0) {
      out += '{}';
      return;
    }
    out += '{';
    for (let i = 0; i < keys.length; i++) {
      out += i ? `, ${quote(keys[i]!)}: ` : `${quote(keys[i]!)}: `;
      write(valueAt(i));
    }
    out += '}';
  };
  write(value);
  return out;
}

/** Keys without a surrogate (U+D800–U+DFFF) compare by code point as they do by UTF-16 unit: the fast way. */
const SURROGATE = /[\ud800-\udfff]/;
const hasSurrogate = (s: string) => SURROGATE.test(s);
const compareUnits = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A Map may carry non-string keys (a YAML mapping parsed with mapAsMap). Python sorts the keys themselves
 * before turning them into strings, so integer keys sort numerically; str and int keys cannot be compared and
 * Python raises, as we do.
 */
function pythonSortedEntries(entries: [unknown, unknown][]): [string, unknown][] {
  const isNumeric = (k: unknown) => typeof k === 'bigint' || typeof k === 'number' || typeof k === 'boolean';
  const kinds = new Set(
    entries.map(([k]) => (typeof k === 'string' ? 'str' : isNumeric(k) ? 'num' : 'other')),
  );
  if (kinds.has('other') && entries.length > 1) {
    // None keys: Python cannot order None against anything, not even another None.
    throw new TypeError("'<' not supported between these key types");
  }
  if (kinds.size > 1) throw new TypeError("'<' not supported between instances of 'int' and 'str'");
  const sorted = [...entries].sort(([a], [b]) =>
    typeof a === 'string' && typeof b === 'string' ? compareCodePoints(a, b) : compareNumbers(a, b),
  );
  return sorted.map(([k, v]) => [pythonKeyString(k), v]);
}

function compareNumbers(a: unknown, b: unknown): number {
  const x = toComparable(a);
  const y = toComparable(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function toComparable(k: unknown): number | bigint {
  if (typeof k === 'boolean') return k ? 1n : 0n;
  return k as number | bigint;
}

/** How Python's json turns a non-str key into a string (json.encoder `_iterencode_dict`). */
function pythonKeyString(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (k === null || k === undefined) return 'null';
  if (typeof k === 'bigint') return k.toString();
  if (typeof k === 'number') return pythonFloatRepr(k);
  throw new TypeError(`keys must be str, int, float, bool or None, not ${typeof k}`);
}

/**
 * Python orders str by code point; JS's default sort compares UTF-16 units, which puts astral characters
 * (surrogates D800–DFFF) before U+E000–U+FFFF. Compare code points to match Python.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i) as number;
    const y = b.codePointAt(i) as number;
    if (x !== y) return x - y;
    // Both were the same astral character: skip its low surrogate.
    if (x > 0xffff) i++;
  }
  return a.length - b.length;
}

/** ' '..'~' but for the two with a short escape, '"' and '\\'. */
const NOTHING_TO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const SHORT_ESCAPES: Readonly<Record<string, string>> = {
  '"': '\\"',
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

/**
 * json.encoder `py_encode_basestring_ascii`: everything outside ' '..'~' is escaped; `\uXXXX` in lower-case
 * hex. Escaping each UTF-16 unit gives exactly Python's surrogate pairs for astral characters.
 */
function quote(s: string): string {
  // Most strings (names, commands) need no escape: kept whole instead of rebuilt a character at a time.
  if (NOTHING_TO_ESCAPE.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ch = s[i] as string;
    const short = SHORT_ESCAPES[ch];
    if (short !== undefined) out += short;
    else if (c >= 0x20 && c <= 0x7e) out += ch;
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

/**
 * Python `float.__repr__` (and json's float formatting): the shortest digits that round-trip (JS and Python
 * both pick them the same way), in fixed notation when -4 <= exponent < 16, otherwise `d.ddde±XX`.
 */
export function pythonFloatRepr(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // toExponential() without an argument gives the shortest round-trip digits: "d.ddde±N".
  const [mantissa, expText] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mantissa.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const expAbs = String(Math.abs(exp)).padStart(2, '0');
    return `${sign}${digits[0]}${frac}e${exp < 0 ? '-' : '+'}${expAbs}`;
  }
  const point = exp + 1; // digits before the decimal point
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}
