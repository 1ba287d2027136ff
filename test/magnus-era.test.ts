// The magnus era (src/config/magnus-era.ts) seen from the command line, and the other magnus-compatibility options
// of issue 15 that need no magnus to check: a put/get that matches nothing under one era's compute data folder
// but would under the other says so; --magnus and the config key choose the era; --log-level decides what a run
// prints, never what it records. (Against magnus itself: test/magnus-diff.)
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunLog } from '../src/services/run-log/types.js';
import { runCli } from './helpers/cli.js';

// magnus 0.5's retry-fail example in miniature: paths relative to the working directory, as 0.5 meant them.
const PIPELINE = `dag:
  start_at: create
  steps:
    create:
      type: task
      command_type: shell
      command: mkdir -p data && echo hello > data/hello.txt
      catalog:
        put:
          - data/hello.txt
      next: retrieve
    retrieve:
      type: task
      command_type: shell
      command: cat data/hello.txt
      catalog:
        get:
          - data/hello.txt
      next: success
    success:
      type: success
    fail:
      type: fail
`;

function project(extra: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-era-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  for (const [name, text] of Object.entries(extra)) writeFileSync(path.join(dir, name), text);
  return dir;
}

async function runLog(dir: string, runId: string, config: string[] = []): Promise<RunLog> {
  const shown = await runCli(['runs', 'show', runId, '--json', ...config], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as RunLog;
}

describe.concurrent('magnus eras', () => {
  it('without an era, 0.5-style paths match nothing under "data": a put warns and a get fails, both naming "."', async () => {
    const dir = project();
    const r = await runCli(['run', 'pipeline.yaml', '--run-id', 'plain'], { cwd: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('catalog put "data/hello.txt" matched nothing under compute_data_folder "data", but would match data/hello.txt under ".": this pipeline looks written for magnus 0.5');
    // A get finds the file where a 0.5-style step put it (this one names "." itself), not under "data".
    const mixed = project();
    writeFileSync(path.join(mixed, 'pipeline.yaml'), PIPELINE.replace('      catalog:\n        put:', '      catalog:\n        compute_data_folder: "."\n        put:'));
    expect((await runCli(['run', 'pipeline.yaml', '--run-id', 'mixed'], { cwd: mixed })).status).toBe(1);
    const log = await runLog(mixed, 'mixed');
    expect(log.steps.create!.status).toBe('SUCCESS');
    expect(log.steps.retrieve!.message).toBe(
      'catalog get failed: nothing in .catalog/mixed/data matches "data/hello.txt" (the catalog of run mixed): an earlier step must put it there; ' +
        'under compute_data_folder "." it would get data/hello.txt: this pipeline looks written for magnus 0.5 (compute_data_folder "."): run it with --magnus 0.5, or set catalog.config.compute_data_folder',
    );
  });

  it('--magnus 0.5 (or magnus: 0.5 in the config) resolves them against ".", names captured output as 0.5 did and records the era', async () => {
    for (const [runId, args, extra] of [
      ['flag', ['--magnus', '0.5.1'], {}],
      ['key', ['-c', 'c.yaml'], { 'c.yaml': 'magnus: 0.5\n' }],
    ] as const) {
      const dir = project(extra);
      const r = await runCli(['run', 'pipeline.yaml', '--run-id', runId, ...args], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      const log = await runLog(dir, runId, args[0] === '-c' ? ['-c', 'c.yaml'] : []);
      expect(log.steps.create!.data_catalog.map((e) => `${e.stage} ${e.name}`)).toEqual(['put create.execution.log', 'put data/hello.txt']);
      expect(log.steps.retrieve!.data_catalog.map((e) => `${e.stage} ${e.name}`)).toEqual(['get data/hello.txt', 'put retrieve.execution.log']);
      expect((log.run_config as { catalog: { config: Record<string, unknown> } }).catalog.config.compute_data_folder).toBe('.');
    }
  });

  it('--magnus 0.3 catalogues no captured output (magnus 2022 had none); a folder the config names stays', async () => {
    const dir = project({ 'c.yaml': 'catalog:\n  type: file-system\n  config:\n    compute_data_folder: "."\n' });
    const r = await runCli(['run', 'pipeline.yaml', '--run-id', 'old', '--magnus', '0.3.11', '-c', 'c.yaml'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const log = await runLog(dir, 'old', ['-c', 'c.yaml']);
    expect(log.steps.create!.data_catalog.map((e) => e.name)).toEqual(['data/hello.txt']);
  });

  it('a version that is not one is refused before anything runs (exit 2)', async () => {
    const dir = project({ 'c.yaml': 'magnus: latest\n' });
    const flag = await runCli(['run', 'pipeline.yaml', '--magnus', 'newest'], { cwd: dir });
    expect(flag.status).toBe(2);
    expect(flag.stderr).toContain('--magnus newest: not a magnus version');
    const key = await runCli(['run', 'pipeline.yaml', '-c', 'c.yaml'], { cwd: dir });
    expect(key.status).toBe(2);
    expect(key.stderr).toContain('c.yaml:1:');
    expect(key.stderr).toContain('"latest" is not a magnus version');
  });
});

describe.concurrent('--log-level', () => {
  it('ERROR prints the failed step only; the summary and the run log are the same at every level', async () => {
    const dir = project();
    const quiet = await runCli(['run', 'pipeline.yaml', '--run-id', 'quiet', '--log-level', 'ERROR'], { cwd: dir });
    const loud = await runCli(['run', 'pipeline.yaml', '--run-id', 'loud', '--log-level', 'debug'], { cwd: dir });
    expect([quiet.status, loud.status]).toEqual([1, 1]);
    expect(loud.stderr).toContain('▶ create');
    expect(loud.stderr).toContain('warning');
    expect(quiet.stderr).not.toContain('▶');
    expect(quiet.stderr).not.toContain('warning');
    expect(quiet.stderr).toContain('✗ retrieve FAIL');
    const summary = (text: string) => text.split('\n').find((l) => l.startsWith('run '))!.replace(/ in [\d.]+s/, '').replace(/quiet|loud/, 'ID');
    expect(summary(quiet.stderr)).toBe(summary(loud.stderr));
    const strip = (log: RunLog) => Object.values(log.steps).map((s) => [s.name, s.status, s.attempts.length, s.data_catalog.length]);
    expect(strip(await runLog(dir, 'quiet'))).toEqual(strip(await runLog(dir, 'loud')));
  });

  it('an unknown level is a usage error (exit 2)', async () => {
    const r = await runCli(['run', 'pipeline.yaml', '--log-level', 'LOUD'], { cwd: project() });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--log-level LOUD: one of DEBUG, INFO, WARNING, ERROR, FATAL');
  });
});
