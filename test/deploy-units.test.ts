// The pure parts of src/deploy: field differences (what decides "unchanged") and the retry of refusals that
// IAM's eventual consistency causes right after dagc created a role.
import { describe, expect, it } from 'vitest';
import { diffValues, formatChanges } from '../src/deploy/diff.js';
import { retryFreshRole } from '../src/deploy/aws/errors.js';

describe('diffValues', () => {
  it('finds nothing between equal documents whatever their key order', () => {
    expect(diffValues({ a: 1, b: { c: [1, { d: 'x' }] } }, { b: { c: [1, { d: 'x' }] }, a: 1 })).toEqual([]);
  });

  it('names each changed, added and removed field by an escaped pointer', () => {
    const changes = diffValues({ metadata: { labels: { 'a/b': '1', gone: 'x' } }, list: [1, 2] }, { metadata: { labels: { 'a/b': '2', added: 'y' } }, list: [1] });
    expect(changes).toEqual([
      { path: '/list/1', before: 2 },
      { path: '/metadata/labels/a~1b', before: '1', after: '2' },
      { path: '/metadata/labels/added', after: 'y' },
      { path: '/metadata/labels/gone', before: 'x' },
    ]);
    expect(formatChanges(changes, '')).toBe('- /list/1: 2\n~ /metadata/labels/a~1b: "1" → "2"\n+ /metadata/labels/added: "y"\n- /metadata/labels/gone: "x"\n');
  });

  it('is empty exactly when the values are equal (a property over random JSON)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return Math.floor(rnd() * 3);
      if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 3) }, (_, i) => [`k${i}`, value(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const a = value(0);
      const b = rnd() < 0.5 ? JSON.parse(JSON.stringify(a)) : value(0);
      expect(diffValues(a, b).length === 0).toBe(JSON.stringify(a) === JSON.stringify(b));
    }
  });
});

describe('retryFreshRole', () => {
  const refusal = Object.assign(new Error('Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.'), { name: 'AccessDeniedException' });

  it('retries the refusal of a role dagc has just created, then succeeds', async () => {
    let calls = 0;
    const waits: number[] = [];
    const out = await retryFreshRole(true, async () => (++calls < 3 ? Promise.reject(refusal) : 'ok'), async (ms) => void waits.push(ms));
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([1000, 2000]);
  });

  it('gives up after six attempts, and never retries an older role or another error', async () => {
    let calls = 0;
    await expect(retryFreshRole(true, async () => Promise.reject(refusal).finally(() => calls++), async () => {})).rejects.toBe(refusal);
    expect(calls).toBe(6);
    calls = 0;
    await expect(retryFreshRole(false, async () => Promise.reject(refusal).finally(() => calls++), async () => {})).rejects.toBe(refusal);
    expect(calls).toBe(1);
    const other = new Error('InvalidDefinition');
    await expect(retryFreshRole(true, async () => Promise.reject(other), async () => {})).rejects.toBe(other);
  });
});
