// splitMachine tells each part as soon as it is cut (issue 16: the parts worker validates part 1 while the rest
// are cut and made), and what it tells is what it returns. The routing the parts do is proven by running them
// (test/asl-split.test.ts: the emulator's run log against dagc run's).
import { describe, expect, it } from 'vitest';
import type { State, StateMachine } from './asl-types.js';
import { splitMachine } from './split.js';

/** A chain of `n` Pass states in dagc.run's branch; reading a state's Result (its JSON text) is recorded. */
function chain(n: number, read: string[]): StateMachine {
  const states: Record<string, State> = {};
  for (let i = 0; i < n; i++) {
    const state = { Type: 'Pass', ...(i === n - 1 ? { End: true } : { Next: `s${i + 1}` }) } as Record<
      string,
      unknown
    >;
    Object.defineProperty(state, 'Result', {
      enumerable: true,
      get() {
        read.push(`s${i}`);
        return { note: 'x'.repeat(100) };
      },
    });
    states[`s${i}`] = state as unknown as State;
  }
  return {
    Comment: 'test',
    StartAt: 'dagc.run',
    States: {
      'dagc.run': {
        Type: 'Parallel',
        Branches: [{ StartAt: 's0', States: states }],
        End: true,
      } as unknown as State,
    },
  };
}

describe('splitMachine', () => {
  it('tells part 1 before the states of the last part are sized, and tells every part it returns, in order', () => {
    const read: string[] = [];
    const told: { k: number; part: StateMachine; readBefore: string[] }[] = [];
    // Over the history quota only, so that nothing reads the whole machine's text before the cut.
    const split = splitMachine(
      chain(200, read),
      'dagc.run',
      { definitionBytes: 1_048_576, historyEvents: 200 },
      40,
      (part, k) => told.push({ k, part, readBefore: [...read] }),
    );
    expect(split).toBeDefined();
    expect(split!.parts.length).toBeGreaterThanOrEqual(3);
    expect(told.map((t) => t.k)).toEqual(split!.parts.map((_, i) => i + 1));
    expect(told.map((t) => t.part)).toEqual(split!.parts);
    // Part 1 was made when its cut was known, not after every cut.
    expect(told[0]!.readBefore).not.toContain('s199');
    expect(told.at(-1)!.readBefore).toContain('s199');
  });

  it('cuts the states in an order of their transitions, the start first, file order where free', () => {
    // File order h, s0, s1, s2, p0…p99, end; s0 (the start) leads to s1 (Default) and h (a choice); both to s2.
    const states: Record<string, unknown> = {
      h: { Type: 'Pass', Next: 's2' },
      s0: { Type: 'Choice', Choices: [{ Variable: '$.x', IsPresent: true, Next: 'h' }], Default: 's1' },
      s1: { Type: 'Pass', Next: 's2' },
      s2: { Type: 'Pass', Next: 'p0' },
    };
    for (let i = 0; i < 100; i++) states[`p${i}`] = { Type: 'Pass', Next: i === 99 ? 'end' : `p${i + 1}` };
    states.end = { Type: 'Succeed' };
    const machine = {
      StartAt: 'dagc.run',
      States: { 'dagc.run': { Type: 'Parallel', Branches: [{ StartAt: 's0', States: states }], End: true } },
    } as unknown as StateMachine;
    const split = splitMachine(machine, 'dagc.run', { definitionBytes: 1_048_576, historyEvents: 200 }, 40);
    expect(split!.parts.length).toBeGreaterThanOrEqual(2);
    const cut = split!.parts.flatMap((p) =>
      Object.keys(p.States).filter((n) => !n.startsWith('dagc.') && n !== 'end'),
    );
    expect(cut).toEqual(['s0', 'h', 's1', 's2', ...Array.from({ length: 100 }, (_, i) => `p${i}`)]);
  });

  /** dagc.run's branch: a start Pass, then a Parallel of `branches` branches of ~`bytes` each, then the end. */
  function wide(branches: number, bytes: number, wrapper: Record<string, unknown> = {}): StateMachine {
    const branch = (b: number) => ({
      StartAt: `b${b}`,
      States: { [`b${b}`]: { Type: 'Pass', Result: { pad: 'x'.repeat(bytes) }, End: true } },
    });
    return {
      StartAt: 'dagc.run',
      States: {
        ...wrapper,
        'dagc.run': {
          Type: 'Parallel',
          Branches: [
            {
              StartAt: 'first',
              States: {
                first: { Type: 'Pass', Next: 'P' },
                P: {
                  Type: 'Parallel',
                  Branches: Array.from({ length: branches }, (_, b) => branch(b)),
                  Next: 'end',
                },
                end: { Type: 'Succeed' },
              },
            },
          ],
          End: true,
        },
      },
    } as unknown as StateMachine;
  }

  it('tells the branches of a Parallel too large for a part as it offloads them, also when the parent then fits', () => {
    const told: StateMachine[] = [];
    const split = splitMachine(
      wide(3, 3000),
      'dagc.run',
      { definitionBytes: 8192, historyEvents: 25_000 },
      40,
      (part, k) => {
        expect(k).toBe(told.length + 1);
        told.push(part);
      },
    );
    expect(split!.parts).toHaveLength(3);
    expect(told).toEqual(split!.parts);
  });

  it('splits the rest into one part when the parent is still over a quota once a branch is offloaded', () => {
    // The wrapper's own state keeps the parent over 8 KiB; the branch's remaining states fit one part.
    const told: StateMachine[] = [];
    const machine = wide(2, 3000, {
      big: { Type: 'Pass', Result: { pad: 'y'.repeat(7500) }, Next: 'dagc.run' },
    });
    const split = splitMachine(
      machine,
      'dagc.run',
      { definitionBytes: 8192, historyEvents: 25_000 },
      40,
      (part) => told.push(part),
    );
    expect(split!.parts).toHaveLength(3);
    expect(told).toEqual(split!.parts);
    expect(Object.keys(split!.parts[2]!.States)).toEqual(expect.arrayContaining(['first', 'P', 'end']));
  });

  it('tells no part when the machine fits one', () => {
    const told: number[] = [];
    expect(
      splitMachine(
        chain(20, []),
        'dagc.run',
        { definitionBytes: 1_048_576, historyEvents: 25_000 },
        40,
        (_, k) => told.push(k),
      ),
    ).toBeUndefined();
    expect(told).toEqual([]);
  });
});
