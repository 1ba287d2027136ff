// Issue 16, runtime part, at sizes the fast suite can afford (test/scale-100k.test.ts runs the full size):
// a map's run log stays linear in its items (values shared, not copied into each attempt) and reads exactly as
// dagc recorded it before (fixtures/scale/wide-map/reference.json.gz, written by dagc 8e1776e), `runs show
// --json` streams the same bytes as the assembled document, fan-in keeps within `ulimit -n 1024`, and a 5 MB
// parameter reaches a shell and a Python step (it failed every later step with `spawn E2BIG`).
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { BIN, ROOT } from './helpers/paths.js';
import { scrubRunLog } from './helpers/run-log-compare.js';
import type { RunLog } from '../src/services/run-log/types.js';
import { createChunkedFsStore } from '../src/services/run-log/chunked-fs.js';
import { stringifyJson } from '../src/core/py-float.js';
import { INLINE_MAX_BYTES } from '../src/services/run-log/shared-values.js';

const WIDE_MAP = path.join(ROOT, 'fixtures', 'scale', 'wide-map');

/** Runs dagc under `ulimit -n 1024` (bash's builtin), as the issue's failing case did. */
function dagc(args: string[], cwd: string, timeout = 600_000) {
  const quoted = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `ulimit -n 1024 && exec ${quoted}`], { cwd, encoding: 'utf8', timeout, maxBuffer: 1 << 30, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function sandbox(): string {
  return mkdtempSync(path.join(tmpdir(), 'dagc-scale-'));
}

/** Bytes of every file below a folder (the run log's own size, whatever the file system's block size). */
function treeBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(path.join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

function stubMap(): string {
  return [
    'dag:',
    '  start_at: M',
    '  steps:',
    '    M:',
    '      type: map',
    '      iterate_on: items',
    '      iterate_as: item',
    '      branch:',
    '        start_at: leaf',
    '        steps:',
    '          leaf: {type: stub, next: success}',
    '          success: {type: success}',
    '          fail: {type: fail}',
    '      next: success',
    '    success: {type: success}',
    '    fail: {type: fail}',
    '',
  ].join('\n');
}

describe('wide maps (issue 16)', () => {
  it('a 200-item map over a 1.4 KiB list reads as dagc recorded it before values were shared, streamed or whole', async () => {
    const dir = sandbox();
    cpSync(WIDE_MAP, dir, { recursive: true });
    const run = dagc(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'wide-map-run'], dir);
    expect(run.stderr).not.toMatch(/error/i);
    expect(run.status).toBe(0);
    const shown = dagc(['runs', 'show', 'wide-map-run', '--json'], dir);
    expect(shown.status).toBe(0);
    const now = JSON.parse(shown.stdout) as RunLog;
    const before = JSON.parse(gunzipSync(readFileSync(path.join(WIDE_MAP, 'reference.json.gz'))).toString('utf8')) as RunLog;
    expect(scrubRunLog(now)).toEqual(scrubRunLog(before));

    // Stored once: no step record holds the list, one value file does.
    const runDir = path.join(dir, '.run_log_store', 'wide-map-run');
    expect(readdirSync(path.join(runDir, 'values'))).toHaveLength(1);
    const leaf = readdirSync(path.join(runDir, 'steps'))
      .map((n) => readFileSync(path.join(runDir, 'steps', n), 'utf8'))
      .find((text) => text.includes('"internal_name":"M.10007.leaf"'))!;
    expect(leaf).toContain('"$dagc_value":"sha256:');
    expect(leaf).not.toContain('10199');

    // The streamed text is the assembled document's, byte for byte.
    const store = createChunkedFsStore(path.join(dir, '.run_log_store'), '.run_log_store/');
    let streamed = '';
    await store.writeRunLog!('wide-map-run', (t) => void (streamed += t));
    expect(streamed).toBe(stringifyJson(await store.getRunLog('wide-map-run'), 2));
    expect(streamed + '\n').toBe(shown.stdout);
  }, 600_000);

  it('a map of 2,000 items completes under ulimit -n 1024 with a run log linear in its items; larger values appear as references', () => {
    const dir = sandbox();
    writeFileSync(path.join(dir, 'pipeline.yaml'), stubMap());
    const items = [...Array(2000).keys()];
    writeFileSync(path.join(dir, 'parameters.yaml'), `items: [${items.join(', ')}]\n`);
    const run = dagc(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'w2k'], dir);
    expect(run.stderr).not.toMatch(/EMFILE|error/i);
    expect(run.status).toBe(0);
    const shown = dagc(['runs', 'show', 'w2k', '--json'], dir);
    expect(shown.status).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    const branches = Object.values(log.steps.M!.branches);
    expect(branches).toHaveLength(2000);
    expect(branches.every((b) => b.status === 'SUCCESS' && b.steps[`${b.internal_name}.leaf`]!.attempts.length === 1)).toBe(true);
    // The list (8.9 KB of JSON) is above INLINE_MAX_BYTES: each attempt refers to it; the run's parameters hold it.
    expect(log.parameters.items).toEqual(items);
    const listBytes = Buffer.byteLength(JSON.stringify(items));
    expect(listBytes).toBeGreaterThan(INLINE_MAX_BYTES);
    expect(branches[5]!.steps['M.5.leaf']!.attempts[0]!.parameters.items).toEqual({ $dagc_value: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), bytes: listBytes });
    // Linear: before, every attempt held the list (2 attempts per item × 8.9 KB, ~36 MB at this width).
    const bytes = treeBytes(path.join(dir, '.run_log_store', 'w2k'));
    expect(bytes / items.length).toBeLessThan(2_000);
  }, 600_000);

  it('a re-run given the same large parameter again does not call it a new value (attempts hold a reference)', () => {
    const dir = sandbox();
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'dag:\n  start_at: first\n  steps:\n    first: {type: stub, next: broken}\n    broken: {type: task, command_type: shell, command: "exit 1", next: success}\n    success: {type: success}\n    fail: {type: fail}\n',
    );
    writeFileSync(path.join(dir, 'parameters.yaml'), `items: [${[...Array(2000).keys()].join(', ')}]\n`);
    expect(dagc(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'one'], dir).status).toBe(1);
    const again = dagc(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'two', '--use-cached', 'one'], dir);
    expect(again.status).toBe(1);
    expect(again.stderr).not.toContain('is not used');
    writeFileSync(path.join(dir, 'other.yaml'), `items: [${[...Array(2001).keys()].join(', ')}]\n`);
    const changed = dagc(['run', 'pipeline.yaml', '-p', 'other.yaml', '--run-id', 'three', '--use-cached', 'one'], dir);
    expect(changed.stderr).toContain('the new value of "items" is not used');
  }, 300_000);

  it('a 5 MB parameter reaches a shell step and a Python step through $DAGC_PARAMETERS', () => {
    const python = spawnSync('python3', ['--version']);
    if (python.status !== 0) {
      console.warn('[skip] 5 MB parameter to a Python step: python3 is not installed');
      return;
    }
    const dir = sandbox();
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      [
        'dag:',
        '  start_at: sh',
        '  steps:',
        '    sh:',
        '      type: task',
        '      command_type: shell',
        // Not in the environment (it would not fit), named in DAGC_PARAMETERS_IN_FILE, whole in the file.
        `      command: 'test -z "\${DAGC_PRM_big:-}" && test "$DAGC_PARAMETERS_IN_FILE" = ''["big"]'' && test "$DAGC_PRM_small" = 3 && python3 -c "import json,os; v=json.load(open(os.environ[''DAGC_PARAMETERS'']))[''big'']; assert len(v) == 5000000; print(''shell saw'', len(v))"'`,
        '      next: py',
        '    py:',
        '      type: task',
        '      command_type: python',
        '      command: steps.check',
        '      next: success',
        '    success: {type: success}',
        '    fail: {type: fail}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      path.join(dir, 'steps.py'),
      'def check(big, small):\n    assert len(big) == 5_000_000 and big[-1] == "y", len(big)\n    print("python saw", len(big), small)\n    return {"seen": len(big)}\n',
    );
    writeFileSync(path.join(dir, 'parameters.yaml'), `big: "${'x'.repeat(4_999_999)}y"\nsmall: 3\n`);
    const run = dagc(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'big'], dir);
    expect(run.stderr).not.toMatch(/E2BIG/);
    expect(run.stdout + run.stderr).toContain('shell saw 5000000');
    expect(run.stdout + run.stderr).toContain('python saw 5000000 3');
    expect(run.status).toBe(0);
    const log = JSON.parse(dagc(['runs', 'show', 'big', '--json'], dir).stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    expect(log.parameters.seen).toBe(5_000_000);
    // Stored once (three attempts saw it): the run log is about one copy of the value, not three.
    expect(treeBytes(path.join(dir, '.run_log_store', 'big'))).toBeLessThan(2 * 5_000_000 + 100_000);
  }, 300_000);
});
