// The dag_hash test vectors recorded from magnus (shared/spec/magnus-reference/dag-hashes.txt), checked two
// ways: through the real CLI (`dagc hash`, the whole front end), and with hashDag alone on the parsed `dag`
// block, which proves the hash independently of the loader. Plus `dagc graph` on a shared example.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashDag } from '../src/front-end/hash.js';
import { substitute } from '../src/front-end/variables.js';
import { runCli } from './helpers/cli.js';
import { SHARED, sharedOrSkipNotice } from './helpers/paths.js';

const HAS_SHARED = sharedOrSkipNotice('dag_hash vectors and graph of magnus examples');
const EXAMPLES = path.join(SHARED, 'spec', 'magnus-examples');
const REFERENCE = path.join(SHARED, 'spec', 'magnus-reference');
const SCENARIO_PREFIX = 'a7d649c-tests-scenarios-';

interface Vector {
  hash: string;
  name: string;
  file: string;
}

/** `<sha1> <name> [(comment)]`; names with a folder live in magnus-reference, the others in magnus-examples. */
function readVectors(): Vector[] {
  const seen = new Set<string>();
  const vectors: Vector[] = [];
  for (const line of readFileSync(path.join(REFERENCE, 'dag-hashes.txt'), 'utf8').split('\n')) {
    const m = /^([0-9a-f]{40}) (\S+)/.exec(line);
    if (!m) continue;
    const [, hash, name] = m as unknown as [string, string, string];
    // python-tasks is listed twice (recorded by two magnus versions) with the same hash.
    if (seen.has(`${hash} ${name}`)) continue;
    seen.add(`${hash} ${name}`);
    vectors.push({ hash, name, file: path.join(name.includes('/') ? REFERENCE : EXAMPLES, name) });
  }
  return vectors;
}

/** What the loader must do before hashing (spec §1.8): safe-substitute every string and key, here with no variables. */
function substituteAll(value: unknown): unknown {
  if (typeof value === 'string') return substitute(value, {});
  if (Array.isArray(value)) return value.map(substituteAll);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [substitute(k, {}), substituteAll(v)]));
  return value;
}

describe.skipIf(!HAS_SHARED)('dag_hash vectors', () => {
  const vectors = HAS_SHARED ? readVectors() : [];
  // Some scenarios name `dag_definition: tests/scenarios/<name>.yaml`, relative to the working folder as in
  // magnus: run in a temp folder whose tests/scenarios/ holds symlinks to the shared files (never copies).
  let cwd = '';
  beforeAll(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'dagc-hash-'));
    mkdirSync(path.join(cwd, 'tests', 'scenarios'), { recursive: true });
    for (const f of readdirSync(EXAMPLES).filter((f) => f.startsWith(SCENARIO_PREFIX)))
      symlinkSync(
        path.join(EXAMPLES, f),
        path.join(cwd, 'tests', 'scenarios', f.slice(SCENARIO_PREFIX.length)),
      );
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('reads every vector of the reference file', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(21);
    for (const v of vectors) expect(existsSync(v.file), v.file).toBe(true);
  });

  for (const v of vectors) {
    it(`hashDag: ${v.name}`, () => {
      const doc = parseDocument(readFileSync(v.file, 'utf8'), { intAsBigInt: true });
      expect(doc.errors).toEqual([]);
      const dag = (substituteAll(doc.toJS()) as { dag: unknown }).dag;
      expect(hashDag(dag)).toBe(v.hash);
    });

    it(`dagc hash: ${v.name}`, async () => {
      // Scenario files are given by their tests/scenarios/ path, as magnus's own tests ran them.
      const arg = v.name.startsWith(SCENARIO_PREFIX)
        ? path.join('tests', 'scenarios', v.name.slice(SCENARIO_PREFIX.length))
        : v.file;
      const r = await runCli(['hash', arg], { cwd });
      // stderr is the loader's (warnings may appear there); stdout must be the hash alone.
      expect({ stdout: r.stdout, status: r.status }).toEqual({ stdout: `${v.hash}\n`, status: 0 });
    });
  }

  // Expected value computed with Python the way magnus 2022 does it: json.dumps the file, safe_substitute
  // MAGNUS_PRM_score=42, json.loads, then sha1 of json.dumps(dag, sort_keys=True).
  const THREE_STEP_WITH_SCORE = '853564e7c060cebe8c7f8f50a4845dd890c7c117';

  it('dagc hash applies variables from the environment before hashing', async () => {
    const r = await runCli(['hash', path.join(REFERENCE, 'a7d649c', 'three-step.yaml')], {
      cwd,
      env: { DAGC_VAR_MAGNUS_PRM_score: '42' },
    });
    expect({ stdout: r.stdout, status: r.status }).toEqual({
      stdout: `${THREE_STEP_WITH_SCORE}\n`,
      status: 0,
    });
  });

  it('dagc hash applies variables from --var-file before hashing', async () => {
    writeFileSync(path.join(cwd, 'vars.yaml'), 'MAGNUS_PRM_score: 42\n');
    const r = await runCli(
      ['hash', path.join(REFERENCE, 'a7d649c', 'three-step.yaml'), '--var-file', 'vars.yaml'],
      {
        cwd,
      },
    );
    expect({ stdout: r.stdout, status: r.status }).toEqual({
      stdout: `${THREE_STEP_WITH_SCORE}\n`,
      status: 0,
    });
  });

  it('dagc hash exits 2 with diagnostics and no hash for a missing file', async () => {
    const r = await runCli(['hash', 'does-not-exist.yaml'], { cwd });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).not.toBe('');
  });
});

