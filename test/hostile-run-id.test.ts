// A run id is exclusive for every executor (issue 19): `dagc emulate --target argo` and `--target asl` take the
// run id before the engine starts anything, with the same compare-and-set on the run record as `dagc run` and the
// bash script's first call (`dagc fan open`, runtime/open-run.ts `exclusive`). Two emulations started at once with
// one id: one runs every step once, the other refuses with exit 2; a third after them, or one given an id that
// `dagc run` recorded, refuses too and runs nothing. Before, the second emulation joined the run and ran every
// step again. And a refused re-run (--use-cached of a run that does not exist) leaves no new run record, under
// every executor. The oracle for "ran nothing": a file outside the project that every step execution appends to
// (counted by the steps themselves, not read from the run log), and the run log folder's own listing.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';

const LEAVES = ['a', 'b', 'c'];
const PIPELINE = `dag:
  start_at: p
  steps:
    p:
      type: parallel
      branches:
${LEAVES.map(
  (b) => `        ${b}:
          start_at: t
          steps:
            t:
              type: task
              command_type: shell
              command: echo "${b}" >> "$COUNT_FILE"
              next: success
            success: {type: success}
            fail: {type: fail}
`,
).join('')}      next: success
    success: {type: success}
    fail: {type: fail}
`;

function project(): { dir: string; countFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-emulate-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-count-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  return { dir, countFile: path.join(outside, 'count') };
}

const executions = (countFile: string): string[] => (existsSync(countFile) ? readFileSync(countFile, 'utf8').trim().split('\n').sort() : []);
const runsIn = (dir: string): string[] => (existsSync(path.join(dir, '.run_log_store')) ? readdirSync(path.join(dir, '.run_log_store')).sort() : []);

const emulate = (target: string, runId: string, dir: string, countFile: string, extra: string[] = []): Promise<CliResult> =>
  runCli(['emulate', 'pipeline.yaml', '--target', target, '--run-id', runId, ...extra], { cwd: dir, env: { COUNT_FILE: countFile }, timeoutMs: 180_000 });

describe.each(['argo', 'asl'])('dagc emulate --target %s: one run id, one run', (target) => {
  it('two at once: one runs each step once, the other refuses with exit 2; a third after them refuses', async () => {
    const { dir, countFile } = project();
    const both = await Promise.all([emulate(target, 'same', dir, countFile), emulate(target, 'same', dir, countFile)]);
    expect(both.map((r) => r.status).sort(), both.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
    const refused = both.find((r) => r.status === 2)!;
    expect(refused.stderr).toContain('a run "same" already exists');
    expect(refused.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
    expect(executions(countFile)).toEqual(LEAVES);
    const third = await emulate(target, 'same', dir, countFile);
    expect(third.status, third.stderr).toBe(2);
    expect(third.stderr).toContain('a run "same" already exists');
    expect(executions(countFile)).toEqual(LEAVES);
    const shown = JSON.parse((await runCli(['runs', 'show', 'same', '--json'], { cwd: dir })).stdout) as { status: string };
    expect(shown.status).toBe('SUCCESS');
  }, 300_000);

  it('a run id dagc run recorded is refused (exit 2), and dagc run refuses the one it recorded', async () => {
    const { dir, countFile } = project();
    const ran = await runCli(['run', 'pipeline.yaml', '--run-id', 'byrun'], { cwd: dir, env: { COUNT_FILE: countFile } });
    expect(ran.status, ran.stderr).toBe(0);
    const emulated = await emulate(target, 'byrun', dir, countFile);
    expect(emulated.status, emulated.stderr).toBe(2);
    expect(emulated.stderr).toContain('a run "byrun" already exists');
    expect(executions(countFile)).toEqual(LEAVES);
    const mine = await emulate(target, 'byemulate', dir, countFile);
    expect(mine.status, mine.stderr).toBe(0);
    const again = await runCli(['run', 'pipeline.yaml', '--run-id', 'byemulate'], { cwd: dir, env: { COUNT_FILE: countFile } });
    expect(again.status, again.stderr).toBe(2);
    expect(executions(countFile)).toEqual([...LEAVES, ...LEAVES].sort());
  }, 300_000);
});

describe('an asl execution name that is not a run id', () => {
  it('is exclusive under the run id it maps to', async () => {
    const { dir, countFile } = project();
    const first = await emulate('asl', 'nightly@2024-06-01', dir, countFile);
    expect(first.status, first.stderr).toBe(0);
    const mapped = /recorded as run "([^"]+)"/.exec(first.stderr)?.[1];
    expect(mapped).toMatch(/^nightly-2024-06-01-[0-9a-f]{12}$/);
    // The run records the execution name as its tag, as the first Task would have.
    const shown = JSON.parse((await runCli(['runs', 'show', mapped!, '--json'], { cwd: dir })).stdout) as { tag: string; status: string };
    expect(shown).toMatchObject({ tag: 'execution nightly@2024-06-01', status: 'SUCCESS' });
    const second = await emulate('asl', 'nightly@2024-06-01', dir, countFile);
    expect(second.status, second.stderr).toBe(2);
    expect(second.stderr).toContain(`a run "${mapped}" already exists`);
    expect(executions(countFile)).toEqual(LEAVES);
  }, 300_000);
});

