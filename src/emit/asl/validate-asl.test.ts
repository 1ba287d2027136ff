// validate-asl.ts runs asl-validator's checks with one Ajv per process; asl-validator's own entry (a new Ajv per
// call) is the oracle: the same findings on every conformance golden and on broken copies of them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import aslValidator from 'asl-validator';
import { aslErrors } from './validate-asl.js';
import { fastJsonPath } from '../../../scripts/fast-jsonpath-plugin.mjs';
import { aslGoldens } from '../../../test/helpers/asl-goldens.js';
import type { Definition } from '../../../test/helpers/asl-goldens.js';

const oracle = (d: unknown) => aslValidator(structuredClone(d), { checkPaths: true, checkArn: true }).errors;

// This module as scripts/build.mjs bundles it: asl-validator's checks then ask their JSONPath queries of
// fast-jsonpath.ts (here, under the sources, they ask jsonpath-plus).
const dir = mkdtempSync(path.join(tmpdir(), 'dagc-validate-asl-'));
let bundledErrors: typeof aslErrors;
beforeAll(async () => {
  const outfile = path.join(dir, 'validate-asl.cjs');
  await build({ entryPoints: [path.resolve('src/emit/asl/validate-asl.ts')], outfile, bundle: true, format: 'cjs', platform: 'node', logLevel: 'silent', plugins: [fastJsonPath] });
  // The plugin took effect: the bundle holds fast-jsonpath.ts (esbuild names each module it bundles).
  expect(readFileSync(outfile, 'utf8')).toContain('// src/emit/asl/fast-jsonpath.ts');
  bundledErrors = (createRequire(import.meta.url)(outfile) as { aslErrors: typeof aslErrors }).aslErrors;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));


/** Broken copies: each breaks one kind of rule asl-validator checks. */
function mutants(d: Definition): [string, unknown][] {
  const names = Object.keys(d.States);
  const first = names[0]!;
  const task = names.find((n) => d.States[n]!.Type === 'Task') ?? first;
  const withState = (name: string, change: (s: Record<string, unknown>) => void) => {
    const copy = structuredClone(d);
    change(copy.States[name]!);
    return copy;
  };
  return [
    ['unknown type', withState(first, (s) => (s.Type = 'Nope'))],
    ['bad path', withState(task, (s) => (s.ResultPath = '$$..[bad'))],
    ['missing target', withState(task, (s) => ((s.Next = 'nowhere'), delete s.End))],
    ['both End and Next', withState(task, (s) => ((s.End = true), (s.Next = first)))],
    ['bad ARN', withState(task, (s) => (s.Resource = 'not-an-arn'))],
    ['two timeouts', withState(task, (s) => ((s.TimeoutSeconds = 1), (s.TimeoutSecondsPath = '$.t')))],
    ['missing StartAt target', { ...structuredClone(d), StartAt: 'absent' }],
    // What the checks' views (validate-asl.ts viewFor) must still show: keys deep in a payload.
    ['a Next key inside Parameters', withState(task, (s) => (s.Parameters = { ...(s.Parameters as object), Nested: [{ Next: 'nowhere' }] }))],
    // Found after other members of a list (its place in the list kept) and after keys holding nothing found.
    ['a Next key late in a list in Parameters', withState(task, (s) => (s.Parameters = { ...(s.Parameters as object), a: { b: [1] }, Nested: [1, 'x', { a: 1 }, [], [{ c: 2 }], { Next: 'nowhere' }] }))],
    ['a duplicate field deep in Parameters', withState(task, (s) => (s.Parameters = { ...(s.Parameters as object), Deep: { a: 1, 'a.$': '$.a' } }))],
    ['a state named Next', withState(task, (s) => (s.Next = 'Next'))],
    ['unknown top-level key', { ...structuredClone(d), Extra: 1 }],
    // What the state checks' view (validate-asl.ts STATES) must still show: states at any depth, the properties
    // the checks count, the objects they read into, and a States key deep in a payload.
    ['two heartbeats in a nested Task', nested(d, 'Task', (s) => ((s.HeartbeatSeconds = 5), (s.HeartbeatSecondsPath = '$.h')))],
    ['a nested Fail with Cause and CausePath', nested(d, 'Fail', (s) => ((s.Cause = 'c'), (s.CausePath = '$.c')))],
    ['a nested Fail with Error and ErrorPath', nested(d, 'Fail', (s) => ((s.Error = 'e'), (s.ErrorPath = '$.e')))],
    ['a Map with Items and ItemsPath', nested(d, 'Map', (s) => ((s.Items = [1]), (s.ItemsPath = '$.items')))],
    ['a Map with both concurrencies', nested(d, 'Map', (s) => ((s.MaxConcurrency = 1), (s.MaxConcurrencyPath = '$.m')))],
    ['a Map with two tolerated counts', nested(d, 'Map', (s) => ((s.ToleratedFailureCount = 1), (s.ToleratedFailureCountPath = '$.t')))],
    ['a Map with two tolerated percentages', nested(d, 'Map', (s) => ((s.ToleratedFailurePercentage = 1), (s.ToleratedFailurePercentagePath = '$.t')))],
    ['a Map with Parameters and ItemSelector', nested(d, 'Map', (s) => ((s.Parameters = { 'i.$': '$$.Map.Item.Value' }), (s.ItemSelector = { 'i.$': '$$.Map.Item.Value' })))],
    ['a Map reading both MaxItems', nested(d, 'Map', (s) => (s.ItemReader = { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'b', Key: 'k' }, ReaderConfig: { InputType: 'JSON', MaxItems: 1, MaxItemsPath: '$.m' } }))],
    ['a Map batching both ways', nested(d, 'Map', (s) => (s.ItemBatcher = { MaxItemsPerBatch: 1, MaxItemsPerBatchPath: '$.b', MaxInputBytesPerBatch: 1, MaxInputBytesPerBatchPath: '$.c' }))],
    ['a Wait with two durations', nested(d, 'Pass', (s) => ((s.Type = 'Wait'), (s.Seconds = 1), (s.SecondsPath = '$.s'), delete s.Result, delete s.ResultPath, delete s.Parameters))],
    ['a nested state with End and Next', nested(d, 'Pass', (s) => ((s.End = true), (s.Next = 'x')))],
    ['a state-like object in a States key of a payload', nested(d, 'Task', (s) => (s.Parameters = { ...(s.Parameters as object), States: { inner: { Type: 'Task', TimeoutSeconds: 1, TimeoutSecondsPath: '$.t', End: true } } }))],
  ];
}

