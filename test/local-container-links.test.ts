// Links planted by a container (issue 19). Under local-container the steps run in containers that write in the
// mounted project, while dagc on the host reads and writes the same catalog and compute data folder: a re-run
// copies the previous run's catalog folder on the host, and a `run_in_local` step's catalog put runs on the host.
// A container can plant a symbolic link there that points out of the project — the run's catalog folder
// (.catalog/RUN) or the compute data folder (data) — and the host must not follow it. The oracle: a folder
// outside the project holding one file of its own, which no container can see; it must stay as it is, and
// nothing of it may come into the project's catalog. The file-system catalog's unit test
// (src/services/catalog/folder-escape.test.ts) holds the same on the host alone; this is the end to end, in real
// containers (podman or docker; skips with a printed notice where none can run a container).
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { testImage } from './helpers/container-image.js';
import type { RunLog } from '../src/services/run-log/types.js';

const image = await testImage();
const skipReason = 'skip' in image ? image.skip : undefined;
if (skipReason) console.log(`[skip] local-container planted-link tests: ${skipReason}`);

function project(steps: Record<string, unknown>, startAt: string): { dir: string; outside: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-lc-links-'));
  const outside = mkdtempSync(path.join(tmpdir(), 'dagc-lc-outside-'));
  writeFileSync(path.join(outside, 'own.txt'), 'mine\n');
  const dag = { start_at: startAt, steps: { ...steps, success: { type: 'success' }, fail: { type: 'fail' } } };
  writeFileSync(path.join(dir, 'pipeline.yaml'), stringify({ dag }).split('OUTSIDE').join(outside));
  // The project folder itself is mounted in the containers (no workspace copy): what they write lands here.
  const executor = { type: 'local-container', config: { docker_image: 'skip' in image ? 'none' : image.image, shared_workspace: true } };
  writeFileSync(path.join(dir, 'container.yaml'), stringify({ executor }));
  return { dir, outside };
}

const show = async (dir: string, runId: string): Promise<RunLog> => JSON.parse((await runCli(['runs', 'show', runId, '--json'], { cwd: dir })).stdout) as RunLog;
const runs = (dir: string): string[] => readdirSync(path.join(dir, '.run_log_store')).sort();

describe.skipIf(skipReason !== undefined)('local-container: a link a container planted is not followed on the host', () => {
  it('the run catalog folder .catalog/RUN: a re-run does not copy the folder outside into its catalog', { timeout: 240_000 }, async () => {
    const { dir, outside } = project(
      {
        // On the host (run_in_local): the run's catalog folder is made, with f.txt in it.
        first: {
          type: 'task',
          command_type: 'shell',
          command: 'mkdir -p data && echo payload > data/f.txt',
          catalog: { put: ['f.txt'] },
          executor_config: { 'local-container': { run_in_local: true } },
          next: 'plant',
        },
        // In a container: the folder becomes a link out of the project.
        plant: { type: 'task', command_type: 'shell', command: 'rm -rf .catalog/planted && ln -s OUTSIDE .catalog/planted', next: 'success' },
      },
      'first',
    );
    const ran = await runCli(['run', 'pipeline.yaml', '-c', 'container.yaml', '--run-id', 'planted'], { cwd: dir, timeoutMs: 180_000 });
    // The planting step's own dagc (in its container) cannot write its captured output through the link either.
    expect(ran.status, ran.stderr).toBe(1);
    const planted = await show(dir, 'planted');
    expect(planted.steps['first']!.status, JSON.stringify(planted.steps['first'])).toBe('SUCCESS');
    expect(planted.steps['plant']!.code_identities.map((c) => c.code_identifier_type)).toContain('docker');
    expect(planted.steps['plant']!.status).toBe('FAIL');
    expect(readdirSync(outside)).toEqual(['own.txt']);
    // The re-run on the host would copy the previous run's catalog folder, now the link, into its own.
    const rerun = await runCli(['run', 'pipeline.yaml', '-c', 'container.yaml', '--run-id', 'again', '--use-cached', 'planted'], { cwd: dir, timeoutMs: 180_000 });
    expect(rerun.status, rerun.stderr).toBe(2);
    expect(rerun.stderr).toContain('links outside the catalog');
    expect(existsSync(path.join(dir, '.catalog', 'again'))).toBe(false);
    expect(runs(dir)).toEqual(['planted']);
    expect(readdirSync(outside)).toEqual(['own.txt']);
  });

  it('the compute data folder data: a run_in_local put does not read the folder outside into the catalog', { timeout: 240_000 }, async () => {
    const { dir, outside } = project(
      {
        plant: { type: 'task', command_type: 'shell', command: 'ln -s OUTSIDE data', next: 'put' },
        put: {
          type: 'task',
          command_type: 'shell',
          command: 'true',
          catalog: { put: ['own.txt'] },
          executor_config: { 'local-container': { run_in_local: true } },
          next: 'success',
        },
      },
      'plant',
    );
    const ran = await runCli(['run', 'pipeline.yaml', '-c', 'container.yaml', '--run-id', 'planted'], { cwd: dir, timeoutMs: 180_000 });
    expect(ran.status, ran.stderr).toBe(1);
    const log = await show(dir, 'planted');
    expect(log.steps['plant']!.status).toBe('SUCCESS');
    expect(log.steps['put']!.status).toBe('FAIL');
    expect(log.steps['put']!.message, JSON.stringify(log.steps['put'])).toContain('outside');
    expect(existsSync(path.join(dir, '.catalog', 'planted', 'own.txt'))).toBe(false);
    expect(readdirSync(outside)).toEqual(['own.txt']);
  });
});
