import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPipeline } from '../front-end/load-pipeline.js';
import type { DagNode, MapNode, ParallelNode, Pipeline, StubNode, TaskNode } from './types.js';
import { walk } from './walk.js';

const PIPELINE = `# a comment line
mode:
  type: demo-renderer
catalog:
  type: do-nothing
dag:
  description: all node types
  max_time: 600
  start_at: prep
  steps:
    prep:
      type: task
      command: pkg.prep
      catalog:
        get: ["in/*.csv"]
        put: [out.csv]
        compute_data_folder: work
      mode_config:
        local-container: {docker_image: img}
      executor_config:
        local: {}
      overrides:
        demo-renderer: quiet
      next: fan
    fan:
      type: parallel
      next: each
      on_failure: skip
      branches:
        left:
          start_at: l
          steps:
            l: {type: as-is, next: s, command_config: {render_string: hi}}
            s: {type: success}
            f: {type: fail}
    each:
      type: map
      iterate_on: items
      iterate_as: item
      next: sub
      branch:
        start_at: work
        steps:
          work: {type: task, command_type: shell, command: "echo $$HOME", retry: 3, next: s}
          s: {type: success}
          f: {type: fail}
    sub:
      type: dag
      dag_definition: parts/sub.yaml
      next: success
    skip: {type: stub, next: success}
    success: {type: success}
    fail: {type: fail}
`;

const SUB = `dag:
  start_at: inner
  steps:
    inner: {type: stub, next: done}
    done: {type: success}
    failed: {type: fail}
`;

describe('buildPipeline (through loadPipeline)', () => {
  let dir: string;
  let pipeline: Pipeline;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'dagc-build-'));
    mkdirSync(path.join(dir, 'parts'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
    writeFileSync(path.join(dir, 'parts', 'sub.yaml'), SUB);
    const r = await loadPipeline('pipeline.yaml', { cwd: dir, env: {} });
    expect(r.diagnostics).toEqual([]);
    pipeline = r.value as Pipeline;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names every node with magnus dot paths (spec §3.5)', () => {
    expect([...walk(pipeline.root)].map((l) => l.node.internalName)).toEqual([
      'prep',
      'fan',
      'fan.left.l',
      'fan.left.s',
      'fan.left.f',
      'each',
      'each.map_variable_placeholder.work',
      'each.map_variable_placeholder.s',
      'each.map_variable_placeholder.f',
      'sub',
      'sub.dag.inner',
      'sub.dag.done',
      'sub.dag.failed',
      'skip',
      'success',
      'fail',
    ]);
    const fan = pipeline.root.nodes[1] as ParallelNode;
    expect(fan.branches.map((g) => g.internalName)).toEqual(['fan.left']);
    expect((pipeline.root.nodes[2] as MapNode).branch.internalName).toBe('each.map_variable_placeholder');
    expect((pipeline.root.nodes[3] as DagNode).branch.internalName).toBe('sub.dag');
  });

  it('fills the defaults and keeps what was written', () => {
    expect(pipeline.root).toMatchObject({
      internalName: '',
      startAt: 'prep',
      description: 'all node types',
      maxTime: 600,
      file: 'pipeline.yaml',
    });
    const prep = pipeline.root.nodes[0] as TaskNode;
    expect(prep).toMatchObject({
      type: 'task',
      command: 'pkg.prep',
      commandType: 'python',
      commandConfig: {},
      retry: 1,
      next: 'fan',
    });
    expect(prep.onFailure).toBeUndefined();
    expect(prep.catalog).toEqual({ computeDataFolder: 'work', get: ['in/*.csv'], put: ['out.csv'] });
    const work = (pipeline.root.nodes[2] as MapNode).branch.nodes[0] as TaskNode;
    expect(work).toMatchObject({ commandType: 'shell', retry: 3, command: 'echo $HOME' });
    expect(work.catalog).toBeUndefined();
    expect((pipeline.root.nodes[3] as DagNode).branch.maxTime).toBe(86400);
  });

  it('keeps the spelling of stub steps and their command_config', () => {
    const l = (pipeline.root.nodes[1] as ParallelNode).branches[0]?.nodes[0] as StubNode;
    expect(l).toMatchObject({
      type: 'stub',
      spelledAs: 'as-is',
      commandConfig: { render_string: 'hi' },
      next: 's',
    });
    expect((pipeline.root.nodes[4] as StubNode).spelledAs).toBe('stub');
  });

  it("normalises the three spellings of per-node executor config, with today's executor names", () => {
    expect(pipeline.root.nodes[0]?.overrides).toEqual({
      'local-container': { docker_image: 'img' },
      local: {},
      bash: 'quiet',
    });
    expect((pipeline.root.nodes[1] as ParallelNode).onFailure).toBe('skip');
  });

  it('records the dag_definition as written and the file it was read from', () => {
    const sub = pipeline.root.nodes[3] as DagNode;
    expect(sub.dagDefinition).toBe('parts/sub.yaml');
    expect(sub.dagFile).toBe(path.join(dir, 'parts', 'sub.yaml'));
    expect(sub.branch.file).toBe(path.join('parts', 'sub.yaml'));
    expect(sub.branch.nodes[0]?.source).toMatchObject({
      file: path.join('parts', 'sub.yaml'),
      pointer: '/dag/steps/inner',
      start: { line: 4, column: 5 },
    });
  });

  it('locates every node where its name is written', () => {
    const l = (pipeline.root.nodes[1] as ParallelNode).branches[0]?.nodes[0];
    expect(l?.source).toEqual({
      file: 'pipeline.yaml',
      pointer: '/dag/steps/fan/branches/left/steps/l',
      start: { line: 33, column: 13 },
    });
  });

  it("carries the pipeline file's service sections, normalised, and the plain dag block", () => {
    expect(pipeline.serviceSections).toEqual({
      executor: { type: 'bash', config: {} },
      catalog: { type: 'do-nothing', config: { compute_data_folder: 'data' } },
    });
    expect((pipeline.dag as { max_time: unknown }).max_time).toBe(600);
    expect(pipeline.file).toBe('pipeline.yaml');
    expect(pipeline.dagHash).toMatch(/^[0-9a-f]{40}$/);
  });
});
