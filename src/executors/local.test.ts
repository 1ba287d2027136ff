import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/types.js';
import { loadPipeline } from '../front-end/load-pipeline.js';
import { executeLeaf, stepNames } from '../runtime/exec-node.js';
import { openRun } from '../runtime/open-run.js';
import { indexSteps } from '../runtime/context.js';
import type { LeafRunner } from './local.js';
import { runPipeline } from './local.js';

// Every task must run through the leaf runner the executor was given: local-container passes one that runs
// tasks in a container, and a composite that forgot to hand it down ran its tasks on the host (issue 11: the
// map branch did). The oracle is the run log, written by the runtime whoever ran the step: every task step it
// records must have gone through the stand-in runner.
const PIPELINE = `
dag:
  start_at: first
  steps:
    first:
      type: task
      command_type: shell
      command: echo 'items=["a", "b"]' >> "$DAGC_OUTPUT"
      next: outer map
    outer map:
      type: map
      iterate_on: items
      iterate_as: item
      next: both
      branch:
        start_at: in map
        steps:
          in map:
            type: task
            command_type: shell
            command: "true"
            next: success
          success:
            type: success
          fail:
            type: fail
    both:
      type: parallel
      next: success
      branches:
        left:
          start_at: inner map
          steps:
            inner map:
              type: map
              iterate_on: items
              iterate_as: letter
              next: success
              branch:
                start_at: in nested map
                steps:
                  in nested map:
                    type: task
                    command_type: shell
                    command: "true"
                    next: success
                  success:
                    type: success
                  fail:
                    type: fail
            success:
              type: success
            fail:
              type: fail
        right:
          start_at: in branch
          steps:
            in branch:
              type: task
              command_type: shell
              command: "false"
              on_failure: after failure
              next: success
            after failure:
              type: task
              command_type: shell
              command: "true"
              next: success
            success:
              type: success
            fail:
              type: fail
    success:
      type: success
    fail:
      type: fail
`;

describe('runPipeline', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('hands its leaf runner to every composite: tasks in maps, in a map inside a parallel, in branches', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dagc-local-'));
    await writeFile(path.join(dir, 'pipeline.yaml'), PIPELINE);
    const loaded = await loadPipeline('pipeline.yaml', { cwd: dir, env: {} });
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const config = {
      ...DEFAULT_CONFIG,
      run_log_store: { type: 'chunked-fs', config: { log_folder: path.join(dir, 'logs') } },
      catalog: { type: 'do-nothing', config: {} },
    };
    const ctx = await openRun({
      pipeline: loaded.value!,
      config,
      parameters: {},
      cwd: dir,
      env: { PATH: process.env.PATH },
      events: () => {},
      mode: 'run',
    });

    const ranByStandIn: string[] = [];
    const standIn: LeafRunner = (c, inv) => {
      ranByStandIn.push(stepNames(inv).internal);
      return executeLeaf(c, inv);
    };
    expect(await runPipeline(ctx, standIn)).toBe('SUCCESS');

    const steps = [...indexSteps(await ctx.store.getRunLog(ctx.runId)).values()];
    const tasks = steps.filter((s) => s.step_type === 'task').map((s) => s.internal_name);
    // The run really went through every level (so an empty record could not pass).
    expect(tasks.sort()).toEqual(
      [
        'first',
        'outer map.a.in map',
        'outer map.b.in map',
        'both.left.inner map.a.in nested map',
        'both.left.inner map.b.in nested map',
        'both.right.in branch',
        'both.right.after failure',
      ].sort(),
    );
    expect(tasks.filter((t) => !ranByStandIn.includes(t))).toEqual([]);
    // Every leaf the runtime recorded (stubs, success and fail nodes included) went through the stand-in.
    const leaves = steps
      .filter((s) => !['map', 'parallel', 'dag'].includes(s.step_type))
      .map((s) => s.internal_name);
    expect(leaves.filter((t) => !ranByStandIn.includes(t))).toEqual([]);
  });
});
