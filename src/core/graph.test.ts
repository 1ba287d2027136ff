import { describe, expect, it } from 'vitest';
import { reachableFrom } from './graph.js';

describe('reachableFrom', () => {
  it('finds every key reachable from the starts, in breadth-first discovery order', () => {
    const edges: Record<string, string[]> = { a: ['b', 'c'], b: ['d'], c: ['d', 'a'], d: [], e: ['a'] };
    expect([...reachableFrom(['a'], (k) => edges[k] ?? [])]).toEqual(['a', 'b', 'c', 'd']);
    expect([...reachableFrom(['d'], (k) => edges[k] ?? [])]).toEqual(['d']);
  });
  it('skips undefined successors and terminates on cycles', () => {
    expect([...reachableFrom([0], (k) => [k === 0 ? 1 : undefined, 0])]).toEqual([0, 1]);
  });
});
