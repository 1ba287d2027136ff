// The task runners on real magnus material: the three shell steps of magnus 0.5's task_shell_parameters
// example (shared/spec/magnus-examples), chained the way the node executor chains attempts (a successful
// attempt's parameters are merged into the run parameters, magnus-spec.md §4.1 step 5), and the demo
// functions of shared/spec/magnus-reference/f81dcf8/functions.py run unchanged through the Python shim.
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { runTask } from '../src/runtime/tasks/index.js';
import type { TaskRequest } from '../src/runtime/tasks/types.js';
import { SHARED, sharedOrSkipNotice } from './helpers/paths.js';

const HAS = sharedOrSkipNotice('runtime task runners on the magnus examples');
const cwd = mkdtempSync(path.join(tmpdir(), 'dagc-runtime-tasks-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

function request(overrides: Partial<TaskRequest>): TaskRequest {
  return {
    command: '',
    commandType: 'shell',
    commandConfig: {},
    stepName: 'step',
    runId: 'run-1',
    attempt: 1,
    parameters: {},
    mapVariable: {},
    env: {},
    cwd,
    secretValues: [],
    ...overrides,
  };
}

interface ExampleStep {
  command?: string;
}

describe.skipIf(!HAS)('magnus examples through the task runners', () => {
  test('task_shell_parameters: shell steps read and export MAGNUS_PRM_*, chained', async () => {
    const file = path.join(
      SHARED,
      'spec/magnus-examples/a452f9c-examples-concepts-task_shell_parameters.yaml',
    );
    const steps = (parse(readFileSync(file, 'utf8')) as { dag: { steps: Record<string, ExampleStep> } }).dag
      .steps;
    // examples/concepts/parameters.yaml, as the example's comments show it.
    let parameters: Record<string, unknown> = { spam: 'Hello', eggs: { ham: 'Yes, please!!' } };
    const outputs: string[] = [];
    for (const name of ['access initial', 'modify initial', 'display again']) {
      const result = await runTask(
        request({ command: steps[name]?.command ?? '', stepName: name, parameters }),
      );
      expect(result.ok).toBe(true);
      outputs.push(result.output.split('\n').filter(Boolean).sort().join('\n'));
      parameters = { ...parameters, ...result.parameters };
    }
    expect(outputs).toEqual([
      'MAGNUS_PRM_eggs={"ham": "Yes, please!!"}\nMAGNUS_PRM_spam="Hello"',
      '',
      // Values are re-encoded by the run as Python's json.dumps writes them, as magnus showed them.
      'MAGNUS_PRM_eggs={"ham": "No, Thank you!!"}\nMAGNUS_PRM_spam="World"',
    ]);
    expect(parameters).toEqual({ spam: 'Universe', eggs: { ham: 'Maybe, one more..' } });
  });

  test('f81dcf8 functions.py: prepare → train, with track_this and a catalogue-style data folder', async () => {
    cpSync(path.join(SHARED, 'spec/magnus-reference/f81dcf8/functions.py'), path.join(cwd, 'functions.py'));
    const prepared = await runTask(
      request({ command: 'functions.prepare', commandType: 'python', parameters: { x: 3 } }),
    );
    expect(prepared).toMatchObject({
      ok: true,
      parameters: { y: 4, items: ['a', 'b'] },
      metrics: { rows: 10, summary: { mean: 1.5 } },
    });
    expect(readFileSync(path.join(cwd, 'data/prepared.txt'), 'utf8')).toBe('x=3\n');
    const trained = await runTask(
      request({
        command: 'functions.train',
        commandType: 'python',
        runId: 'run-9',
        parameters: { x: 3, ...prepared.parameters },
      }),
    );
    expect(trained.parameters).toEqual({ score: 40, run_id_seen: 'run-9' });
    const failed = await runTask(request({ command: 'functions.fail_always', commandType: 'python' }));
    expect(failed).toMatchObject({ ok: false, exitCode: 1, message: 'ValueError: deliberate failure' });
    const passed = await runTask(
      request({ command: 'functions.fail_always', commandType: 'python', env: { LET_IT_PASS: '1' } }),
    );
    expect(passed).toMatchObject({ ok: true, message: '' });
  });
});
