import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml, readYamlFile, YAML_LIMITS } from './load.js';
import { ROOT } from '../../test/helpers/paths.js';
import { HAS_SHARED, SHARED } from '../../test/helpers/paths.js';

const opts = { what: 'pipeline file' };
const fast = (text: string, extra = {}) => parseYaml(text, 'p.yaml', { ...opts, ...extra });
const slow = (text: string, extra = {}) => parseYaml(text, 'p.yaml', { ...opts, ...extra, slowOnly: true });
const codes = (text: string) => fast(text).diagnostics.map((d) => d.code);

/** Documents whose scalars exercise the YAML 1.2 core schema and the scalar styles. */
const TRICKY = [
  'a: 1\nb: 1.0\nc: 1e3\nd: .5\ne: -.inf\nf: .NaN\ng: 0x1F\nh: 0o17\ni: +12\nj: -0\nk: 1_000\nl: 0b101\nm: 012\n',
  'a: ~\nb: null\nc: Null\nd:\ne: NULL\nf: nil\n',
  'a: true\nb: False\nc: TRUE\nd: yes\ne: no\nf: on\ng: off\nh: y\n',
  'a: |\n  line 1\n  line 2\nb: >\n  folded\n  text\n\n  para\nc: |-\n  strip\nd: |+\n  keep\n\ne: x\n',
  'a: "esc \\t \\n \\u00e9 \\x41 \\\\ \\"q\\""\nb: \'single \'\' quote\'\nc: plain with # not comment\nd: "multi\n  line"\ne: plain\n  continued\n',
  'a: [1, "two", {three: 3.0}, [four]]\nb: {x: 1, "y z": [], w: {}}\n',
  '%YAML 1.2\n---\nkey with spaces: value\n"quoted key": 2\n? simple\n: explicit\n',
  'a: ünïcødé ✓ 数据 😀\nb: "\\U0001F600"\n',
  '# comment\ndag:   # trailing\n  steps: # another\n    - a\n    - b\n',
  'a: 2001-12-14\nb: 12:30:45\nc: 1:20\nd: 0.1.2\ne: 1e\nf: .e3\ng: "1"\n',
];

