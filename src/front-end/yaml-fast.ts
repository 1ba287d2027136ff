// The fast reader of load.ts: js-yaml with a schema that mirrors the `yaml` package's YAML 1.2 core schema
// (the same regular expressions, ints as bigint, floats as number), used only for plain files. It gives up
// (returns undefined) on anything that needs a diagnostic or that the two parsers could read differently:
// anchors and aliases, merge keys, tags outside the core schema, keys that are not text, duplicate keys,
// several documents, a top level that is not a mapping, integers beyond 2^53, deep nesting, syntax errors.
// load.ts then reads the file with `yaml`, which reports the problem with its position.
import { FAILSAFE_SCHEMA, Type, load } from 'js-yaml';
import { setOwn } from '../core/set-own.js';
import { UNHANDLED, readBlockYaml } from './yaml-lines.js';

/**
 * Non-text scalars are boxed while js-yaml builds the tree: a box used as a mapping key turns into a sentinel
 * string (js-yaml stringifies keys), so a key such as `1:` or `true:` is noticed instead of becoming "1".
 */
const KEY_SENTINEL = '\u0000dagc-non-text-key';
class Boxed {
  constructor(readonly value: bigint | number | boolean | null) {}
  // js-yaml replaces plain objects used as keys by "[object Object]"; a tag of our own keeps toString() ours.
  get [Symbol.toStringTag](): string {
    return 'DagcBoxedScalar';
  }
  toString(): string {
    return KEY_SENTINEL;
  }
}

// The regular expressions of yaml/dist/schema/core (null.js, bool.js, int.js, float.js), in its order.
const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT = /^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$/;
const FLOAT_SPECIAL = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+|[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*))$/;

// js-yaml tries every implicit type on every plain scalar; a look at the first character spares the regular
// expressions for the usual words (task, next, step names), which start with none of these.
const maybeNull = (s: string) => s === '' || '~nN'.includes(s.charAt(0));
const maybeBool = (s: string) => 'tTfF'.includes(s.charAt(0));
const maybeNumber = (s: string) => '+-.0123456789'.includes(s.charAt(0));

const constructFloat = (s: string) =>
  new Boxed(
    FLOAT_SPECIAL.test(s)
      ? s.slice(-3).toLowerCase() === 'nan'
        ? NaN
        : s[0] === '-'
          ? -Infinity
          : Infinity
      : parseFloat(s),
  );

// The core schema's implicit types, in js-yaml's order of trial: the first that resolves a plain scalar builds it.
const IMPLICIT: readonly [string, (s: string) => boolean, (s: string) => Boxed][] = [
  ['tag:yaml.org,2002:null', (s) => maybeNull(s) && NULL.test(s), () => new Boxed(null)],
  ['tag:yaml.org,2002:bool', (s) => maybeBool(s) && BOOL.test(s), (s) => new Boxed(s[0] === 't' || s[0] === 'T')],
  // BigInt() reads "0o17" and "0x1F" itself; a leading "+" is fine too.
  ['tag:yaml.org,2002:int', (s) => maybeNumber(s) && INT.test(s), (s) => new Boxed(BigInt(s))],
  ['tag:yaml.org,2002:float', (s) => maybeNumber(s) && (FLOAT_SPECIAL.test(s) || FLOAT.test(s)), constructFloat],
];

const SCHEMA = FAILSAFE_SCHEMA.extend({
  implicit: IMPLICIT.map(([tag, resolve, construct]) => new Type(tag, { kind: 'scalar', resolve, construct })),
});

/**
 * A plain scalar as js-yaml reads it with SCHEMA (for yaml-lines.ts): IMPLICIT tried in order, by the first
 * character, since no two of null, bool and the numbers start alike (a word starts like none of them).
 */
export function resolvePlain(s: string): unknown {
  if (maybeNull(s)) return NULL.test(s) ? new Boxed(null) : s;
  if (maybeBool(s)) return BOOL.test(s) ? new Boxed(s[0] === 't' || s[0] === 'T') : s;
  if (!maybeNumber(s)) return s;
  if (INT.test(s)) return new Boxed(BigInt(s));
  return FLOAT_SPECIAL.test(s) || FLOAT.test(s) ? constructFloat(s) : s;
}

/** Constructs the fast reader cannot tell apart from plain ones: `? key` complex keys and flow collections as keys. */
const COMPLEX_KEY = /(?:^|\n)[ \t]*(?:- +)*\?(?:[ \t]|$)|[\]}][ \t]*:(?:[ \t\r\n]|$)/m;

class GiveUp extends Error {}

