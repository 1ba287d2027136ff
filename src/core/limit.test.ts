import { describe, expect, it } from 'vitest';
import { createLimiter, mapLimit } from './limit.js';

// What dagc relies on from p-limit, pinned here so an upgrade that changes it fails.
describe('createLimiter', () => {
  it('never runs more than max at once, even when newcomers arrive as slots free up', async () => {
    const limit = createLimiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    const work = (i: number) =>
      limit(async () => {
        active++;
        peak = Math.max(peak, active);
        await new Promise((r) => setTimeout(r, 2 + (i % 3)));
        order.push(i);
        active--;
        return i;
      });
    const first = Array.from({ length: 6 }, (_, i) => work(i));
    await new Promise((r) => setTimeout(r, 3));
    const later = Array.from({ length: 6 }, (_, i) => work(100 + i));
    const results = await Promise.all([...first, ...later]);
    expect(peak).toBe(2);
    expect(results).toEqual([0, 1, 2, 3, 4, 5, 100, 101, 102, 103, 104, 105]);
    expect(order).toHaveLength(12);
  });

  it('starts work in call order', async () => {
    const limit = createLimiter(1);
    const started: number[] = [];
    await Promise.all([3, 1, 2].map((i) => limit(async () => void started.push(i))));
    expect(started).toEqual([3, 1, 2]);
  });

  it('releases the slot when the work throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limit(async () => 'ok')).resolves.toBe('ok');
  });

  it('does not limit without a positive max (Argo: parallelism unset)', async () => {
    for (const max of [undefined, 0, -1]) {
      const limit = createLimiter(max);
      let active = 0;
      let peak = 0;
      await Promise.all(
        Array.from({ length: 5 }, () =>
          limit(async () => {
            peak = Math.max(peak, ++active);
            await new Promise((r) => setTimeout(r, 2));
            active--;
          }),
        ),
      );
      expect(peak).toBe(5);
    }
  });
});

describe('mapLimit', () => {
  it('keeps item order in the results and at most max at once', async () => {
    let active = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n, i) => {
      peak = Math.max(peak, ++active);
      await new Promise((r) => setTimeout(r, n));
      active--;
      return `${i}:${n}`;
    });
    expect(out).toEqual(['0:5', '1:1', '2:4', '3:2', '4:3']);
    expect(peak).toBe(2);
  });
});
