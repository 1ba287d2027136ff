// jsonpath-plus for asl-validator's own checks, in the built bundles (scripts/build.mjs resolves their
// `require("jsonpath-plus")` here; dagc's other JSONPath users keep the package). asl-validator 4's checks ask
// a handful of fixed queries: a recursive descent for some keys (`$..States`, `$..['States']`,
// `$..[StartAt,Next,Default]`, `$..[Parameters,ResultSelector]`, `$..Branches`...) or a chain of keys from the
// root (`$.Next`, `$.ItemReader.ReaderConfig` with `wrap: false`). jsonpath-plus answers each by building a
// path array and a result object per node it visits, which made these queries about a third of validating a
// 10,000-step machine (issue 16). Those two forms are answered here by a plain walk, with what jsonpath-plus
// gives: the same values, in the same order (at each object or array: its own keys in the query's order, then
// its children in key order, pre-order); `[]` when nothing matches (undefined without `wrap`); undefined for a
// falsy `json`. Any other query or option goes to jsonpath-plus itself. fast-jsonpath.test.ts compares the two
// on every query asl-validator's checks make, over the conformance goldens, broken copies and random documents.
import { JSONPath as jsonPathPlus } from 'jsonpath-plus';

type Query =
  | { readonly descent: true; readonly keys: readonly string[] }
  | { readonly descent: false; readonly keys: readonly string[] };

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const DESCENT = new RegExp(`^\\$\\.\\.(?:(${NAME})|\\['(${NAME})'\\]|\\[(${NAME}(?:,${NAME})+)\\])$`);
const CHAIN = new RegExp(`^\\$((?:\\.${NAME})+)$`);
const OPTIONS = new Set(['json', 'path', 'wrap']);

const queries = new Map<string, Query | null>();

/** The query a path asks, when it is one of the two forms answered here; null otherwise. */
export function fastQuery(path: string): Query | null {
  let query = queries.get(path);
  if (query !== undefined) return query;
  const descent = DESCENT.exec(path);
  const chain = descent ? null : CHAIN.exec(path);
  query = descent
    ? { descent: true, keys: (descent[1] ?? descent[2] ?? descent[3]!).split(',') }
    : chain
      ? { descent: false, keys: chain[1]!.slice(1).split('.') }
      : null;
  queries.set(path, query);
  return query;
}

const own = (value: object, key: string) => Object.prototype.hasOwnProperty.call(value, key);

/** The values of `keys` found by jsonpath-plus's `..` from `value`: the keys at a node (a union in its order),
 * then every child that is an object or array, in key order. Only the root may be a primitive, whose own
 * properties count too (as `Object.hasOwn` sees them). */
function descend(value: unknown, keys: readonly string[], out: unknown[]): void {
  if (value === null || typeof value !== 'object') return;
  for (const key of keys) if (own(value, key)) out.push((value as Record<string, unknown>)[key]);
  if (Array.isArray(value)) for (let i = 0; i < value.length; i++) descend(value[i], keys, out);
  else for (const key of Object.keys(value)) descend((value as Record<string, unknown>)[key], keys, out);
}

interface Options {
  readonly json?: unknown;
  readonly path?: unknown;
  readonly wrap?: unknown;
}

/** jsonpath-plus's `JSONPath(options)`, as asl-validator calls it. */
export function JSONPath(this: unknown, ...args: unknown[]): unknown {
  const options = args[0] as Options | undefined;
  const query =
    args.length === 1 &&
    new.target === undefined &&
    options !== null &&
    typeof options === 'object' &&
    typeof options.path === 'string' &&
    own(options, 'json') &&
    Object.keys(options).every((k) => OPTIONS.has(k))
      ? fastQuery(options.path)
      : null;
  if (query === null)
    return new.target !== undefined
      ? Reflect.construct(jsonPathPlus, args)
      : (jsonPathPlus as (...a: unknown[]) => unknown)(...args);
  const wrap = own(options!, 'wrap') ? options!.wrap : true;
  const json = options!.json;
  if (!json) return undefined;
  const found: unknown[] = [];
  // jsonpath-plus unwraps a lone result (wrap: false) unless an array step found it: a descent's match below
  // the root, or one of a union's keys.
  let atRoot = false;
  if (query.descent) {
    if (json !== null && typeof json === 'object') descend(json, query.keys, found);
    else
      for (const key of query.keys)
        if (own(Object(json) as object, key)) found.push((json as Record<string, unknown>)[key]);
    atRoot =
      query.keys.length === 1 &&
      found.length === 1 &&
      own(Object(json) as object, query.keys[0]!) &&
      (json as Record<string, unknown>)[query.keys[0]!] === found[0];
  } else {
    // A chain: each key an own property of a truthy value (jsonpath-plus's `val && Object.hasOwn(val, loc)`).
    let at: unknown = json;
    for (const key of query.keys) {
      if (!at || !own(Object(at) as object, key)) return wrap ? [] : undefined;
      at = (at as Record<string, unknown>)[key];
    }
    found.push(at);
    atRoot = true;
  }
  if (found.length === 0) return wrap ? [] : undefined;
  return !wrap && found.length === 1 && atRoot ? found[0] : found;
}