export interface FastResult {
  empty: boolean;
  data: unknown;
  hash: unknown;
}

export function parseFast(
  text: string,
  mapString: (s: string) => string,
  maxDepth: number,
  options: { lineReader?: boolean } = {},
): FastResult | undefined {
  if (text.includes('<<') || COMPLEX_KEY.test(text)) return undefined;
  let anchored = false;
  // Block YAML of the usual shape is read a line at a time (yaml-lines.ts); js-yaml reads the rest.
  // (lineReader: false, for the tests that compare the two.)
  let value: unknown = options.lineReader === false ? UNHANDLED : readBlockYaml(text, resolvePlain, maxDepth);
  if (value === UNHANDLED) {
    try {
      value = load(text, {
        schema: SCHEMA,
        json: false,
        onWarning: () => {
          throw new GiveUp();
        },
        listener(event, state) {
          // An anchored node closes with its anchor still set (js-yaml loader.js composeNode).
          if (event === 'close' && (state as unknown as { anchor: string | null }).anchor !== null)
            anchored = true;
        },
      });
    } catch {
      // Syntax errors, duplicate keys, several documents, unknown tags, a stack overflow: `yaml` reports them.
      return undefined;
    }
  }
  if (anchored) return undefined;
  if (value === undefined) return { empty: true, data: undefined, hash: undefined };
  if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Boxed)
    return undefined;
  try {
    // js-yaml's tree becomes the data view in place (it is ours, freshly built); the hash view shares it
    // except along the paths down to integers.
    const root = { value };
    const hash = convert(root as Record<string, unknown>, 'value', mapString, 0, maxDepth);
    return { empty: false, data: root.value, hash };
  } catch (error) {
    if (error instanceof GiveUp) return undefined;
    throw error;
  }
}

/**
 * Turns `container[key]` (a js-yaml value) into its data view, in place, and returns its hash view: the same
 * value, except that integers stay bigint there (and the mappings and lists holding them are copied).
 * Nothing mutates either view afterwards.
 */
function convert(
  container: Record<string, unknown> | unknown[],
  key: string | number,
  mapString: (s: string) => string,
  depth: number,
  maxDepth: number,
): unknown {
  const value = (container as Record<string, unknown>)[key];
  if (typeof value === 'string') {
    const s = mapString(value);
    if (s !== value) put(container, key, s);
    return s;
  }
  if (value === null) return null;
  if (value instanceof Boxed) {
    const v = value.value;
    if (typeof v === 'bigint') {
      if (v > MAX_SAFE || v < MIN_SAFE) throw new GiveUp();
      put(container, key, Number(v));
    } else put(container, key, v);
    return v;
  }
  if (depth >= maxDepth) throw new GiveUp();
  if (Array.isArray(value)) {
    let hash: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const h = convert(value, i, mapString, depth + 1, maxDepth);
      if (hash) hash.push(h);
      else if (h !== value[i]) {
        // Items before this one are the same in both views.
        hash = value.slice(0, i);
        hash.push(h);
      }
    }
    return hash ?? value;
  }
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) throw new GiveUp();
  const object = value as Record<string, unknown>;
  const keys = Object.keys(object);
  let renamed = false;
  for (const k of keys) {
    // "null" and "[object Object]" are what js-yaml makes of an empty key and of a mapping used as a key.
    if (k === KEY_SENTINEL || k === 'null' || k === '[object Object]') throw new GiveUp();
    if (mapString(k) !== k) renamed = true;
  }
  // Keys with variables: a new mapping, in the same order, with the substituted keys.
  let data = object;
  if (renamed) {
    data = {};
    for (const k of keys) {
      const mk = mapString(k);
      // Two keys that become one after substitution: a duplicate that only `yaml` can point at.
      if (Object.hasOwn(data, mk)) throw new GiveUp();
      setOwn(data, mk, object[k]);
    }
    put(container, key, data);
  }
  let hash: Record<string, unknown> | undefined;
  for (const k of renamed ? Object.keys(data) : keys) {
    const h = convert(data, k, mapString, depth + 1, maxDepth);
    // Keys before this one are the same in both views; later ones are overwritten as they come. (Spread
    // defines properties, so a "__proto__" key is copied as a key.)
    if (!hash && h !== data[k]) hash = { ...data };
    if (hash) setOwn(hash, k, h);
  }
  return hash ?? data;
}

/** Writes a converted value back, never through the "__proto__" setter. */
function put(container: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (typeof key === 'number') (container as unknown[])[key] = value;
  else setOwn(container as Record<string, unknown>, key, value);
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
