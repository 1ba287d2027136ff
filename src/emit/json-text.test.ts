// JsonWriter against the oracle it replaces: prettier's json printer over JSON.stringify's text (what
// serialise.ts ran before), on every conformance golden, on hand-picked layouts at the 80-column edge and on
// seeded random documents.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as prettier from 'prettier/standalone';
import * as babel from 'prettier/plugins/babel';
import * as estree from 'prettier/plugins/estree';
import { JsonWriter } from './json-text.js';

const oracle = (value: unknown) => prettier.format(JSON.stringify(value), { parser: 'json', plugins: [babel, estree] });
const write = (value: unknown) => new JsonWriter().write(value);

function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(next: () => number, depth: number): unknown {
  const r = next();
  if (depth > 4 || r < 0.4) {
    const s = next();
    if (s < 0.5) return 'x'.repeat(Math.floor(next() * 30)) + (next() < 0.1 ? '"\\/\n\t' : '') + (next() < 0.1 ? '…✓é—→' : '');
    if (s < 0.7) return Math.floor(next() * 2000) - 500;
    if (s < 0.8) return next() < 0.5;
    if (s < 0.85) return null;
    return next() * 100;
  }
  const n = Math.floor(next() * (next() < 0.2 ? 12 : 4));
  if (r < 0.65) {
    // Sometimes a list of objects (prettier breaks those with two or more members each).
    const objects = next() < 0.3;
    return Array.from({ length: n }, () => (objects ? { a: randomValue(next, depth + 1), ...(next() < 0.7 ? { b: 1 } : {}) } : randomValue(next, depth + 1)));
  }
  const o: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) o[`k${'e'.repeat(Math.floor(next() * 12))}${i}`] = randomValue(next, depth + 1);
  return o;
}

describe('JsonWriter', () => {
  it('prints every conformance golden (asl) as prettier does', async () => {
    const root = path.resolve('fixtures/conformance');
    let checked = 0;
    for (const name of readdirSync(root)) {
      const file = path.join(root, name, 'expected', 'asl.json');
      if (!existsSync(file)) continue;
      const value = JSON.parse(readFileSync(file, 'utf8')) as unknown;
      const text = write(value);
      expect(text, name).toBe(await oracle(value));
      expect(text, name).toBe(readFileSync(file, 'utf8'));
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });

  it('breaks at the 80-column edge exactly as prettier does', async () => {
    for (let n = 60; n <= 84; n++) {
      const s = 'y'.repeat(n);
      for (const value of [{ k: { a: s.slice(10) } }, { k: [s.slice(20), 1] }, { k: { a: s.slice(15) }, z: 1 }, [{ a: s.slice(18) }], { k: [[s.slice(25)], 2] }, { k: { a: [1, s.slice(30)] } }])
        expect(write(value), JSON.stringify(value)).toBe(await oracle(value));
    }
  });

  it('agrees with prettier on 600 random documents (or gives up, never differs)', { timeout: 300_000 }, async () => {
    const next = rng(16);
    let written = 0;
    for (let i = 0; i < 600; i++) {
      const value = { root: randomValue(next, 0) };
      const text = write(value);
      if (text === undefined) continue;
      written++;
      expect(text, JSON.stringify(value)).toBe(await oracle(value));
    }
    expect(written).toBeGreaterThan(540);
  });

  it('lays out a frozen value shared at many positions as prettier does at each (its text is kept per position)', { timeout: 300_000 }, async () => {
    const next = rng(61);
    const freeze = (v: unknown): unknown => {
      if (v !== null && typeof v === 'object') {
        for (const m of Object.values(v)) freeze(m);
        Object.freeze(v);
      }
      return v;
    };
    // Shared values long enough to break at some positions and not at others.
    const shared = Array.from({ length: 6 }, (_, i) => freeze({ ErrorEquals: ['E'.repeat(6 + i * 7), 'F'.repeat(4 + i * 5)], n: i, more: i % 2 ? { deep: 'z'.repeat(i * 9) } : [i] }));
    const place = (depth: number): unknown => {
      if (depth > 4 || next() < 0.35) return shared[Math.floor(next() * shared.length)];
      const n = 1 + Math.floor(next() * 4);
      if (next() < 0.5) return Array.from({ length: n }, () => place(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) o[`k${'e'.repeat(Math.floor(next() * 20))}${i}`] = place(depth + 1);
      return o;
    };
    for (let i = 0; i < 150; i++) {
      const value = { root: place(0) };
      expect(write(value), JSON.stringify(value)).toBe(await oracle(value));
    }
  });

  // The asl split (split.ts) measures each state of a part as a member of its States and makes the part's text
  // of those layouts (laidOut): the same text as laying the document out whole, and no fewer bytes than measured.
  it('measures a member as it is laid out, and writes a document of kept layouts as it writes it whole', () => {
    const next = rng(23);
    let checked = 0;
    for (let i = 0; i < 300; i++) {
      const members: Record<string, unknown> = {};
      const n = 2 + Math.floor(next() * 6);
      for (let j = 0; j < n; j++) members[`s${'t'.repeat(Math.floor(next() * 10))}${j}`] = { Type: 'x'.repeat(Math.floor(next() * 40)), v: randomValue(next, 1) };
      const doc = { Comment: 'c', States: members, Timeout: 1 };
      const plain = write(doc);
      const laidOut = new WeakMap<object, { readonly at: string; readonly text: string }>();
      const writer = new JsonWriter(laidOut);
      const measured = Object.entries(members).map(([k, v]) => writer.memberBytes(k, v, '    '));
      const kept = writer.write(doc);
      expect(kept, JSON.stringify(doc)).toBe(plain);
      if (plain === undefined || measured.includes(undefined) || !plain.includes('  "States": {\n')) continue;
      // The members' lines with their ',' and line breaks, the document's own lines around them: the last member
      // (no ',' after it) may be shorter than measured.
      const own = Buffer.byteLength('{\n  "Comment": "c",\n  "States": {\n  },\n  "Timeout": 1\n}\n', 'utf8');
      const sum = (measured as number[]).reduce((a, b) => a + b + 2, 0) - 1 + own;
      expect(Buffer.byteLength(plain, 'utf8')).toBeLessThanOrEqual(sum);
      expect(Buffer.byteLength(plain, 'utf8')).toBeGreaterThan(sum - 80);
      checked++;
    }
    expect(checked).toBeGreaterThan(200);
  });

  it('gives up where prettier measures or fills differently', () => {
    for (const odd of ['✔', '中', '↔', '\u0301', '\u0085', '\u2028']) expect(write({ k: odd }), odd).toBeUndefined();
    expect(write({ k: Array.from({ length: 40 }, (_, i) => i) })).toBeUndefined();
    expect(write({ k: new Date(0) })).toBeUndefined();
  });
});
