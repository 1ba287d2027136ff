// Issue 11: the same rule written several times breeds bugs (a map branch forgot the leaf runner its siblings
// passed). Each mechanic below has one implementation; this test fails when a copy comes back, and names the
// helper to call instead. A place listed under `elsewhere` does something else that only looks alike.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';

interface Rule {
  readonly what: string;
  readonly pattern: RegExp;
  /** The one implementation (it must match, so the pattern keeps finding what it is meant to). */
  readonly home?: string;
  readonly ask: string;
  readonly elsewhere?: Readonly<Record<string, string>>;
}

const RULES: readonly Rule[] = [
  {
    what: 'failure routing (on_failure, else the fail node)',
    pattern: /\.onFailure\s*\?\?/,
    home: 'src/ir/routes.ts',
    ask: 'routeAfter / failureRoute from src/ir/routes.ts',
  },
  {
    what: 'reachability (a breadth-first search over a queue)',
    pattern: /\b(queue|todo|stack)\.(shift|pop)\(\)/,
    ask: 'reachableFrom from src/core/graph.ts, or reachable from src/ir/routes.ts',
    elsewhere: {
      'src/emulate/argo/dag-phase.ts': "Argo's assessDAGPhase carries a phase along each path, not a set",
      'src/front-end/rules.ts': "cycle detection (Tarjan's strongly connected components) keeps a stack; its reachability is reachableFrom",
    },
  },
  {
    what: 'an atomic write (temp file + rename)',
    pattern: /\brename\(/,
    home: 'src/core/write-file-atomic.ts',
    ask: 'writeFileAtomic / replaceAtomically from src/core/write-file-atomic.ts',
    elsewhere: {
      'src/services/lock-file.ts': 'moves a stale lock aside, it writes nothing',
      'src/services/run-log/chunked-fs.ts': 'publishes a staged run folder once: rename onto a non-empty folder fails for the loser',
    },
  },
  {
    what: 'a concurrency limiter',
    pattern: /from 'p-limit'|\bactive(Count)?\s*>=\s*max\b/,
    home: 'src/core/limit.ts',
    ask: 'createLimiter / mapLimit from src/core/limit.ts',
  },
  {
    what: 'a sha256 (of a string, a file or a stream)',
    pattern: /createHash\(\s*['"]sha256['"]\s*\)/,
    home: 'src/core/sha256.ts',
    ask: 'sha256 / sha256File / sha256PassThrough from src/core/sha256.ts',
    elsewhere: {
      'src/emit/argo/go-tools.ts': 'hashes many files, with their names, into one cache key',
      'src/report/html.ts': "a Content-Security-Policy hash is base64, not hex",
    },
  },
  {
    what: 'spawning a child and piping its output',
    pattern: /\bspawn\(/,
    home: 'src/core/spawn-piped.ts',
    ask: 'spawnPiped from src/core/spawn-piped.ts',
  },
];

function sources(dir: string): string[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
    .map((f) => `${dir}/${f.split(path.sep).join('/')}`)
    .sort();
}

const FILES = sources('src').map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));

describe('one implementation each', () => {
  it.each(RULES.map((r) => [r.what, r] as const))('%s', (_what, rule) => {
    const found = FILES.filter((f) => rule.pattern.test(f.text)).map((f) => f.file);
    if (rule.home) expect(found, `${rule.home} should hold ${rule.what}`).toContain(rule.home);
    const copies = found.filter((f) => f !== rule.home && !Object.hasOwn(rule.elsewhere ?? {}, f));
    expect(copies, `${rule.what} written again: ask ${rule.ask}`).toEqual([]);
  });

  it('notices a copy (the rules are not vacuous)', () => {
    const copy = 'const next = status === "SUCCESS" ? node.next : (node.onFailure ?? fail);';
    expect(RULES[0]!.pattern.test(copy)).toBe(true);
    expect(RULES[1]!.pattern.test('while (queue.length) { const n = queue.shift(); }')).toBe(true);
    expect(RULES[2]!.pattern.test('await rename(temp, file);')).toBe(true);
    expect(RULES[3]!.pattern.test('if (active >= max) await new Promise((r) => waiting.push(r));')).toBe(true);
    expect(RULES[4]!.pattern.test("const hash = createHash('sha256');")).toBe(true);
    expect(RULES[5]!.pattern.test("const child = spawn('bash', [script]);")).toBe(true);
  });
});
