// Re-runs resume inside an unfinished composite (issue 19): the leaves that finished inside a parallel or map of
// the previous run are taken from it when the re-run reaches the composite still skipping (every step before it
// was taken from the previous run, so the composite's inputs are that run's); each branch executes from its
// first step that did not succeed. When a step before the composite executes again, nothing inside is reused.
// Before, every leaf of the composite ran again. The oracle: a file outside the project that every step
// execution appends to (the executions counted by the steps themselves), beside the run log's mock flags.
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';

const step = (name: string, next: string, command: string) => `            ${name}:
              type: task
              command_type: shell
              command: ${command}
              next: ${next}
`;

// Four branches of two steps; branch c's second step fails until FIX_C=1. Then a map over three items whose
// second step fails for item 2 until FIX_Y=1.
const PIPELINE = `dag:
  start_at: before
  steps:
    before:
      type: task
      command_type: shell
      command: echo "before" >> "$COUNT_FILE"; test "\${BREAK_BEFORE:-0}" = 0
      next: p
      on_failure: p
    p:
      type: parallel
      branches:
${['a', 'b', 'c', 'd']
  .map(
    (b) => `        ${b}:
          start_at: one
          steps:
${step('one', 'two', `echo "p.${b}.one" >> "$COUNT_FILE"`)}${step('two', 'success', `echo "p.${b}.two" >> "$COUNT_FILE"; test "${b}" != c || test "\${FIX_C:-0}" = 1`)}            success: {type: success}
            fail: {type: fail}
`,
  )
  .join('')}      next: m
    m:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: one
        steps:
          one:
            type: task
            command_type: shell
            command: echo "m.$DAGC_PRM_item.one" >> "$COUNT_FILE"
            next: two
          two:
            type: task
            command_type: shell
            command: echo "m.$DAGC_PRM_item.two" >> "$COUNT_FILE"; test "$DAGC_PRM_item" != 2 || test "\${FIX_Y:-0}" = 1
            next: success
          success: {type: success}
          fail: {type: fail}
      next: success
    success: {type: success}
    fail: {type: fail}
`;

describe('a re-run resumes inside an unfinished composite', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-rerun-composite-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'dagc-rerun-composite-count-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(path.join(dir, 'parameters.yaml'), 'items: [1, 2, 3]\n');
  const countFile = path.join(outside, 'count');
  const run = async (runId: string, env: Record<string, string>, ...extra: string[]) => {
    if (existsSync(countFile)) rmSync(countFile);
    const result = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', runId, ...extra], {
      cwd: dir,
      env: { COUNT_FILE: countFile, ...env },
    });
    const executed = existsSync(countFile) ? readFileSync(countFile, 'utf8').trim().split('\n').sort() : [];
    return { ...result, executed };
  };

  it('takes the finished leaves of a failed parallel; executes the failed branch from its failed step', async () => {
    const first = await run('first', {});
    expect(first.status, first.stderr).toBe(1);
    expect(first.executed).toContain('p.c.two');

    const fixed = await run('fixed', { FIX_C: '1', FIX_Y: '1' }, '--use-cached', 'first');
    expect(fixed.status, fixed.stderr).toBe(0);
    // Only the failed step of the parallel executes again; the map (never reached) runs in full.
    expect(fixed.executed).toEqual(['m.1.one', 'm.1.two', 'm.2.one', 'm.2.two', 'm.3.one', 'm.3.two', 'p.c.two'].sort());
    const shown = JSON.parse((await runCli(['runs', 'show', 'fixed', '--json'], { cwd: dir })).stdout) as {
      steps: Record<string, { mock: boolean; branches: Record<string, { steps: Record<string, { mock: boolean; status: string }> }> }>;
    };
    expect(shown.steps.p!.mock).toBe(false);
    expect(shown.steps.p!.branches['p.a']!.steps['p.a.one']!.mock).toBe(true);
    expect(shown.steps.p!.branches['p.c']!.steps['p.c.one']!.mock).toBe(true);
    expect(shown.steps.p!.branches['p.c']!.steps['p.c.two']!.mock).toBe(false);
  }, 120_000);

  it('takes the finished items of a failed map', async () => {
    const failing = await run('map-fail', { FIX_C: '1' });
    expect(failing.status, failing.stderr).toBe(1);
    expect(failing.executed).toContain('m.2.two');
    const resumed = await run('map-resumed', { FIX_C: '1', FIX_Y: '1' }, '--use-cached', 'map-fail');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.executed).toEqual(['m.2.two']);
  }, 120_000);

  it('reuses nothing inside when a step before the composite executes again', async () => {
    // `before` fails and routes to the parallel (on_failure), which runs and fails in branch c.
    const broken = await run('before-fails', { BREAK_BEFORE: '1' });
    expect(broken.status).toBe(1);
    expect(broken.executed).toHaveLength(1 + 8);
    // The re-run executes `before` again, so the parallel's inputs may differ: all of it executes.
    const again = await run('rerun-before', { FIX_C: '1', FIX_Y: '1' }, '--use-cached', 'before-fails');
    expect(again.status, again.stderr).toBe(0);
    expect(again.executed).toHaveLength(1 + 8 + 6);
  }, 120_000);

  it('re-runs a stubs-only pipeline (no catalog folder was ever made)', async () => {
    const stubs = mkdtempSync(path.join(tmpdir(), 'dagc-rerun-stubs-'));
    writeFileSync(
      path.join(stubs, 'pipeline.yaml'),
      'dag:\n  start_at: s1\n  steps:\n    s1:\n      type: stub\n      next: s2\n    s2:\n      type: stub\n      next: success\n    success: {type: success}\n    fail: {type: fail}\n',
    );
    expect((await runCli(['run', 'pipeline.yaml', '--run-id', 'one'], { cwd: stubs })).status).toBe(0);
    expect(existsSync(path.join(stubs, '.catalog', 'one'))).toBe(false);
    const again = await runCli(['run', 'pipeline.yaml', '--run-id', 'two', '--use-cached', 'one'], { cwd: stubs });
    expect(again.status, again.stderr).toBe(0);
    const shown = JSON.parse((await runCli(['runs', 'show', 'two', '--json'], { cwd: stubs })).stdout) as { status: string; steps: Record<string, { mock: boolean }> };
    expect(shown.status).toBe('SUCCESS');
    expect([shown.steps.s1!.mock, shown.steps.s2!.mock]).toEqual([true, true]);
  });
});
