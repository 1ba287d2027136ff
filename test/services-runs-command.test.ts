// `dagc runs list|show`: unit tests call the command with a captured io over runs written by the real
// chunked-fs store; one end-to-end test spawns the built bin/dagc.js.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { command, formatRunTree, formatRunsTable } from '../src/cli/runs.js';
import type { Io, ParsedArgs } from '../src/cli/types.js';
import { UsageError, UserError } from '../src/cli/types.js';
import { DEFAULT_SECTIONS } from '../src/config/types.js';
import type { Diagnostic } from '../src/core/diagnostics.js';
import { createRunLogStore } from '../src/services/run-log/index.js';
import type { RunLogStore, RunRecord, StepLog } from '../src/services/run-log/types.js';
import { runCli } from './helpers/cli.js';

interface Captured extends Io {
  stdout: string;
  stderr: string;
  printed: Diagnostic[];
}

function captureIo(cwd: string, isTTY = false): Captured {
  const io: Captured = {
    stdout: '',
    stderr: '',
    printed: [],
    out: (t) => void (io.stdout += t),
    err: (t) => void (io.stderr += t),
    diagnostics: async (d) => void io.printed.push(...d),
    isTTY,
    cwd,
    env: {},
  };
  return io;
}

const args = (positionals: string[], options: ParsedArgs['options'] = {}): ParsedArgs => ({
  positionals,
  options,
});

function record(runId: string, created: string, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    run_id: runId,
    dag_hash: '182b8771ef5067cacf08a9347cee919d9ab8724a',
    use_cached: false,
    tag: '',
    original_run_id: '',
    status: 'SUCCESS',
    run_config: {},
    created_at: created,
    ...extra,
  };
}

type Body = Omit<StepLog, 'branches'>;
function step(name: string, internal: string, type: string, extra: Partial<Body> = {}): Body {
  return {
    name,
    internal_name: internal,
    status: 'SUCCESS',
    step_type: type,
    message: '',
    mock: false,
    code_identities: [],
    attempts: [],
    user_defined_metrics: {},
    data_catalog: [],
    ...extra,
  };
}

const attempt = (n: number, duration: number, status: 'SUCCESS' | 'FAIL' = 'SUCCESS') => ({
  attempt_number: n,
  start_time: '2026-11-24T14:01:20.000+00:00',
  end_time: '2026-11-24T14:01:21.000+00:00',
  duration,
  status,
  message: '',
  parameters: {},
});

/** Three runs: a finished one with a tree, a failed re-run, and one still running. */
async function seed(store: RunLogStore): Promise<void> {
  await store.createRun(
    record('three-local', '2026-11-24T14:01:20.000+00:00', {
      tag: 'probe',
      ended_at: '2026-11-24T14:01:21.250+00:00',
    }),
    { x: 3, items: ['a', 'b.c'] },
  );
  await store.putStep('three-local', {
    parent: '',
    order: 1,
    step: step('prepare', 'prepare', 'task', {
      attempts: [attempt(1, 0.0015)],
      user_defined_metrics: { rows: 10, mean: 1.5 },
      data_catalog: [
        {
          name: 'data/prepared.txt',
          data_hash: '0bb2ec708612ad2de561b6d6333e09753bcd0ec6035fb922bb94e1bef188f0f0',
          catalog_relative_path: 'three-local/data/prepared.txt',
          catalog_handler_location: '.catalog',
          stage: 'put',
        },
      ],
    }),
  });
  await store.putStep('three-local', { parent: '', order: 2, step: step('fan out', 'fan out', 'map') });
  await store.putBranch('three-local', {
    parent: 'fan out',
    order: 3,
    branch: { internal_name: 'fan out.a', status: 'SUCCESS' },
  });
  await store.putBranch('three-local', {
    parent: 'fan out',
    order: 4,
    branch: { internal_name: 'fan out.b.c', status: 'FAIL' },
  });
  await store.putStep('three-local', {
    parent: 'fan out.a',
    order: 5,
    step: step('work', 'fan out.a.work', 'task', { attempts: [attempt(1, 1)] }),
  });
  await store.putStep('three-local', {
    parent: 'fan out.b.c',
    order: 6,
    step: step('work', 'fan out.b.c.work', 'task', {
      status: 'FAIL',
      message: 'exit code 3\nmore detail',
      attempts: [attempt(1, 0.5, 'FAIL'), attempt(2, 0.25, 'FAIL')],
    }),
  });
  await store.putStep('three-local', {
    parent: '',
    order: 7,
    step: step('success', 'success', 'success', { attempts: [attempt(1, 0)] }),
  });

  await store.createRun(
    record('rerun', '2026-11-24T15:00:00.000+01:00', {
      status: 'FAIL',
      use_cached: true,
      original_run_id: 'three-local',
      ended_at: '2026-11-24T15:00:02.000+01:00',
    }),
    {},
  );
  await store.putStep('rerun', {
    parent: '',
    order: 1,
    step: step('prepare', 'prepare', 'task', {
      mock: true,
      message: 'Node execution successful in previous run, skipping it',
    }),
  });
  await store.createRun(
    record('running', '2026-11-24T14:30:00.000+00:00', { status: 'PROCESSING', dag_hash: null }),
    {},
  );
}

