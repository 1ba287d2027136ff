// The line reader (yaml-lines.ts) against js-yaml, the reader it stands in for: whatever it reads, parseFast
// must give the same data and hash views as with js-yaml alone (lineReader: false), and whatever it gives up
// on, js-yaml reads as before. The oracle is js-yaml (with yaml-fast's schema), code we did not write.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFast, resolvePlain } from './yaml-fast.js';
import { UNHANDLED, readBlockYaml } from './yaml-lines.js';
import { HAS_SHARED, ROOT, SHARED } from '../../test/helpers/paths.js';

const identity = (s: string) => s;
const both = (text: string) => ({
  lines: parseFast(text, identity, 64),
  jsYaml: parseFast(text, identity, 64, { lineReader: false }),
});
const handled = (text: string) => readBlockYaml(text, resolvePlain, 64) !== UNHANDLED;

/** Every .yaml and .yml file under `dir`, node_modules and dot folders left out. */
function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...yamlFiles(full));
    else if (/\.ya?ml$/.test(entry.name)) out.push(full);
  }
  return out;
}

describe('the line reader', () => {
  it('reads the usual shapes as js-yaml does', () => {
    const docs = [
      'dag:\n  start_at: a\n  steps:\n    a:\n      type: task\n      command: echo a:b "x"\n',
      'a: 1\nb: -2\nc: 0x1F\nd: 1.5e3\ne: .inf\nf: ~\ng:\nh: true\ni: FALSE\nj: yes\nk: 012\nl: 9007199254740993\n',
      "a: 'it''s'\nb: \"x # y\"   # comment\nc: a#b\nd: x # comment\n'e f': 1\n\"g\": []\nh: {}\n",
      'list:\n- a\n- b: 1\n  c: 2\n-\n  - x\n- |\n  lit\n',
      'l:\n  - a\n  -   b: 1\n      c: [] # c\n  - ""\n',
      'a: |\n  one\n\n    two\n  three\n\n\nb: |-\n  strip\n  this\nc: |\n\nd: x\n',
      '# head\n\n  # indented comment\ntop:\n  # between\n  k: v\n\n# tail\n',
      '__proto__: {}\nconstructor: x\n',
      '  indented: top\n  level: 1\n',
      'a: :x\nb: ?y\nc: -z\nd: a:b\n',
      'a: [x, -1, .5, ~, a b]\nb: {type: success, n: 0x10}\nc: [ ]\nd: {  }\ne: [a,b] # c\n',
    ];
    for (const text of docs) {
      expect(handled(text), text).toBe(true);
      const { lines, jsYaml } = both(text);
      expect(lines, text).toEqual(jsYaml);
    }
  });

  it('gives up on what js-yaml reads otherwise or refuses', () => {
    const docs = [
      'a: &x 1\nb: *x\n',
      'a: !!str 1\n',
      'a: [1, [2]]\n',
      'a: {b: {c: 1}}\n',
      'a: [b: 1]\n',
      'a: {b: 1, b: 2}\n',
      'a: ["q"]\n',
      'a: [b,]\n',
      'a: [b #c]\n',
      'a: {b}\n',
      'a: >\n  folded\n',
      'a: |+\n  keep\n',
      'a: |2\n   x\n',
      'a: plain\n  continued\n',
      'a: "multi\n  line"\n',
      'a: "esc\\n"\n',
      '---\na: 1\n',
      '',
      '# only\n\n',
      'a: 1\n---\nb: 2\n',
      '%YAML 1.2\n---\na: 1\n',
      'a:\tb\n',
      'a: b\r\n',
      '\ufeffa: 1\n',
      'a: 1\na: 2\n',
      '1: a\n',
      'null: a\n',
      'a: b: c\n',
      'a : b\n',
      '- a\n- b\n',
      'a: 1\n  b: 2\n',
      'a:\n  b: 1\n c: 2\n',
      'a:\n  - x\n  y: 1\n',
      'a:\n  value\n',
      'a: - b\n',
      'a: x\u0085y\n',
      '\u00a0a: 1\n',
      'a:\n \u3000b: 1\n',
      'a: 😀\n',
      'a: |\n    x\n  y\n',
      'a: |\n      \n    x\n',
    ];
    for (const text of docs) expect(handled(text), JSON.stringify(text)).toBe(false);
  });

  // Every YAML file of the project (pipelines, configs, fixtures, examples, goldens) and of ../shared.
  const corpus = [...yamlFiles(ROOT), ...(HAS_SHARED ? yamlFiles(SHARED) : [])];
  it(`gives js-yaml's views for each of the ${corpus.length} YAML files here and in ../shared`, () => {
    let read = 0;
    for (const file of corpus) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch {
        continue; // a file another test wrote and removed while this one listed the folders
      }
      const { lines, jsYaml } = both(text);
      expect(lines, file).toEqual(jsYaml);
      if (handled(text)) read++;
    }
    // Many are of the usual shape (most of the rest are Argo's own examples): the reader does not give up on all.
    expect(read).toBeGreaterThan(corpus.length / 3);
  });

  it('gives js-yaml’s views on 4,000 generated documents (or gives up)', () => {
    let seed = 16;
    const random = () => {
      // mulberry32
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    const SCALARS = [
      'x',
      'echo hi',
      'null',
      '~',
      'Null',
      'true',
      'False',
      'yes',
      'on',
      '1',
      '-1',
      '+2',
      '0x1F',
      '0o17',
      '012',
      '1.5',
      '.5',
      '1e3',
      '-.inf',
      '.NaN',
      '9007199254740993',
      'a: b',
      'a:b',
      'a #b',
      'a#b',
      '#x',
      "'q'",
      '"q"',
      "'it''s'",
      '"a\\"b"',
      '"a\\tb"',
      '[]',
      '{}',
      '[a]',
      '{a: 1}',
      '-',
      '- a',
      '-x',
      ':x',
      '?x',
      '? x',
      '&a x',
      '*a',
      '!t x',
      '|',
      '|-',
      '>',
      'a:',
      'x  ',
      'echo "a: b"',
      '',
      '__proto__',
      '%x',
      '@x',
      '`x`',
      'a, b',
      'é',
      'a\u00a0b',
      '\u00a0x',
      '\u2003x',
      '[a, b]',
      '[ a , b ]',
      '[a,b]',
      '[ ]',
      '{a: 1, b: x}',
      '{a: 1,}',
      '[a, [b]]',
      '{a}',
      '[a: b]',
      '[-1, .5, ~, null]',
      '{a: 1, a: 2}',
      '[a #b]',
      '[a, b] # c',
      '[a, b]x',
      '{"a": 1}',
      '[a b, c]',
      '[,]',
      '[a,]',
      '{1: a}',
      '{a:b}',
      '[- a]',
      "'unclosed",
      '"unclosed',
      'a "b" c',
      "'a' b",
      '"a" # c',
      "'a'#c",
      'x # c: d',
    ];
    const KEYS = [
      'a',
      'b',
      'step one',
      'next',
      '"q k"',
      "'s k'",
      '1',
      'true',
      '~',
      'a:b',
      '-k',
      'k#',
      '__proto__',
      'a',
      'x y',
    ];
    const pad = (n: number) => ' '.repeat(n);
    const block = (indent: number, depth: number): string[] => {
      const out: string[] = [];
      const asList = depth > 0 && random() < 0.3;
      const n = 1 + Math.floor(random() * 4);
      for (let i = 0; i < n; i++) {
        if (random() < 0.08) out.push(pad(Math.floor(random() * 6)) + pick(['# c', '', '   ', '#']));
        const lead = asList ? '- ' : `${pick(KEYS)}:${random() < 0.05 ? '' : ' '}`;
        const r = random();
        if (depth < 3 && r < 0.3) {
          out.push(pad(indent) + (asList ? '-' : lead.trimEnd()) + (random() < 0.1 ? ' # c' : ''));
          const child = indent + pick([0, 1, 2, 2, 4]);
          out.push(...block(child, depth + 1));
        } else if (asList && depth < 3 && r < 0.45) {
          // A compact mapping on the item's line.
          const inner = block(indent + 2, depth + 1);
          const first = inner[0] ?? 'a: 1';
          out.push(pad(indent) + '- ' + first.trimStart(), ...inner.slice(1));
        } else if (r < 0.55) {
          out.push(pad(indent) + lead + pick(['|', '|-', '| # c', '|+']));
          const bodyIndent = indent + pick([1, 2, 2, 3]);
          const m = Math.floor(random() * 4);
          for (let k = 0; k < m; k++)
            out.push(
              random() < 0.25
                ? pad(Math.floor(random() * (bodyIndent + 2)))
                : pad(bodyIndent + pick([0, 0, 0, 1, 2])) + pick(SCALARS),
            );
        } else
          out.push(
            pad(indent) + lead + pick(SCALARS) + (random() < 0.1 ? pick([' # c', '  #c', '#c', ' ']) : ''),
          );
      }
      return out;
    };
    let read = 0;
    for (let i = 0; i < 4000; i++) {
      const text = block(random() < 0.9 ? 0 : 2, 0).join('\n') + (random() < 0.9 ? '\n' : '');
      const { lines, jsYaml } = both(text);
      expect(lines, JSON.stringify(text)).toEqual(jsYaml);
      if (handled(text)) read++;
    }
    // The generator makes enough documents of the usual shape for the comparison to mean something.
    expect(read).toBeGreaterThan(400);
  });
});
