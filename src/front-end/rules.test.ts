import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseYaml, readYamlFile } from './load.js';
import { MAX_EXPANDED_STEPS, checkFileGraphs, checkRules, cyclesOf, listNames } from './rules.js';
import type { SourceFile } from './rules.js';

const doc = (text: string) => {
  const r = parseYaml(text, 'p.yaml', { what: 'pipeline file' });
  if (!r.doc) throw new Error(JSON.stringify(r.diagnostics));
  return r.doc;
};

/** A graph in YAML from `name: [type, next?, on_failure?]` entries, with extra step lines appended. */
function graph(steps: Record<string, string>, startAt = Object.keys(steps)[0]): string {
  const body = Object.entries(steps)
    .map(
      ([name, rest]) =>
        `    ${JSON.stringify(name)}:\n${rest
          .split(';')
          .map((l) => `      ${l.trim()}`)
          .join('\n')}`,
    )
    .join('\n');
  return `dag:\n  start_at: ${JSON.stringify(startAt)}\n  steps:\n${body}\n`;
}
const ok = { success: 'type: success', fail: 'type: fail' };
const check = (text: string) =>
  checkFileGraphs(doc(text)).diagnostics.map((d) => [
    d.code,
    d.severity === 'warning' ? 'w' : 'e',
    d.start.line,
  ]);

