// Issue 16 at full size (an engine suite: it runs for minutes; test/scale-runtime.test.ts is the fast version):
// a map over 100,000 items (stub leaf) completes under `dagc run` and `ulimit -n 1024` with a run log under
// 200 MB and peak memory under 1 GB (/usr/bin/time -v), and `dagc runs show --json` streams it with bounded
// memory. Before issue 16 the run log grew with the square of the width (~350 GB extrapolated at 100,000) and
// fan-in failed with EMFILE from 2,000 items.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { cpSync, createReadStream, existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { gunzipSync } from 'node:zlib';
import { BIN, ROOT } from './helpers/paths.js';
import { runCli } from './helpers/cli.js';
import { scrubRunLog } from './helpers/run-log-compare.js';
import type { RunLog } from '../src/services/run-log/types.js';

const ITEMS = 100_000;
const TIME = '/usr/bin/time';

function timed(args: string[], cwd: string, stdoutFile?: string) {
  const out = stdoutFile ? ` > '${stdoutFile}'` : ' > /dev/null';
  const cmd = `ulimit -n 1024 && exec ${TIME} -v '${process.execPath}' '${BIN}' ${args.map((a) => `'${a}'`).join(' ')}${out}`;
  const r = spawnSync('bash', ['-c', cmd], { cwd, encoding: 'utf8', maxBuffer: 1 << 26, timeout: 3_600_000 });
  const peakKb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  return { status: r.status, stderr: r.stderr, peakBytes: peakKb * 1024 };
}

function treeBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(path.join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

describe('a map of 100,000 items (issue 16)', () => {
  it('completes under dagc run with a run log under 200 MB and peak memory under 1 GB; runs show --json streams it', async () => {
    if (!existsSync(TIME)) {
      console.warn(`[skip] 100,000-item map: ${TIME} is not installed to measure peak memory`);
      return;
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-100k-'));
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'dag:\n  start_at: M\n  steps:\n    M:\n      type: map\n      iterate_on: items\n      iterate_as: item\n      branch:\n        start_at: leaf\n        steps:\n          leaf: {type: stub, next: success}\n          success: {type: success}\n          fail: {type: fail}\n      next: success\n    success: {type: success}\n    fail: {type: fail}\n',
    );
    writeFileSync(path.join(dir, 'parameters.yaml'), `items: [${[...Array(ITEMS).keys()].join(', ')}]\n`);

    const run = timed(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'wide'], dir);
    expect(run.stderr).not.toMatch(/EMFILE|E2BIG|internal error/);
    expect(run.status).toBe(0);
    expect(run.peakBytes).toBeLessThan(1e9);
    expect(treeBytes(path.join(dir, '.run_log_store', 'wide'))).toBeLessThan(200e6);

    const shown = path.join(dir, 'shown.json');
    const show = timed(['runs', 'show', 'wide', '--json'], dir, shown);
    expect(show.status).toBe(0);
    expect(show.peakBytes).toBeLessThan(1e9);
    // Read back line by line (the document is ~275 MB): every item's leaf and success succeeded, once each.
    const leaves = new Set<string>();
    let successes = 0;
    let notSuccess = 0;
    for await (const line of createInterface({ input: createReadStream(shown) })) {
      const leaf = /^\s+"internal_name": "M\.(\d+)\.leaf",$/.exec(line);
      if (leaf) leaves.add(leaf[1]!);
      if (/^\s+"internal_name": "M\.\d+\.success",$/.test(line)) successes++;
      if (/^\s+"status": "(FAIL|PROCESSING)",?$/.test(line)) notSuccess++;
    }
    expect(leaves.size).toBe(ITEMS);
    expect(successes).toBe(ITEMS);
    expect(notSuccess).toBe(0);
  }, 3_600_000);

  // One process per step: the wide map of the fast suite (200 items, a list shared by 601 attempts) through the
  // rendered bash script and the Argo emulator, each equal to the run log dagc 8e1776e's `dagc run` recorded.
  it.each(['bash', 'argo'])('the %s target records the 200-item map of fixtures/scale/wide-map as dagc run did before', async (target) => {
    const fixture = path.join(ROOT, 'fixtures', 'scale', 'wide-map');
    const dir = mkdtempSync(path.join(tmpdir(), `dagc-wide-${target}-`));
    cpSync(fixture, dir, { recursive: true });
    const ran = await runCli(['emulate', 'pipeline.yaml', '--target', target, '-p', 'parameters.yaml', '--run-id', 'wide-map-run'], { cwd: dir, timeoutMs: 3_000_000 });
    expect(ran.status, ran.stderr.slice(-2000)).toBe(0);
    const shown = await runCli(['runs', 'show', 'wide-map-run', '--json'], { cwd: dir });
    const before = JSON.parse(gunzipSync(readFileSync(path.join(fixture, 'reference.json.gz'))).toString('utf8')) as RunLog;
    expect(scrubRunLog(JSON.parse(shown.stdout) as RunLog)).toEqual(scrubRunLog(before));
  }, 3_600_000);
});