const TABLE = [
  'RUN ID       STATUS      TAG    START                          DURATION  DAG HASH',
  'running      PROCESSING  -      2026-11-24T14:30:00.000+00:00         -  -',
  'three-local  SUCCESS     probe  2026-11-24T14:01:20.000+00:00    1.250s  182b8771ef50',
  // 15:00+01:00 is 14:00Z: the oldest, whatever its text says.
  'rerun        FAIL        -      2026-11-24T15:00:00.000+01:00    2.000s  182b8771ef50',
  '',
].join('\n');

const TREE = [
  'run three-local  SUCCESS',
  '  tag         probe',
  '  started     2026-11-24T14:01:20.000+00:00',
  '  duration    1.250s',
  '  dag hash    182b8771ef5067cacf08a9347cee919d9ab8724a',
  '  parameters  x=3, items=["a","b.c"]',
  '',
  'steps',
  '  prepare   SUCCESS  task     1 attempt   0.002s  2 metrics',
  '      metrics: rows=10, mean=1.5',
  '      put data/prepared.txt  0bb2ec708612',
  '  fan out   SUCCESS  map      0 attempts       -  0 metrics',
  '    branch a  SUCCESS',
  '      work  SUCCESS  task     1 attempt   1.000s  0 metrics',
  '    branch b.c  FAIL',
  '      work  FAIL     task     2 attempts  0.750s  0 metrics',
  '          message: exit code 3',
  '  success   SUCCESS  success  1 attempt   0.000s  0 metrics',
  '',
].join('\n');