describe('parseYaml: two views', () => {
  it('keeps YAML integers as bigint and floats as number in the hash view; the data view has numbers', () => {
    const { doc } = fast('a: 1\nb: 1.0\nc: 1e3\nd: [2, 2.5]\n');
    expect(doc?.hash).toEqual({ a: 1n, b: 1, c: 1000, d: [2n, 2.5] });
    expect(doc?.data).toEqual({ a: 1, b: 1, c: 1000, d: [2, 2.5] });
  });

  it('shares subtrees without integers between the views, and copies the paths down to integers', () => {
    for (const parse of [fast, slow]) {
      const { doc } = parse('a: {b: [1, x]}\nc: {d: [x, 2.5]}\n__proto__: {e: 3}\n');
      const hash = doc?.hash as Record<string, Record<string, unknown>>;
      const data = doc?.data as Record<string, Record<string, unknown>>;
      expect(hash).toEqual({ a: { b: [1n, 'x'] }, c: { d: ['x', 2.5] }, ['__proto__']: { e: 3n } });
      expect(data).toEqual({ a: { b: [1, 'x'] }, c: { d: ['x', 2.5] }, ['__proto__']: { e: 3 } });
      expect(Object.getPrototypeOf(hash)).toBe(Object.prototype);
      expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
      if (parse === fast) expect(hash.c).toBe(data.c);
    }
  });

  it('reads YAML 1.2: yes, no, on, off are text', () => {
    expect(fast('a: yes\nb: no\nc: on\nd: off\ne: True\n').doc?.data).toEqual({
      a: 'yes',
      b: 'no',
      c: 'on',
      d: 'off',
      e: true,
    });
  });

  it.each(TRICKY.map((t, i) => [i, t] as const))(
    'gives the same views both ways (tricky document %i)',
    (_i, text) => {
      const a = fast(text);
      const b = slow(text);
      expect(a.diagnostics).toEqual(b.diagnostics);
      expect(a.doc?.hash).toEqual(b.doc?.hash);
      expect(a.doc?.data).toEqual(b.doc?.data);
    },
  );

  const corpus = [
    ...readdirSync(path.join(ROOT, 'fixtures', 'conformance'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => path.join(ROOT, 'fixtures', 'conformance', f)),
    path.join(ROOT, 'examples', 'quickstart', 'pipeline.yaml'),
    ...(HAS_SHARED
      ? readdirSync(path.join(SHARED, 'spec', 'magnus-examples')).map((f) =>
          path.join(SHARED, 'spec', 'magnus-examples', f),
        )
      : []),
  ];
  it.each(corpus)('gives the same views both ways for %s', (file) => {
    const text = readFileSync(file, 'utf8');
    const a = fast(text);
    const b = slow(text);
    expect(a.diagnostics).toEqual(b.diagnostics);
    expect(a.doc?.hash).toEqual(b.doc?.hash);
  });

  it('applies mapString to every text and key, not to numbers', () => {
    const mapString = (s: string) => s.replace('$x', 'X');
    for (const parse of [fast, slow]) {
      const { doc } = parse('$x: [a$x, 1]\nb: {$x: c$x}\n', { mapString });
      expect(doc?.data).toEqual({ X: ['aX', 1], b: { X: 'cX' } });
    }
  });

  it('reports keys that become equal after substitution', () => {
    const { diagnostics } = fast('$a: 1\n$b: 2\n', {
      mapString: (s: string) => (s.startsWith('$') ? 'k' : s),
    });
    expect(diagnostics.map((d) => [d.code, d.start.line])).toEqual([['DAGC-YAML-DUPLICATE-KEY', 2]]);
  });

  it('never sets a prototype from a "__proto__" key', () => {
    const { doc } = fast('__proto__: {polluted: true}\n');
    const data = doc?.data as Record<string, unknown>;
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
    expect(Object.keys(data)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('expands anchors, aliases and merge keys (explicit keys win, the first source wins)', () => {
    const text =
      'x-a: &a {type: task, retry: 2}\nx-b: &b {retry: 3, next: z}\nstep:\n  <<: [*a, *b]\n  next: y\n';
    for (const parse of [fast, slow])
      expect((parse(text).doc?.data as Record<string, unknown>).step).toEqual({
        next: 'y',
        type: 'task',
        retry: 2,
      });
  });
});

describe('parseYaml: positions', () => {
  const text = 'dag:\n  steps:\n    train:\n      next: evaluate\n';
  it('locates values and keys by JSON pointer, lazily for a file read the fast way', () => {
    const { doc } = fast(text);
    expect(doc?.locate('/dag/steps/train/next')).toEqual({
      start: { line: 4, column: 13 },
      end: { line: 4, column: 21 },
    });
    expect(doc?.locate('/dag/steps/train/next', 'key')).toEqual({
      start: { line: 4, column: 7 },
      end: { line: 4, column: 11 },
    });
  });

  it('falls back to the key of the nearest mapping for a value that is not there', () => {
    const { doc } = slow(text);
    expect(doc?.locate('/dag/steps/train/command').start).toEqual({ line: 3, column: 5 });
    expect(doc?.locate('/nothing/here').start).toEqual({ line: 1, column: 1 });
  });

  it('makes located diagnostics', () => {
    const d = fast(text).doc?.at('/dag/steps/train/next', 'X-CODE', 'message', 'hint');
    expect(d).toEqual({
      code: 'X-CODE',
      severity: 'error',
      message: 'message',
      hint: 'hint',
      file: 'p.yaml',
      start: { line: 4, column: 13 },
      end: { line: 4, column: 21 },
      pointer: '/dag/steps/train/next',
    });
  });
});

describe('parseYaml: bad input is a diagnostic', () => {
  it('reports syntax errors at their place, one per line, all of them', () => {
    const d = fast('a:\n\tb: 1\nc: "open\n');
    expect(d.diagnostics.map((x) => [x.code, x.start.line, x.start.column])).toEqual([
      ['DAGC-YAML-SYNTAX', 2, 1],
      ['DAGC-YAML-SYNTAX', 3, 4],
    ]);
    expect(d.doc).toBeUndefined();
  });

  it('caps a cascade of syntax errors', () => {
    const d = fast(Array.from({ length: 30 }, (_, i) => `k${i}: [a, b\n`).join('') + 'end: }\n');
    expect(d.diagnostics.length).toBeLessThanOrEqual(11);
    expect(d.diagnostics.at(-1)?.message).toMatch(/^… and \d+ more YAML syntax errors after these$/);
  });

  it('refuses several documents, a list, a scalar, and an empty file unless allowed', () => {
    expect(codes('a: 1\n---\nb: 2\n')).toEqual(['DAGC-YAML-MULTIPLE-DOCUMENTS']);
    expect(codes('- a\n')).toEqual(['DAGC-YAML-NOT-MAPPING']);
    expect(codes('just text\n')).toEqual(['DAGC-YAML-NOT-MAPPING']);
    expect(codes('# nothing\n')).toEqual(['DAGC-YAML-EMPTY']);
    expect(fast('', { allowEmpty: true })).toMatchObject({ diagnostics: [], doc: { data: undefined } });
  });

  it('refuses keys that are not text, unknown tags, huge integers and unknown aliases', () => {
    expect(codes('1: a\ntrue: b\n')).toEqual(['DAGC-YAML-KEY-NOT-TEXT', 'DAGC-YAML-KEY-NOT-TEXT']);
    expect(codes('a: !!binary aGk=\nb: !custom x\nc: !!set {a}\n')).toEqual([
      'DAGC-YAML-TAG',
      'DAGC-YAML-TAG',
      'DAGC-YAML-TAG',
    ]);
    expect(codes('a: 9007199254740993\n')).toEqual(['DAGC-YAML-INT-TOO-LARGE']);
    expect(codes('a: 9007199254740991\n')).toEqual([]);
    expect(codes('a: *nowhere\n')).toEqual(['DAGC-YAML-UNKNOWN-ALIAS']);
  });

  it('stops a billion-laughs document at the alias limit without expanding it', () => {
    const levels = ['a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      levels.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(', ')}]`,
      );
    }
    const d = fast(levels.join('\n') + '\n');
    expect(d.diagnostics.map((x) => x.code)).toEqual(['DAGC-YAML-ALIAS-LIMIT']);
    expect(d.diagnostics[0]?.hint).toContain(String(YAML_LIMITS.maxAliasCount));
  });

  it('refuses nesting deeper than the limit', () => {
    const deep = `a: ${'['.repeat(YAML_LIMITS.maxDepth + 5)}${']'.repeat(YAML_LIMITS.maxDepth + 5)}\n`;
    expect(codes(deep)).toEqual(['DAGC-YAML-TOO-DEEP']);
    const fine = `a: ${'['.repeat(YAML_LIMITS.maxDepth - 2)}${']'.repeat(YAML_LIMITS.maxDepth - 2)}\n`;
    expect(codes(fine)).toEqual([]);
  });
});

describe('readYamlFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-load-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const read = (name: string) => readYamlFile(path.join(dir, name), name, opts);

  it('reports a missing file, a folder, a binary file and invalid UTF-8', async () => {
    writeFileSync(path.join(dir, 'bin.yaml'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    writeFileSync(path.join(dir, 'latin1.yaml'), Buffer.from('a: caf\xe9\n', 'latin1'));
    const results = await Promise.all(['missing.yaml', '.', 'bin.yaml', 'latin1.yaml'].map(read));
    expect(results.map((r) => r.diagnostics.map((d) => d.code))).toEqual([
      ['DAGC-FILE-MISSING'],
      ['DAGC-FILE-UNREADABLE'],
      ['DAGC-YAML-BINARY'],
      ['DAGC-YAML-BINARY'],
    ]);
  });

  it('refuses a file over 16 MiB before reading it', async () => {
    const big = path.join(dir, 'big.yaml');
    writeFileSync(big, '');
    truncateSync(big, YAML_LIMITS.maxBytes + 1); // sparse: costs no disk or time
    const r = await read('big.yaml');
    expect(r.diagnostics.map((d) => d.code)).toEqual(['DAGC-YAML-TOO-LARGE']);
  });

  it('reads UTF-8 with a byte order mark', async () => {
    writeFileSync(path.join(dir, 'bom.yaml'), '\ufeffa: 1\n');
    expect((await read('bom.yaml')).doc?.data).toEqual({ a: 1 });
  });
});
