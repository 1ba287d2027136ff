import { describe, expect, it } from 'vitest';
import { createLimiter } from './context.js';

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

  it('releases the slot when the work throws', async () => {
    const limit = createLimiter(1);
    await expect(limit(async () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    await expect(limit(async () => 'ok')).resolves.toBe('ok');
  });
});
