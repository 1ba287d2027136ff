// Invariant 4 (DESIGN.md §3): the run log is never corrupted. 64 real processes write into one run at once,
// each its own branch, steps and parameter, after racing to create the run; afterwards nothing is lost and
// exactly one creator won. The children import the stores from an esbuild bundle made here, so they run the
// same code as the tests (dist/ does not export the stores).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';
import { createRunLogStore } from '../src/services/run-log/index.js';

const CHILDREN = 64;
const STEPS_PER_BRANCH = 4;

// A child: announce "ready", wait for "go" on stdin (so all creators race at once), then write.
const CHILD = `
import { createRunLogStore } from './store.mjs';
const [type, cwd, runId, index] = process.argv.slice(2);
const i = Number(index);
const store = createRunLogStore({ type, config: { log_folder: 'logs' } }, { cwd });
const step = (name, internal, stepType) => ({
  name, internal_name: internal, status: 'SUCCESS', step_type: stepType, message: '', mock: false,
  code_identities: [], attempts: [], user_defined_metrics: { child: i }, data_catalog: [],
});
process.stdout.write('ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
const record = { run_id: runId, dag_hash: 'h', use_cached: false, tag: '', original_run_id: '', status: 'PROCESSING',
  run_config: {}, created_at: 'child-' + i };
const got = await store.createRun(record, { ['init_' + i]: i }, { existsOk: true });
await store.putStep(runId, { parent: '', order: 1, step: step('par', 'par', 'parallel') });
const branch = 'par.b' + i;
await store.putBranch(runId, { parent: 'par', order: 1000 + i, branch: { internal_name: branch, status: 'PROCESSING' } });
for (let k = 0; k < ${STEPS_PER_BRANCH}; k++)
  await store.putStep(runId, { parent: branch, order: k, step: step('s' + k, branch + '.s' + k, 'task') });
await store.setParameters(runId, { ['p' + i]: i });
await store.putBranch(runId, { parent: 'par', order: 1000 + i, branch: { internal_name: branch, status: 'SUCCESS' } });
process.stdout.write(JSON.stringify({ createdAt: got.created_at }) + '\\n');
`;

interface ChildResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dagc-concurrency-'));
  await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(ROOT, 'src/services/run-log/index.ts')],
    outfile: path.join(dir, 'store.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  writeFileSync(path.join(dir, 'child.mjs'), CHILD);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts every child, waits until all are ready, then releases them together. */
async function race(type: string, cwd: string, runId: string): Promise<ChildResult[]> {
  let ready = 0;
  let releaseAll!: () => void;
  const allReady = new Promise<void>((resolve) => (releaseAll = resolve));
  const children = Array.from({ length: CHILDREN }, (_, i) => {
    const child = spawn(process.execPath, [path.join(dir, 'child.mjs'), type, cwd, runId, String(i)], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const result: ChildResult = { status: null, stdout: '', stderr: '' };
    child.stdout.on('data', (d: Buffer) => {
      const before = result.stdout;
      result.stdout += d.toString();
      if (!before.includes('ready\n') && result.stdout.includes('ready\n') && ++ready === CHILDREN)
        releaseAll();
    });
    child.stderr.on('data', (d: Buffer) => (result.stderr += d.toString()));
    const done = new Promise<ChildResult>((resolve) =>
      child.on('close', (status) => {
        result.status = status;
        resolve(result);
      }),
    );
    return { child, done };
  });
  await allReady;
  for (const { child } of children) child.stdin.end('go\n');
  return Promise.all(children.map((c) => c.done));
}

describe.each(['chunked-fs', 'file-system'])(`%s store with ${CHILDREN} concurrent processes`, (type) => {
  // No timing assertion; the generous limit is for loaded CI machines (64 node processes start on few cores).
  it('loses nothing and lets exactly one creator win', { timeout: 600_000 }, async () => {
    const cwd = path.join(dir, type);
    const runId = 'race';
    const results = await race(type, cwd, runId);
    for (const r of results)
      expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });

    const reported = new Set(
      results.map((r) => (JSON.parse(r.stdout.split('\n')[1]!) as { createdAt: string }).createdAt),
    );
    expect(reported.size).toBe(1);
    const winner = [...reported][0]!;
    expect(winner).toMatch(/^child-\d+$/);
    const winnerIndex = Number(winner.slice('child-'.length));

    const store = createRunLogStore({ type, config: { log_folder: 'logs' } }, { cwd });
    expect((await store.getRun(runId)).created_at).toBe(winner);
    const log = await store.getRunLog(runId);
    expect(Object.keys(log.steps)).toEqual(['par']);
    const branches = log.steps.par!.branches;
    expect(Object.keys(branches)).toEqual(Array.from({ length: CHILDREN }, (_, i) => `par.b${i}`));
    for (const [name, branch] of Object.entries(branches)) {
      expect(branch.status).toBe('SUCCESS');
      expect(Object.keys(branch.steps)).toEqual(
        Array.from({ length: STEPS_PER_BRANCH }, (_, k) => `${name}.s${k}`),
      );
    }
    // Only the winner's initial parameters, then every child's own parameter.
    const expected: Record<string, number> = { [`init_${winnerIndex}`]: winnerIndex };
    for (let i = 0; i < CHILDREN; i++) expected[`p${i}`] = i;
    expect(log.parameters).toEqual(expected);

    // Exactly one run on disk, and no staging folders, temp files or locks left behind.
    const logs = path.join(cwd, 'logs');
    if (type === 'chunked-fs') {
      expect(readdirSync(logs)).toEqual([runId]);
      expect(readdirSync(path.join(logs, runId)).sort()).toEqual([
        'branches',
        'map-items',
        'parameters',
        'run.json',
        'steps',
      ]);
      expect(readdirSync(path.join(logs, runId, 'branches'))).toHaveLength(CHILDREN);
      expect(readdirSync(path.join(logs, runId, 'steps'))).toHaveLength(1 + CHILDREN * STEPS_PER_BRANCH);
      expect(readdirSync(path.join(logs, runId, 'parameters'))).toHaveLength(1 + CHILDREN);
    } else {
      expect(readdirSync(logs)).toEqual([`${runId}.json`]);
      expect(existsSync(path.join(logs, `${runId}.json.lock`))).toBe(false);
    }
  });
});
