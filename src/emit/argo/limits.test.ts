// manifestStats's largest value against a plain walk that spells every path (what it did before issue 16 made it
// spell a path only for a new longest), over seeded random manifests.
import { describe, expect, it } from 'vitest';
import { manifestStats } from './limits.js';

function reference(value: unknown, where = '', best = { bytes: 0, where: '' }): { bytes: number; where: string } {
  if (typeof value === 'string') {
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > best.bytes) Object.assign(best, { bytes, where });
  } else if (Array.isArray(value)) value.forEach((v, i) => reference(v, `${where}[${i}]`, best));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) reference(v, where ? `${where}.${k}` : k, best);
  return best;
}

function random(seed: number) {
  let s = seed;
  const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const text = () => ['', 'a', 'é', '日本', '😀', 'xyz'][Math.floor(next() * 6)]!.repeat(Math.floor(next() * 40));
  const build = (depth: number): unknown => {
    const r = next();
    if (depth > 3 || r < 0.4) return r < 0.1 ? Math.floor(next() * 100) : text();
    if (r < 0.7) return Array.from({ length: Math.floor(next() * 4) }, () => build(depth + 1));
    return Object.fromEntries(Array.from({ length: Math.floor(next() * 4) }, (_, i) => [`k${i}${text().slice(0, 2)}`, build(depth + 1)]));
  };
  return { metadata: { name: 'w' }, spec: { templates: [{ name: 't', x: build(0) }], other: build(0) } };
}

describe('manifestStats', () => {
  it('finds the longest value and its path as a full walk does', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const objects = [random(seed), random(seed + 1000)];
      let best = { bytes: 0, where: '' };
      for (const o of objects) best = reference(o, '', best);
      expect(manifestStats(objects, []).largestValue).toEqual(best);
    }
  });
});
