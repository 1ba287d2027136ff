import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadPipeline } from './load-pipeline.js';
import { hashDag } from './hash.js';
import { SHARED, sharedOrSkipNotice } from '../../test/helpers/paths.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-load-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
  writeFileSync(path.join(dir, name), text);
  return name;
};
const tail = '    success:\n      type: success\n    fail:\n      type: fail\n';
const load = (name: string, extra: { env?: Record<string, string>; varFiles?: string[] } = {}) =>
  loadPipeline(name, { cwd: dir, env: {}, ...extra });

describe('loadPipeline', () => {
  // Skips with a printed notice without ../shared (magnus's reference pipeline is not the project's to copy).
  it.runIf(sharedOrSkipNotice("magnus's dag_hash of its reference pipeline"))("gives magnus's dag_hash for its reference pipeline (spec §3.9)", async () => {
    const r = await loadPipeline(
      path.join(SHARED, 'spec', 'magnus-reference', 'a7d649c', 'three-step.yaml'),
      { cwd: dir, env: {} },
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.dagHash).toBe('182b8771ef5067cacf08a9347cee919d9ab8724a');
  });

  it('hashes YAML integers and floats as Python prints them', async () => {
    write(
      'int.yaml',
      `dag:\n  start_at: a\n  max_time: 600\n  steps:\n    a:\n      type: stub\n      next: success\n${tail}`,
    );
    write(
      'float.yaml',
      `dag:\n  start_at: a\n  max_time: 600\n  steps:\n    a:\n      type: stub\n      next: success\n      command_config: {x: 1.0}\n${tail}`,
    );
    const [i, f] = await Promise.all([load('int.yaml'), load('float.yaml')]);
    const steps = {
      a: { type: 'stub', next: 'success' },
      success: { type: 'success' },
      fail: { type: 'fail' },
    };
    expect(i.value?.dagHash).toBe(hashDag({ start_at: 'a', max_time: 600n, steps }));
    expect(f.value?.dagHash).toBe(
      hashDag({
        start_at: 'a',
        max_time: 600n,
        steps: { ...steps, a: { ...steps.a, command_config: { x: 1 } } },
      }),
    );
    expect(i.value?.dagHash).not.toBe(hashDag({ start_at: 'a', max_time: 600, steps }));
  });

  it('substitutes variables (DAGC_VAR_ over MAGNUS_VAR_ over var files) before the schema and the hash; $$ is $', async () => {
    write('vars.yaml', 'step: from_file\ncmd: echo file\n');
    write(
      'v.yaml',
      `dag:\n  start_at: \${step}\n  steps:\n    \${step}:\n      type: task\n      command_type: shell\n      command: $cmd $$HOME $unknown\n      next: success\n${tail}`,
    );
    const r = await load('v.yaml', {
      varFiles: ['vars.yaml'],
      env: { MAGNUS_VAR_cmd: 'echo magnus', DAGC_VAR_cmd: 'echo dagc' },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.root.startAt).toBe('from_file');
    expect(r.value?.root.nodes[0]).toMatchObject({ name: 'from_file', command: 'echo dagc $HOME $unknown' });
    expect(r.value?.variables).toEqual({ step: 'from_file', cmd: 'echo dagc' });
    const dag = r.value?.dag as { start_at: string };
    expect(dag.start_at).toBe('from_file');
  });

  it("reports a missing var file once, with the pipeline's own problems", async () => {
    write(
      'bad-next.yaml',
      `dag:\n  start_at: a\n  steps:\n    a:\n      type: stub\n      next: nowhere\n${tail}`,
    );
    const r = await load('bad-next.yaml', { varFiles: ['missing-vars.yaml'] });
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.file, d.code])).toEqual([
      ['bad-next.yaml', 'DAGC-GRAPH-UNKNOWN-NEXT'],
      ['missing-vars.yaml', 'DAGC-VAR-FILE-MISSING'],
    ]);
  });

  it('counts only the dag_definition text in the hash, not the file behind it', async () => {
    write(
      'with-sub.yaml',
      `dag:\n  start_at: a\n  steps:\n    a:\n      type: dag\n      dag_definition: subs/s.yaml\n      next: success\n${tail}`,
    );
    write(
      'subs/s.yaml',
      `dag:\n  start_at: x\n  steps:\n    x:\n      type: stub\n      next: success\n${tail}`,
    );
    const before = await load('with-sub.yaml');
    write(
      'subs/s.yaml',
      `dag:\n  start_at: y\n  steps:\n    y:\n      type: stub\n      next: success\n${tail}`,
    );
    const after = await load('with-sub.yaml');
    expect(before.diagnostics).toEqual([]);
    expect(after.value?.dagHash).toBe(before.value?.dagHash);
    expect(after.value?.root.nodes[0]).toMatchObject({ type: 'dag', branch: { startAt: 'y' } });
  });

  it('warns about service sections in a dag_definition file (magnus never read them)', async () => {
    write(
      'subs/with-services.yaml',
      `executor:\n  type: local\ndag:\n  start_at: x\n  steps:\n    x:\n      type: stub\n      next: success\n${tail}`,
    );
    write(
      'uses-services.yaml',
      `dag:\n  start_at: a\n  steps:\n    a:\n      type: dag\n      dag_definition: subs/with-services.yaml\n      next: success\n${tail}`,
    );
    const r = await load('uses-services.yaml');
    expect(r.value).toBeDefined();
    expect(r.diagnostics.map((d) => [d.file, d.code, d.severity])).toEqual([
      [path.join('subs', 'with-services.yaml'), 'DAGC-DAG-DEFINITION-SECTION-IGNORED', 'warning'],
    ]);
  });

  it('allows x- keys for anchors at the top level', async () => {
    write(
      'anchors.yaml',
      `x-shell: &shell\n  type: task\n  command_type: shell\ndag:\n  start_at: a\n  steps:\n    a:\n      <<: *shell\n      command: echo a\n      next: success\n${tail}`,
    );
    const r = await load('anchors.yaml');
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.root.nodes[0]).toMatchObject({ type: 'task', commandType: 'shell', command: 'echo a' });
  });

  it('gives every problem of the pipeline at once, sorted by position', async () => {
    write(
      'many.yaml',
      `dag:\n  start_at: b\n  steps:\n    a:\n      type: taks\n      next: success\n    c.d:\n      type: stub\n      next: nope\n${tail}`,
    );
    const r = await load('many.yaml');
    expect(r.diagnostics.map((d) => [d.code, d.start.line])).toEqual([
      ['DAGC-GRAPH-UNKNOWN-START', 2],
      ['DAGC-SCHEMA-UNKNOWN-TYPE', 5],
      ['DAGC-NODE-NAME', 7],
      ['DAGC-GRAPH-UNKNOWN-NEXT', 9],
    ]);
  });
});