describe('checkFileGraphs', () => {
  it('accepts a plain valid graph', () => {
    expect(check(graph({ a: 'type: stub; next: b', b: 'type: stub; next: success', ...ok }))).toEqual([]);
  });

  it('finds unknown next and on_failure targets with a suggestion and the list of steps', () => {
    const d = checkFileGraphs(
      doc(graph({ a: 'type: stub; next: sucess; on_failure: nowhere', ...ok })),
    ).diagnostics;
    expect(d.map((x) => [x.code, x.pointer])).toEqual([
      ['DAGC-GRAPH-UNKNOWN-NEXT', '/dag/steps/a/next'],
      ['DAGC-GRAPH-UNKNOWN-ON-FAILURE', '/dag/steps/a/on_failure'],
    ]);
    expect(d[0]?.hint).toBe('did you mean "success"? steps here: a, success, fail');
    expect(d[1]?.hint).toBe('steps here: a, success, fail');
  });

  it('names a cycle over next and on_failure edges, once per cycle, at the edge that closes it', () => {
    const d = checkFileGraphs(
      doc(
        graph({
          a: 'type: stub; next: b',
          b: 'type: stub; next: success; on_failure: a',
          c: 'type: stub; next: c',
          ...ok,
        }),
      ),
    ).diagnostics;
    expect(d.filter((x) => x.code === 'DAGC-GRAPH-CYCLE').map((x) => [x.message, x.pointer])).toEqual([
      ['steps "a" → "b" → "a" form a cycle in the dag', '/dag/steps/b/on_failure'],
      ['step "c" goes to itself', '/dag/steps/c/next'],
    ]);
  });

  it('warns about unreachable steps, but never about the fail step', () => {
    expect(
      check(graph({ a: 'type: stub; next: success', lonely: 'type: stub; next: success', ...ok })),
    ).toEqual([['DAGC-GRAPH-UNREACHABLE', 'w', 7]]);
  });

  it('needs start_at to be a step', () => {
    expect(check(graph({ a: 'type: stub; next: success', ...ok }, 'b'))).toEqual([
      ['DAGC-GRAPH-UNKNOWN-START', 'e', 2],
    ]);
  });

  it('needs exactly one success and one fail step in every graph', () => {
    expect(check(graph({ a: 'type: stub; next: s', s: 'type: success', t: 'type: success' }))).toEqual([
      ['DAGC-GRAPH-MANY-SUCCESS', 'e', 9],
      ['DAGC-GRAPH-NO-FAIL', 'e', 3],
    ]);
  });

  it('refuses "." and "%" in step and branch names', () => {
    const text = graph({
      'a.b':
        'type: parallel; next: success; branches: {"x%y": {start_at: s, steps: {s: {type: success}, f: {type: fail}}}}',
      ...ok,
    });
    expect(checkFileGraphs(doc(text)).diagnostics.map((d) => d.message)).toEqual([
      'step name "a.b" contains "."',
      'branch name "x%y" contains "%"',
    ]);
  });

  it('checks commands by command type', () => {
    const text = graph({
      p: 'type: task; command: not a function; next: l',
      l: 'type: task; command_type: python-lambda; command: "lambda x: x.__class__"; next: n',
      n: 'type: task; command_type: notebook; command: nb.py; next: ok',
      ok: 'type: task; command: pkg.mod.fn; next: sh',
      sh: 'type: task; command_type: shell; command: anything at all; next: success',
      ...ok,
    });
    expect(checkFileGraphs(doc(text)).diagnostics.map((d) => [d.code, d.pointer])).toEqual([
      ['DAGC-TASK-PYTHON-COMMAND', '/dag/steps/p/command'],
      ['DAGC-TASK-LAMBDA-COMMAND', '/dag/steps/l/command'],
      ['DAGC-TASK-NOTEBOOK-COMMAND', '/dag/steps/n/command'],
    ]);
  });

  it("checks map names and refuses reusing an enclosing map's iterate_as", () => {
    const inner =
      '{start_at: m2, steps: {m2: {type: map, iterate_on: ys, iterate_as: x, next: s, branch: {start_at: s, steps: {s: {type: success}, f: {type: fail}}}}, s: {type: success}, f: {type: fail}}}';
    const text = graph({
      m: `type: map; iterate_on: "my list"; iterate_as: x; next: success; branch: ${inner}`,
      ...ok,
    });
    expect(checkFileGraphs(doc(text)).diagnostics.map((d) => [d.code, d.pointer])).toEqual([
      ['DAGC-MAP-NAME', '/dag/steps/m/iterate_on'],
      ['DAGC-MAP-ITERATE-AS-REUSED', '/dag/steps/m/branch/steps/m2/iterate_as'],
    ]);
  });

  it('refuses one executor configured in two spellings', () => {
    const text = graph({
      a: 'type: stub; next: success; mode_config: {demo-renderer: {}}; overrides: {bash: x}',
      ...ok,
    });
    expect(checkFileGraphs(doc(text)).diagnostics.map((d) => d.code)).toEqual([
      'DAGC-NODE-OVERRIDES-CONFLICT',
    ]);
  });

  it('skips values of the wrong type (the schema reports them) instead of crashing', () => {
    expect(
      check(
        'dag:\n  start_at: [x]\n  steps:\n    a: 3\n    b: {type: task, next: [1], command: 2}\n    s: {type: success}\n    f: {type: fail}\n',
      ),
    ).toEqual([]);
    expect(check('dag: [1]\n')).toEqual([]);
    expect(check('dag:\n  steps: null\n')).toEqual([]);
  });

  it('lists long step lists shortly', () => {
    expect(listNames(Array.from({ length: 20 }, (_, i) => `s${i}`))).toBe(
      's0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, … and 8 more',
    );
  });
});

describe('cyclesOf', () => {
  it('handles a 10,000-step chain without deep recursion', () => {
    const n = 10_000;
    const next = Int32Array.from({ length: n }, (_, i) => (i + 1) % n);
    const none = new Int32Array(n).fill(-1);
    const cycles = cyclesOf(n, next, none);
    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toEqual(Array.from({ length: n }, (_, i) => i));
    next[n - 1] = -1;
    expect(cyclesOf(n, next, none)).toEqual([]);
  });

  it('finds one shortest cycle per component, over next and on_failure, in file order', () => {
    // 0 → 1 → 2 → 0 (2 also fails to 1), 3 → 3, 4 → 5
    const next = Int32Array.from([1, 2, 0, 3, 5, -1]);
    const onFailure = Int32Array.from([-1, -1, 1, -1, -1, -1]);
    expect(cyclesOf(6, next, onFailure)).toEqual([[0, 1, 2], [3]]);
  });
});