function bash(script: string, args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd, env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

describe('a refused re-run leaves no run record', () => {
  it('--use-cached of a run that does not exist: dagc run, the bash script, emulate argo and asl exit 2, no new record, nothing ran', async () => {
    const { dir, countFile } = project();
    const env = { COUNT_FILE: countFile };
    const ran = await runCli(['run', 'pipeline.yaml', '--run-id', 'old'], { cwd: dir, env });
    expect(ran.status, ran.stderr).toBe(0);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const attempts: [string, Promise<CliResult>][] = [
      ['dagc run', runCli(['run', 'pipeline.yaml', '--run-id', 'r1', '--use-cached', 'nope'], { cwd: dir, env })],
      ['bash', bash('p.sh', ['r2'], dir, { ...env, DAGC_USE_CACHED: 'nope' })],
      ['argo', emulate('argo', 'r3', dir, countFile, ['--use-cached', 'nope'])],
      ['asl', emulate('asl', 'r4', dir, countFile, ['--use-cached', 'nope'])],
    ];
    for (const [name, attempt] of attempts) {
      const r = await attempt;
      expect(r.status, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toContain('there is no run "nope"');
    }
    expect(runsIn(dir)).toEqual(['old']);
    expect(executions(countFile)).toEqual(LEAVES);
  }, 300_000);

  it('--use-cached of a run whose catalog folder is gone: refused before the record exists (dagc run, bash, argo, asl)', async () => {
    const { dir, countFile } = project();
    const env = { COUNT_FILE: countFile };
    writeFileSync(
      path.join(dir, 'catalog.yaml'),
      `dag:
  start_at: a
  steps:
    a:
      type: task
      command_type: shell
      command: mkdir -p data && echo x > data/f.txt && echo a >> "$COUNT_FILE"
      catalog: {put: [f.txt]}
      next: b
    b:
      type: task
      command_type: shell
      command: echo b >> "$COUNT_FILE"; exit 1
      next: success
    success: {type: success}
    fail: {type: fail}
`,
    );
    const old = await runCli(['run', 'catalog.yaml', '--run-id', 'old'], { cwd: dir, env });
    expect(old.status, old.stderr).toBe(1);
    rmSync(path.join(dir, '.catalog', 'old'), { recursive: true });
    const compiled = await runCli(['compile', 'catalog.yaml', '--target', 'bash', '-o', 'c.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const emulateOld = (target: string, runId: string) =>
      runCli(['emulate', 'catalog.yaml', '--target', target, '--run-id', runId, '--use-cached', 'old'], { cwd: dir, env, timeoutMs: 180_000 });
    const attempts: [string, () => Promise<CliResult>][] = [
      ['dagc run', () => runCli(['run', 'catalog.yaml', '--run-id', 'r1', '--use-cached', 'old'], { cwd: dir, env })],
      ['bash', () => bash('c.sh', ['r2'], dir, { ...env, DAGC_USE_CACHED: 'old' })],
      ['argo', () => emulateOld('argo', 'r3')],
      ['asl', () => emulateOld('asl', 'r4')],
    ];
    for (const [name, attempt] of attempts) {
      const r = await attempt();
      expect(r.status, `${name}: ${r.stderr}`).toBe(2);
      expect(r.stderr, name).toContain('Catalogs from previous run old are not found');
      // Before: dagc run left a record closed FAIL, the bash script's and the emulators' runs one too.
      expect(runsIn(dir), name).toEqual(['old']);
    }
    expect(executions(countFile)).toEqual(['a', 'b']);
  }, 300_000);
});
