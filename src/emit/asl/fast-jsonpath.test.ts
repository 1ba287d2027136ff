// fast-jsonpath.ts against jsonpath-plus itself: every query asl-validator's checks ask while validating the
// conformance goldens and broken copies (recorded by putting a spy in jsonpath-plus's exports, which those
// checks read at each call), the same queries over random documents, and delegation of everything else.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import aslValidator from 'asl-validator';
import { JSONPath as fast, fastQuery } from './fast-jsonpath.js';
import { aslGoldens } from '../../../test/helpers/asl-goldens.js';

const require = createRequire(import.meta.url);
// The module object asl-validator's checks hold (`jsonpath_plus_1.JSONPath(...)`): resolved from its folder.
const fromValidator = createRequire(require.resolve('asl-validator'))('jsonpath-plus') as {
  JSONPath: (...a: unknown[]) => unknown;
};
const real = fromValidator.JSONPath;
afterEach(() => {
  fromValidator.JSONPath = real;
});

/** Same values in the same order, each the very value (not a copy), or the same non-array answer. */
function expectSame(got: unknown, want: unknown, what: string): void {
  expect(got, what).toEqual(want);
  if (Array.isArray(want)) {
    expect(Array.isArray(got), what).toBe(true);
    (want as unknown[]).forEach((v, i) => expect((got as unknown[])[i] === v, `${what} [${i}]`).toBe(true));
  } else expect(got === want, what).toBe(true);
}

function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'States',
  'StartAt',
  'Next',
  'Default',
  'Branches',
  'Iterator',
  'Parameters',
  'ResultSelector',
  'ItemReader',
  'ReaderConfig',
  'ItemBatcher',
  'Type',
  'length',
  '0',
  'a',
];

function document(next: () => number, depth: number): unknown {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const r = next();
  if (depth <= 0 || r < 0.3) return pick<unknown>(['s', '', 0, 7, true, false, null, 'Next', [], {}]);
  if (r < 0.5) return Array.from({ length: Math.floor(next() * 4) }, () => document(next, depth - 1));
  const out: Record<string, unknown> = {};
  for (let i = Math.floor(next() * 5); i > 0; i--) out[pick(KEYS)] = document(next, depth - 1);
  return out;
}

/** The queries of asl-validator 4's checks, and more of the same two forms. */
const QUERIES: [string, boolean][] = [
  ['$..States', true],
  ["$..['States']", true],
  ['$..[StartAt,Next,Default]', true],
  ['$..[Next,Default]', true],
  ['$..[Parameters,ResultSelector]', true],
  ['$..Branches', true],
  ['$..Iterator', true],
  ['$..length', true],
  ['$..0', false],
  ['$.States', true],
  ['$.Next', true],
  ['$.Default', true],
  ['$.ItemReader.ReaderConfig', true],
  ['$.ItemBatcher', true],
  ['$.a.length', true],
];

describe('fast-jsonpath', () => {
  it('answers every query asl-validator asks, as jsonpath-plus does, on the goldens and broken copies', () => {
    const asked = new Map<string, number>();
    fromValidator.JSONPath = function spy(this: unknown, ...args: unknown[]) {
      const options = args[0] as { path: string; wrap?: boolean };
      const want = real(...args);
      const what = `${options.path}${options.wrap === false ? ' (wrap: false)' : ''}`;
      asked.set(what, (asked.get(what) ?? 0) + 1);
      // asl-path-validator (under the schema's path formats) asks its own queries of the same module, which
      // fast-jsonpath.ts hands on: compared too.
      expectSame(fast(...args), want, what);
      return want;
    };
    const broken = (d: object): object[] => {
      const copy = structuredClone(d) as { States: Record<string, Record<string, unknown>> };
      const [first, second] = Object.keys(copy.States);
      copy.States[first!]!.Next = 'nowhere';
      copy.States[second ?? first!]!.Parameters = {
        States: { x: { Type: 'Map', Next: 'y' } },
        'a.$': '$.a',
        a: 1,
      };
      return [copy];
    };
    let definitions = 0;
    for (const [, definition] of aslGoldens())
      for (const d of [definition, ...broken(definition)]) {
        aslValidator(structuredClone(d), { checkPaths: true, checkArn: true });
        definitions++;
      }
    expect(definitions).toBeGreaterThan(10);
    // The queries of every check (missing-transition-target, state-transitions, duplicate names, terminal
    // states, payload fields, state checks) were asked, and compared.
    for (const q of [
      '$..States',
      "$..['States']",
      '$..[StartAt,Next,Default]',
      '$..Branches',
      '$..Iterator',
      '$.States',
      '$..[Next,Default]',
      '$..[Parameters,ResultSelector]',
    ]) {
      expect(asked.get(q) ?? 0, q).toBeGreaterThan(0);
      expect(fastQuery(q), `${q} is answered by fast-jsonpath.ts`).not.toBeNull();
    }
  });

  it('answers those queries as jsonpath-plus does on random documents', () => {
    let nonEmpty = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const next = random(seed);
      const json = document(next, 5);
      for (const [path] of QUERIES)
        for (const options of [
          { json, path },
          { json, path, wrap: false },
          { json, path, wrap: true },
        ]) {
          const want = real(options);
          expectSame(fast(options), want, `seed ${seed} ${path} ${JSON.stringify(options.wrap)}`);
          if (Array.isArray(want) ? want.length : want !== undefined) nonEmpty++;
        }
    }
    expect(nonEmpty).toBeGreaterThan(1000);
  });

  it('hands every other query, option and call to jsonpath-plus', () => {
    const json = { States: { a: { Type: 'Task', Next: 'b' }, b: { Type: 'Succeed' } }, StartAt: 'a' };
    for (const path of [
      '$..*',
      '$.States.*',
      '$..States.a',
      '$..[?(@.Type)]',
      '$',
      '',
      '$.States[a]',
      '$..`Next',
    ])
      expect(fastQuery(path), path).toBeNull();
    const calls: unknown[][] = [
      [{ json, path: '$..*' }],
      [{ json, path: '$..Next', resultType: 'path' }],
      [{ json, path: '$..Next', flatten: true }],
      ['$..Next', json],
      [{ path: '$..Next' }],
    ];
    for (const args of calls) {
      let want: unknown;
      let failed: unknown;
      try {
        want = real(...args);
      } catch (error) {
        failed = error;
      }
      if (failed) expect(() => fast(...args)).toThrow((failed as Error).message);
      else expect(fast(...args)).toEqual(want);
    }
    for (const json of [0, '', null, undefined])
      expect(fast({ json, path: '$..States' })).toBe(real({ json, path: '$..States' }));
  });
});
