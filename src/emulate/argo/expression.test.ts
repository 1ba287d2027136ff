import { describe, expect, it } from 'vitest';
import type { TaskResults } from './expression.js';
import { ExpressionError, dependsTasks, evaluateDepends, evaluateWhen } from './expression.js';

const result = (phase: string): TaskResults => ({
  Succeeded: phase === 'Succeeded',
  Failed: phase === 'Failed',
  Errored: phase === 'Error',
  Skipped: phase === 'Skipped',
  Omitted: phase === 'Omitted',
  Daemoned: false,
  AnySucceeded: false,
  AllFailed: false,
});

describe('depends expressions (Argo enhanced depends logic)', () => {
  const phases: Record<string, string> = { a: 'Succeeded', 'b-2': 'Failed', c: 'Skipped', d: 'Omitted', e: 'Error' };
  const holds = (expr: string) => evaluateDepends(expr, (t) => (phases[t] ? result(phases[t]!) : undefined));

  it.each([
    ['a.Succeeded', true],
    ['a.Failed', false],
    ['b-2.Failed || b-2.Errored', true],
    ['a.Succeeded && b-2.Succeeded', false],
    ['!a.Failed', true],
    ['(a.Failed || b-2.Failed) && d.Omitted', true],
    ['(a.Failed || b-2.Failed) && !d.Omitted', false],
    ['e.Errored && c.Skipped', true],
    // A bare task means Succeeded || Skipped || Daemoned.
    ['c', true],
    ['b-2', false],
    ['a.Succeeded || b-2.Failed && a.Failed', true],
    ['!(a.Succeeded || b-2.Failed)', false],
  ])('%s → %s', (expr, expected) => {
    expect(holds(expr)).toBe(expected);
  });

  it('lists the tasks an expression waits for, once each', () => {
    expect(dependsTasks('(fan-out.Succeeded || x.Failed) && fan-out.Omitted && y')).toEqual(['fan-out', 'x', 'y']);
  });

  it('refuses unknown tasks and broken expressions', () => {
    expect(() => holds('ghost.Succeeded')).toThrow(/ghost/);
    expect(() => holds('(a.Succeeded')).toThrow(ExpressionError);
    expect(() => holds('a.Succeeded ||')).toThrow(ExpressionError);
  });
});

describe('when expressions', () => {
  it.each([
    ['3 > 0', true],
    ['0 > 0', false],
    ['10 >= 10', true],
    ['heads == heads', true],
    ["'a b' != 'a b'", false],
    ['2 < 10 && tails == tails', true],
    ['!(1 == 1)', false],
  ])('%s → %s', (expr, expected) => {
    expect(evaluateWhen(expr)).toBe(expected);
  });

  it('refuses comparing words by size and non-boolean results', () => {
    expect(() => evaluateWhen('a > 1')).toThrow(ExpressionError);
    expect(() => evaluateWhen('3')).toThrow(ExpressionError);
  });
});
