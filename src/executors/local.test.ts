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

// An internal error under one map item (a store or catalog failing under a step) once left the other items
// running: 36 of 40 queued items ran after the error was printed, and the run stayed PROCESSING (issue 19).
// The stand-in runner throws for item 3; the oracle is what the stand-in saw started and the run log's statuses.
describe('runPipeline after an internal error', () => {
  let dir = '';
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('schedules nothing more, kills what runs, and closes the run log FAIL with the error', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dagc-local-ie-'));
    const items = Array.from({ length: 40 }, (_, i) => i + 1);
    await writeFile(
      path.join(dir, 'pipeline.yaml'),
      `dag:
  start_at: m
  steps:
    m:
      type: map
      iterate_on: items
      iterate_as: item
      next: success
      branch:
        start_at: t
        steps:
          t:
            type: task
            command_type: shell
            command: sleep 30
            next: success
          success: {type: success}
          fail: {type: fail}
    success: {type: success}
    fail: {type: fail}
`,
    );
    const loaded = await loadPipeline('pipeline.yaml', { cwd: dir, env: {} });
    const config = {
      ...DEFAULT_CONFIG,
      executor: { type: 'local', config: { max_parallel: 4 } },
      run_log_store: { type: 'chunked-fs', config: { log_folder: path.join(dir, 'logs') } },
      catalog: { type: 'do-nothing', config: {} },
    };
    const ctx = await openRun({ pipeline: loaded.value!, config, parameters: { items }, cwd: dir, env: { PATH: process.env.PATH }, events: () => {}, mode: 'run' });
    const started: string[] = [];
    const standIn: LeafRunner = async (c, inv) => {
      const name = stepNames(inv).internal;
      if (name.endsWith('.t')) started.push(name);
      if (name === 'm.3.t') {
        // Let the other first items start their `sleep 30` before the error.
        await new Promise((r) => setTimeout(r, 500));
        throw new Error('ENOSPC: no space left on device, write');
      }
      return executeLeaf(c, inv);
    };
    const began = Date.now();
    await expect(runPipeline(ctx, standIn)).rejects.toThrow('ENOSPC');
    // The sleeping steps were killed, not waited for.
    expect(Date.now() - began).toBeLessThan(15_000);
    expect(started.length).toBeLessThanOrEqual(4);
    const log = await ctx.store.getRunLog(ctx.runId);
    expect(log.status).toBe('FAIL');
    const steps = [...indexSteps(log).values()];
    expect(steps.filter((s) => s.status === 'PROCESSING').map((s) => s.internal_name)).toEqual([]);
    expect(log.steps.m!.status).toBe('FAIL');
    expect(log.steps.m!.message).toContain('internal error: ENOSPC');
  }, 30_000);
});