describe.skipIf(!HAS_SHARED)('dagc graph on a shared example', () => {
  const example = path.join(EXAMPLES, 'a452f9c-examples-concepts-nesting.yaml');
  const onFailure = path.join(EXAMPLES, 'a452f9c-examples-on-failure.yaml');
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dagc-graph-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints mermaid by default', async () => {
    const r = await runCli(['graph', example]);
    expect(r.status).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('./__goldens__/graph-nesting.mmd');
  });

  it('prints dot', async () => {
    const r = await runCli(['graph', example, '--format', 'dot']);
    expect(r.status).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('./__goldens__/graph-nesting.dot');
  });

  it('draws on_failure edges', async () => {
    const r = await runCli(['graph', onFailure, '--format', 'mermaid']);
    expect(r.status).toBe(0);
    await expect(r.stdout).toMatchFileSnapshot('./__goldens__/graph-on-failure.mmd');
  });

  it('writes -o FILE whole, leaving no temp file behind', async () => {
    const out = path.join(dir, 'drawings', 'nesting.dot');
    const r = await runCli(['graph', example, '--format', 'dot', '-o', out]);
    expect({ stdout: r.stdout, status: r.status }).toEqual({ stdout: '', status: 0 });
    const printed = await runCli(['graph', example, '--format', 'dot']);
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout);
    expect(readdirSync(path.dirname(out))).toEqual(['nesting.dot']);
  });

  it('draws svg in-process (test/graph-svg.test.ts holds its content)', async () => {
    const r = await runCli(['graph', example, '--format', 'svg']);
    expect({ stderr: r.stderr, status: r.status }).toEqual({ stderr: '', status: 0 });
    expect(r.stdout).toMatch(/<svg[\s\S]*<\/svg>\s*$/);
  });

  it('refuses an unknown format, suggesting the closest', async () => {
    const r = await runCli(['graph', example, '--format', 'mermiad']);
    expect(r).toEqual({
      stdout: '',
      stderr:
        'dagc graph: unknown --format "mermiad"; did you mean "mermaid"? (mermaid, dot or svg)\n' +
        'usage: dagc graph <pipeline> [--format mermaid|dot|svg] [--run RUN [-c config]] [-o FILE] [--var-file F]...\n',
      status: 2,
    });
  });
});