describe('dagc runs', () => {
  let cwd: string;
  beforeEach(async () => {
    cwd = mkdtempSync(path.join(tmpdir(), 'dagc-runs-'));
    await seed(createRunLogStore(DEFAULT_SECTIONS.run_log_store, { cwd }));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('lists the runs of the default store, newest first, aligned', async () => {
    const io = captureIo(cwd);
    expect(await command.run(args(['list']), io)).toBe(0);
    expect(io.stdout).toBe(TABLE);
    expect(io.stderr).toBe('');
  });

  it('colours statuses only on a terminal', async () => {
    const store = createRunLogStore(DEFAULT_SECTIONS.run_log_store, { cwd });
    const table = formatRunsTable(await store.listRuns(), { color: true });
    expect(table.split('\n')[2]).toBe(
      'three-local  \u001b[32mSUCCESS\u001b[39m     probe  2026-11-24T14:01:20.000+00:00    1.250s  182b8771ef50',
    );
    const io = captureIo(cwd, true);
    await command.run(args(['list']), io);
    expect(io.stdout).toBe(table);
  });

  it('lists as JSON', async () => {
    const io = captureIo(cwd);
    expect(await command.run(args(['list'], { json: true }), io)).toBe(0);
    const listed = JSON.parse(io.stdout) as {
      run_id: string;
      duration: number | null;
      ended_at: string | null;
    }[];
    expect(listed.map((r) => [r.run_id, r.duration, r.ended_at])).toEqual([
      ['running', null, null],
      ['three-local', 1.25, '2026-11-24T14:01:21.250+00:00'],
      ['rerun', 2, '2026-11-24T15:00:02.000+01:00'],
    ]);
  });

  it('says so when there are no runs', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'dagc-runs-empty-'));
    try {
      const io = captureIo(empty);
      expect(await command.run(args(['list']), io)).toBe(0);
      expect([io.stdout, io.stderr]).toEqual(['', 'no runs in .run_log_store/\n']);
      const json = captureIo(empty);
      await command.run(args(['list'], { json: true }), json);
      expect(json.stdout).toBe('[]\n');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('shows a run as a tree', async () => {
    const io = captureIo(cwd);
    expect(await command.run(args(['show', 'three-local']), io)).toBe(0);
    expect(io.stdout).toBe(TREE);
  });

  it('shows the newest run for latest (by creation time, whatever the text of its offset)', async () => {
    const io = captureIo(cwd);
    expect(await command.run(args(['show', 'latest']), io)).toBe(0);
    expect(io.stdout.split('\n')[0]).toBe('run running  PROCESSING');
    const json = captureIo(cwd);
    expect(await command.run(args(['show', 'latest'], { json: true }), json)).toBe(0);
    expect((JSON.parse(json.stdout) as { run_id: string }).run_id).toBe('running');
  });

  it('marks mock steps and re-runs', async () => {
    const store = createRunLogStore(DEFAULT_SECTIONS.run_log_store, { cwd });
    const text = formatRunTree(await store.getRun('rerun'), await store.getRunLog('rerun'), { color: false });
    expect(text).toBe(
      [
        'run rerun  FAIL',
        '  tag         -',
        '  started     2026-11-24T15:00:00.000+01:00',
        '  duration    2.000s',
        '  dag hash    182b8771ef5067cacf08a9347cee919d9ab8724a',
        '  re-run of   three-local',
        '  parameters  -',
        '',
        'steps',
        '  prepare (mock)  SUCCESS  task  0 attempts  -  0 metrics',
        '      message: Node execution successful in previous run, skipping it',
        '',
      ].join('\n'),
    );
  });

  it('shows the whole run log as JSON', async () => {
    const io = captureIo(cwd);
    expect(await command.run(args(['show', 'three-local'], { json: true }), io)).toBe(0);
    const store = createRunLogStore(DEFAULT_SECTIONS.run_log_store, { cwd });
    expect(io.stdout).toBe(JSON.stringify(await store.getRunLog('three-local'), null, 2) + '\n');
    expect(Object.keys(JSON.parse(io.stdout) as object)).toEqual([
      'run_id',
      'dag_hash',
      'use_cached',
      'tag',
      'original_run_id',
      'status',
      'steps',
      'parameters',
      'run_config',
    ]);
  });

  it('reads the store a config names', async () => {
    const other = createRunLogStore({ type: 'file-system', config: { log_folder: 'elsewhere' } }, { cwd });
    await other.createRun(record('fs-run', '2026-11-24T16:00:00.000+00:00'), {});
    writeFileSync(
      path.join(cwd, 'config.yaml'),
      'run_log_store:\n  type: file-system\n  config:\n    log_folder: elsewhere\n',
    );
    const io = captureIo(cwd);
    expect(await command.run(args(['list'], { config: 'config.yaml' }), io)).toBe(0);
    expect(io.stdout.split('\n').map((l) => l.split(' ')[0])).toEqual(['RUN', 'fs-run', '']);
  });

  it('reports a missing run with a hint', async () => {
    writeFileSync(path.join(cwd, 'c.yaml'), 'run_log_store:\n  type: chunked-fs\n');
    const io = captureIo(cwd);
    await expect(command.run(args(['show', 'nope'], { config: 'c.yaml' }), io)).rejects.toThrow(
      new UserError(
        'there is no run "nope" in .run_log_store/',
        'see the runs there with `dagc runs list -c c.yaml`',
      ),
    );
  });

  it('exits 2 with the diagnostics of a bad config', async () => {
    const io = captureIo(cwd);
    expect(await command.run(args(['list'], { config: 'missing.yaml' }), io)).toBe(2);
    expect(io.printed.length).toBeGreaterThan(0);
    expect(io.printed.every((d) => d.file.endsWith('missing.yaml'))).toBe(true);
    expect(io.stdout).toBe('');
  });

  it('refuses the buffered store', async () => {
    writeFileSync(path.join(cwd, 'mem.yaml'), 'run_log_store:\n  type: buffered\n');
    await expect(command.run(args(['list'], { config: 'mem.yaml' }), captureIo(cwd))).rejects.toBeInstanceOf(
      UserError,
    );
  });

  it('checks its subcommand and arguments', async () => {
    const io = captureIo(cwd);
    await expect(command.run(args([]), io)).rejects.toThrow(
      new UsageError('missing the subcommand: list, show or close'),
    );
    await expect(command.run(args(['lsit']), io)).rejects.toThrow(
      new UsageError('unknown subcommand "lsit"; did you mean "list"? (use list, show or close)'),
    );
    await expect(command.run(args(['show']), io)).rejects.toThrow(new UsageError('missing the run id (or latest)'));
    await expect(command.run(args(['list', 'x']), io)).rejects.toThrow(
      new UsageError('dagc runs list takes no arguments (got "x")'),
    );
  });

  it('works end to end through bin/dagc.js', async () => {
    const listed = await runCli(['runs', 'list'], { cwd });
    expect(listed).toEqual({ stdout: TABLE, stderr: '', status: 0 });
    const missing = await runCli(['runs', 'show', 'nope'], { cwd });
    expect(missing).toEqual({
      stdout: '',
      stderr:
        'dagc runs: there is no run "nope" in .run_log_store/\nhint: see the runs there with `dagc runs list`\n',
      status: 2,
    });
    const shown = await runCli(['runs', 'show', 'three-local', '--json'], { cwd });
    expect(shown.status).toBe(0);
    expect((JSON.parse(shown.stdout) as { steps: Record<string, unknown> }).steps).toHaveProperty('fan out');
  });
});