describe('checkRules with dag_definition files', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-rules-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  const loadFile = async (abs: string) => {
    const r = await readYamlFile(abs, path.relative(dir, abs), { what: 'dag_definition file' });
    return r.doc ? { file: { doc: r.doc, abs }, diagnostics: r.diagnostics } : { diagnostics: r.diagnostics };
  };
  const rootOf = async (rel: string): Promise<SourceFile> =>
    (await loadFile(path.join(dir, rel))).file as SourceFile;
  const dagStep = (ref: string, next = 'success') => `type: dag; dag_definition: ${ref}; next: ${next}`;

  it("resolves from the working directory first, then from the including file's folder", async () => {
    write('sub/inner.yaml', graph({ i: 'type: stub; next: success', ...ok }));
    write('sub/middle.yaml', graph({ m: dagStep('inner.yaml'), ...ok }));
    write('inner.yaml', graph({ top: 'type: stub; next: success', ...ok }));
    write('main.yaml', graph({ a: dagStep('sub/middle.yaml'), ...ok }));
    const r = await checkRules(await rootOf('main.yaml'), { cwd: dir, loadFile });
    expect(r.diagnostics).toEqual([]);
    // sub/middle.yaml names "inner.yaml": the working directory's one wins, as in magnus.
    expect(r.subFiles.get(`${path.join(dir, 'sub/middle.yaml')}\0inner.yaml`)?.abs).toBe(
      path.join(dir, 'inner.yaml'),
    );
    rmSync(path.join(dir, 'inner.yaml'));
    const r2 = await checkRules(await rootOf('main.yaml'), { cwd: dir, loadFile });
    expect(r2.subFiles.get(`${path.join(dir, 'sub/middle.yaml')}\0inner.yaml`)?.abs).toBe(
      path.join(dir, 'sub/inner.yaml'),
    );
  });

  it('reports a missing file at the dag_definition value, and inclusion cycles', async () => {
    write('missing.yaml', graph({ a: dagStep('nope.yaml'), ...ok }));
    write('self.yaml', graph({ a: dagStep('self.yaml'), ...ok }));
    const missing = await checkRules(await rootOf('missing.yaml'), { cwd: dir, loadFile });
    expect(missing.diagnostics.map((d) => [d.code, d.pointer, d.hint])).toEqual([
      [
        'DAGC-DAG-DEFINITION-MISSING',
        '/dag/steps/a/dag_definition',
        'dagc looked for nope.yaml (from the working directory, as magnus did, then from the folder of missing.yaml); check the path',
      ],
    ]);
    const self = await checkRules(await rootOf('self.yaml'), { cwd: dir, loadFile });
    expect(self.diagnostics.map((d) => d.code)).toEqual(['DAGC-DAG-DEFINITION-CYCLE']);
  });

  it("reports a sub-file's own problems once however often it is used, with its own positions", async () => {
    write('bad.yaml', graph({ x: 'type: stub; next: nowhere', ...ok }));
    write('twice.yaml', graph({ a: dagStep('bad.yaml', 'b'), b: dagStep('bad.yaml'), ...ok }));
    const r = await checkRules(await rootOf('twice.yaml'), { cwd: dir, loadFile });
    expect(r.diagnostics.map((d) => [d.file, d.code, d.start.line])).toEqual([
      ['bad.yaml', 'DAGC-GRAPH-UNKNOWN-NEXT', 6],
    ]);
  });

  it('refuses a pipeline that expands to too many steps, without expanding it', async () => {
    // Each level includes the next twice: 2^25 uses of the last file.
    for (let i = 0; i < 25; i++)
      write(
        `deep/l${i}.yaml`,
        graph({ a: dagStep(`deep/l${i + 1}.yaml`, 'b'), b: dagStep(`deep/l${i + 1}.yaml`), ...ok }),
      );
    write('deep/l25.yaml', graph({ a: 'type: stub; next: success', ...ok }));
    const r = await checkRules(await rootOf('deep/l0.yaml'), { cwd: dir, loadFile });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['DAGC-PIPELINE-TOO-LARGE']);
    expect(r.diagnostics[0]?.message).toContain(String(MAX_EXPANDED_STEPS));
  });
});