/** A copy of `d` with `change` made to the deepest-first state of `type` found under a States key (nested
 * machines included); `d` itself when there is none. */
function nested(d: Definition, type: string, change: (s: Record<string, unknown>) => void): unknown {
  const copy = structuredClone(d) as unknown;
  let found: Record<string, unknown> | undefined;
  const visit = (v: unknown, depth: number, best: { depth: number }): void => {
    if (v === null || typeof v !== 'object') return;
    for (const [k, x] of Object.entries(v)) {
      if (k === 'States' && x !== null && typeof x === 'object')
        for (const state of Object.values(x as Record<string, Record<string, unknown>>))
          if (state?.Type === type && depth > best.depth) {
            found = state;
            best.depth = depth;
          }
      visit(x, depth + 1, best);
    }
  };
  visit(copy, 0, { depth: -1 });
  if (!found) return d;
  change(found);
  return copy;
}

describe('aslErrors (asl-validator with its Ajv kept)', () => {
  it('accepts every golden, as asl-validator does', () => {
    const cases = aslGoldens();
    expect(cases.length).toBeGreaterThan(5);
    for (const [name, definition] of cases) {
      expect(aslErrors(definition), name).toEqual([]);
      expect(bundledErrors(definition), `${name} (bundled)`).toEqual([]);
    }
    expect(oracle(cases[0]![1])).toEqual([]);
  });

  // asl-validator takes about a second a call: two goldens' broken copies (a nested one and one with handlers).
  it('finds what asl-validator finds on broken copies', { timeout: 300_000 }, () => {
    let broken = 0;
    for (const [name, definition] of aslGoldens().filter(([n]) => n === 'nested' || n === 'on-failure')) {
      for (const [what, mutant] of mutants(definition)) {
        const expected = oracle(mutant);
        expect(aslErrors(mutant), `${name}: ${what}`).toEqual(expected);
        expect(bundledErrors(mutant), `${name}: ${what} (bundled)`).toEqual(expected);
        if (expected.length) broken++;
      }
    }
    // The copies must really be invalid, or the comparison proves nothing.
    expect(broken).toBeGreaterThanOrEqual(40);
  });

  // aslErrors gives the states their QueryLanguage in place and takes it back, also when a check finds errors.
  it('leaves its input as it was (asl-validator adds QueryLanguage to a copy)', () => {
    const [, definition] = aslGoldens().find(([n]) => n === 'on-failure')!;
    const inputs: unknown[] = [definition, ...mutants(definition).map(([, m]) => m)];
    const blank = structuredClone(definition);
    blank.States[Object.keys(blank.States)[0]!]!.QueryLanguage = '';
    inputs.push(blank);
    for (const input of inputs) {
      const before = JSON.stringify(input);
      aslErrors(input);
      expect(JSON.stringify(input)).toBe(before);
    }
  });
});
