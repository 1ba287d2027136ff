// The bash target, end to end: golden scripts for the conformance set (checked by bash -n and shellcheck),
// byte-stable compiles, and every case run for real under bash with the same run log as `dagc run`.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { CONFORMANCE, caseNames, expectedFile, inputArgs, playCase } from './helpers/conformance.js';
import { BIN } from './helpers/paths.js';
import { copyFixture } from './helpers/fixture-dir.js';

const HAS_SHELLCHECK = spawnSync('shellcheck', ['--version']).status === 0;
if (!HAS_SHELLCHECK) console.warn('[skip] shellcheck checks: shellcheck is not installed (.ci/run installs it)');

function bash(script: string, args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd,
      env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}`, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

describe.each(caseNames())('bash target: %s', (name) => {
  const source = path.join(CONFORMANCE, name);

  it('compiles to the golden script, byte for byte, from any working directory', async () => {
    const here = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', ...inputArgs(source)], { cwd: source });
    expect(here.status, here.stderr).toBe(0);
    await expect(here.stdout).toMatchFileSnapshot(path.join(source, 'expected', 'bash.sh'));
    const again = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', ...inputArgs(source)], { cwd: source });
    expect(again.stdout).toBe(here.stdout);
    // From another working directory, with -o next to the pipeline: the same bytes.
    const copy = copyFixture(source);
    const abs = inputArgs(copy).map((a) => (a.endsWith('.yaml') ? path.join(copy, a) : a));
    const elsewhere = await runCli(
      ['compile', path.join(copy, 'pipeline.yaml'), '--target', 'bash', ...abs, '-o', path.join(copy, 'pipeline.sh')],
      { cwd: tmpdir() },
    );
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(readFileSync(path.join(copy, 'pipeline.sh'), 'utf8')).toBe(here.stdout);
  });

  it('passes bash -n and shellcheck', async () => {
    // The script as compiled now (equal to the golden, by the test above).
    const dir = copyFixture(source);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', ...inputArgs(source), '-o', 'x.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const script = path.join(dir, 'x.sh');
    const syntax = spawnSync('bash', ['-n', script], { encoding: 'utf8' });
    expect(syntax.status, syntax.stderr).toBe(0);
    if (!HAS_SHELLCHECK) return;
    const lint = spawnSync('shellcheck', ['-s', 'bash', script], { encoding: 'utf8' });
    expect(lint.status, lint.stdout + lint.stderr).toBe(0);
  });

  it('runs under real bash with the same run log as dagc run', async () => {
    await playCase(
      name,
      async (dir, runId, run) => {
        const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', ...inputArgs(dir), '-o', 'pipeline.sh'], { cwd: dir });
        expect(compiled.status, compiled.stderr).toBe(0);
        const cached: Record<string, string> = run.args?.[0] === '--use-cached' ? { DAGC_USE_CACHED: run.args[1]! } : {};
        return bash('pipeline.sh', [runId], dir, { ...run.env, ...cached });
      },
      async (runId, scrubbed) => expect(scrubbed).toBe(readFileSync(expectedFile(name, runId), 'utf8')),
    );
  });
});

describe('bash target: safety and resumption', () => {
  it('--check exits 1 for a stale file and 0 for a current one', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'default-fail'));
    expect((await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir })).status).toBe(0);
    expect((await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh', '--check'], { cwd: dir })).status).toBe(0);
    writeFileSync(path.join(dir, 'p.sh'), readFileSync(path.join(dir, 'p.sh'), 'utf8') + '# edited\n');
    const stale = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh', '--check'], { cwd: dir });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('out of date');
  });

  it('a killed script leaves a readable run log, and a re-run resumes from it', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'rerun'));
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8').replace(
        'command: test "${FIX:-0}" = 1 && cat data/prepared.txt',
        'command: test "${FIX:-0}" = 1 || sleep 30',
      ),
    );
    expect((await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir })).status).toBe(0);
    const child = spawn('bash', ['p.sh', 'killed'], {
      cwd: dir,
      detached: true,
      env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}` },
      stdio: 'ignore',
    });
    // Wait until the slow step is running, then kill the whole script (its process group).
    for (let i = 0; i < 600; i++) {
      const shown = await runCli(['runs', 'show', 'killed', '--json'], { cwd: dir });
      if (shown.status === 0 && JSON.parse(shown.stdout).steps.fragile?.status === 'PROCESSING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(-child.pid!, 'SIGTERM');
    await new Promise((r) => child.on('close', r));
    const after = await runCli(['runs', 'show', 'killed', '--json'], { cwd: dir });
    expect(after.status, after.stderr).toBe(0);
    const log = JSON.parse(after.stdout);
    expect(log.steps.prepare.status).toBe('SUCCESS');
    expect(['FAIL', 'PROCESSING']).toContain(log.steps.fragile.status);
    const resumed = await bash('p.sh', ['resumed'], dir, { DAGC_USE_CACHED: 'killed', FIX: '1' });
    expect(resumed.status, resumed.stderr).toBe(0);
    const relog = JSON.parse((await runCli(['runs', 'show', 'resumed', '--json'], { cwd: dir })).stdout);
    expect([relog.steps.prepare.mock, relog.steps.inspect.mock, relog.steps.fragile.mock]).toEqual([true, true, false]);
    expect(relog.status).toBe('SUCCESS');
  });

  it('says how to get dagc and exits 2 when dagc is not on the PATH and DAGC_BIN is not set', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'stubs-parallel'));
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const env: Record<string, string> = { PATH: '/usr/bin:/bin' };
    const ran = spawnSync('bash', ['p.sh', 'nodagc'], { cwd: dir, env, encoding: 'utf8' });
    expect(ran.status).toBe(2);
    expect(ran.stderr).toContain('install dagc so that `dagc` is on the PATH, or point DAGC_BIN at it');
    const wrong = spawnSync('bash', ['p.sh', 'nodagc'], { cwd: dir, env: { ...env, DAGC_BIN: '/nowhere/dagc' }, encoding: 'utf8' });
    expect(wrong.status).toBe(2);
    expect(wrong.stderr).toContain('cannot find "/nowhere/dagc"');
  });

  it('dagc emulate --target bash runs the script and records the run', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'stubs-parallel'));
    const result = await runCli(['emulate', 'pipeline.yaml', '--target', 'bash', '--run-id', 'emu'], { cwd: dir });
    expect(result.status, result.stderr).toBe(0);
    const shown = await runCli(['runs', 'show', 'emu', '--json'], { cwd: dir });
    expect(JSON.parse(shown.stdout).status).toBe('SUCCESS');
  });
});
