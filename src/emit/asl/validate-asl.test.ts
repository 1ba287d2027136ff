// validate-asl.ts runs asl-validator's checks with one Ajv per process; asl-validator's own entry (a new Ajv per
// call) is the oracle: the same findings on every conformance golden and on broken copies of them.
import { describe, expect, it } from 'vitest';
import aslValidator from 'asl-validator';
import { aslErrors } from './validate-asl.js';
import { aslGoldens } from '../../../test/helpers/asl-goldens.js';
import type { Definition } from '../../../test/helpers/asl-goldens.js';

const oracle = (d: unknown) => aslValidator(structuredClone(d), { checkPaths: true, checkArn: true }).errors;


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
    ['a duplicate field deep in Parameters', withState(task, (s) => (s.Parameters = { ...(s.Parameters as object), Deep: { a: 1, 'a.$': '$.a' } }))],
    ['a state named Next', withState(task, (s) => (s.Next = 'Next'))],
    ['unknown top-level key', { ...structuredClone(d), Extra: 1 }],
  ];
}

describe('aslErrors (asl-validator with its Ajv kept)', () => {
  it('accepts every golden, as asl-validator does', () => {
    const cases = aslGoldens();
    expect(cases.length).toBeGreaterThan(5);
    for (const [name, definition] of cases) expect(aslErrors(definition), name).toEqual([]);
    expect(oracle(cases[0]![1])).toEqual([]);
  });

  // asl-validator takes about a second a call: two goldens' broken copies (a nested one and one with handlers).
  it('finds what asl-validator finds on broken copies', { timeout: 300_000 }, () => {
    let broken = 0;
    for (const [name, definition] of aslGoldens().filter(([n]) => n === 'nested' || n === 'on-failure')) {
      for (const [what, mutant] of mutants(definition)) {
        const expected = oracle(mutant);
        expect(aslErrors(mutant), `${name}: ${what}`).toEqual(expected);
        if (expected.length) broken++;
      }
    }
    // The copies must really be invalid, or the comparison proves nothing.
    expect(broken).toBeGreaterThanOrEqual(20);
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
