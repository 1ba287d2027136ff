// YamlWriter against the oracle it replaces on the hot path: yaml's own stringify (directly, and through the
// Document that double-quotes YAML 1.2 numbers), over hand-picked awkward values and seeded random documents
// with shared objects (anchors and aliases), odd keys and strings of every style.
import { describe, expect, it } from 'vitest';
import { Document, isScalar, stringify, visit } from 'yaml';
import { YamlWriter } from './yaml-text.js';

const NUMBER_IN_YAML_1_2 = /^[-+]?(0o[0-7]+|(\.[0-9]+|[0-9]+(\.[0-9]*)?)[eE][-+]?[0-9]+)$/;

function oracle(value: Record<string, unknown>, quote: boolean): string {
  if (!quote) return stringify(value, { version: '1.1', lineWidth: 0 });
  const doc = new Document(value, { version: '1.1' });
  visit(doc, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && NUMBER_IN_YAML_1_2.test(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return stringify(doc, { lineWidth: 0 });
}

const write = (value: Record<string, unknown>, quote: boolean) => new YamlWriter(quote ? NUMBER_IN_YAML_1_2 : undefined).write(value);

/** A small deterministic generator (mulberry32). */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STRINGS = [
  '', ' ', 'a', 'y', 'n', 'yes', 'No', 'on', 'OFF', 'null', '~', 'true', 'True', '1', '-1', '0x1f', '0755', '1e5', '1E5', '0o17', '.5e3', '1_000', '1:20', '.inf', '-.Inf', '.nan',
  '2001-12-14', 'a: b', 'a:b', 'a #b', 'a#b', '#x', '- x', '-', '?', '? x', '-x', 'x-', ':x', 'x:', 'x ', ' x', '--- x', '---', '...', '%x', '@x', '`x', '!x', '&x', '*x', '|', '>',
  '{{workflow.name}}', '{"a":1}', '[1]', 'a,b', "it's", 'say "hi"', 'tab\there', 'multi\nline', 'multi\nline\n', 'multi\n\nline\n\n', '\nlead', ' lead\nx', 'trail \nx', 'x\n  indented\ny',
  's1.Failed || s1.Errored', 'a && (b || !c)', 'x = y', 'a <b> c', 'yes no', 'Null x', 'a  b', 'a |', 'a - b', 'a > b', 'n', 'y x', 'a b ', 'x ->', 'true (x)',
  'ctrl\u0001char', 'é unicode ✓', 'a'.repeat(120), `${'long words '.repeat(12)}\nsecond line`, 'echo s1', 's1.Succeeded', 'argoproj.io/v1alpha1', 'x\n--- y', 'x\n...\ny', '\\back', 'a\r\nb',
];

function randomDoc(next: () => number): Record<string, unknown> {
  const shared: object[] = [];
  const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const scalar = (): unknown => {
    const r = next();
    if (r < 0.6) return pick(STRINGS);
    if (r < 0.7) return pick([0, 1, 42, -3, 1.5, 1e21, 2 ** 53, -0.25]);
    if (r < 0.8) return pick([true, false]);
    if (r < 0.85) return null;
    // A phrase of words and operators, as Argo's depends expressions are.
    if (r < 0.9) return Array.from({ length: 1 + Math.floor(next() * 5) }, () => pick(['s1.Failed', '||', '&&', '(a', 'b)', '!x', 'yes', '-', 'x=1', '<', '>', '', 'No'])).join(' ');
    return `w${Math.floor(next() * 50)}`;
  };
  const value = (depth: number): unknown => {
    const r = next();
    if (shared.length && r < 0.1) return pick(shared);
    if (depth > 4 || r < 0.45) return scalar();
    let v: object;
    if (r < 0.7) {
      const n = Math.floor(next() * 4);
      v = Array.from({ length: n }, () => value(depth + 1));
    } else {
      const o: Record<string, unknown> = {};
      const n = Math.floor(next() * 4);
      for (let i = 0; i < n; i++) o[next() < 0.7 ? `k${Math.floor(next() * 9)}` : String(pick(STRINGS))] = next() < 0.05 ? undefined : value(depth + 1);
      v = o;
    }
    if (next() < 0.3) shared.push(v);
    return v;
  };
  const root: Record<string, unknown> = {};
  const n = 1 + Math.floor(next() * 5);
  for (let i = 0; i < n; i++) root[next() < 0.8 ? `r${i}` : String(pick(STRINGS))] = value(0);
  return root;
}

describe('YamlWriter', () => {
  it('writes a manifest-like document as yaml does, anchors and aliases included', () => {
    const param = { name: 'map-index', value: '{{inputs.parameters.map-index}}' };
    const list = [param];
    const doc = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Workflow',
      metadata: { generateName: 'x-', annotations: { 'dagc/dag-hash': '1e5', 'workflows.argoproj.io/description': 'a: b' } },
      spec: { templates: [{ name: 'main', dag: { tasks: [{ name: 'a', arguments: { parameters: list } }, { name: 'b', arguments: { parameters: list } }, { name: 'c', p: [param] }] } }], empty: {}, none: [] },
    };
    for (const quote of [false, true]) expect(write(doc, quote)).toBe(oracle(doc, quote));
    expect(oracle(doc, false)).toContain('&a1');
  });

  it('writes every awkward string as a value, a sequence item and a key, at depths 0 to 3, as yaml does', () => {
    for (const quote of [false, true])
      for (const s of STRINGS) {
        const doc = { [s]: s, seq: [s, [s], { [s]: [s] }], deep: { [s]: { [s]: { [s]: s, l: [s] } } } };
        expect(write(doc, quote), JSON.stringify(s)).toBe(oracle(doc, quote));
      }
  });

  it('agrees with yaml on 3,000 random documents (or gives up, never differs)', { timeout: 300_000 }, () => {
    const next = rng(16);
    let written = 0;
    for (let i = 0; i < 3000; i++) {
      const doc = randomDoc(next);
      const quote = next() < 0.5;
      const text = write(doc, quote);
      if (text === undefined) continue;
      written++;
      expect(text, JSON.stringify(doc)).toBe(oracle(doc, quote));
    }
    // The writer must handle almost all of them itself, or the fast path is no path.
    expect(written).toBeGreaterThan(2900);
  });

  it('gives up on what it does not lay out (a class instance, undefined in a list)', () => {
    expect(write({ a: new Date(0) }, false)).toBeUndefined();
    expect(write({ a: [undefined] }, false)).toBeUndefined();
  });
});
