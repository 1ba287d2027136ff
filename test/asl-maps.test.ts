// Maps on the asl target (src/emit/asl/build-states.ts isDistributed, buildMap): a map declared wider than an
// inline Map runs at once (map_width: 41 > 40) is a Distributed Map with a MaxConcurrency, which the emulator runs
// as Step Functions does — each item a child execution with its own name and input (src/emulate/asl/aws-local.ts) —
// to dagc run's run log; a map that declared no width and has 1,001 items fails before States.ArrayRange would
// (an error no Catch sees), as an error the run closes with, naming the map and the fix.
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import type { RunLog, StepLog } from '../src/services/run-log/types.js';

const pipeline = (override: boolean) => `dag:
  start_at: shards
  steps:
    shards:
      type: map
      iterate_on: chunks
      iterate_as: chunk
${override ? '      overrides: {asl: wide}\n' : ''}      next: success
      branch:
        start_at: work
        steps:
          work: {type: task, command_type: shell, command: 'echo "chunk $chunk"', next: success}
          success: {type: success}
          fail: {type: fail}
    success: {type: success}
    fail: {type: fail}
`;

function processing(steps: Record<string, StepLog>): string[] {
  return Object.values(steps).flatMap((s) => [
    ...(s.status === 'PROCESSING' ? [s.internal_name] : []),
    ...Object.values(s.branches ?? {}).flatMap((b) => [...(b.status === 'PROCESSING' ? [b.internal_name] : []), ...processing(b.steps)]),
  ]);
}

describe('asl maps: distributed over 40, guarded without a width', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => s3?.close());

  function project(name: string, items: number, override: boolean, extra: Record<string, unknown> = {}): string {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-maps-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline(override));
    writeFileSync(path.join(dir, 'params.yaml'), `chunks: [${Array.from({ length: items }, (_, i) => i).join(', ')}]\n`);
    writeFileSync(
      path.join(dir, 'asl.yaml'),
      JSON.stringify({
        executor: {
          type: 'asl',
          config: {
            image: 'dagc:test',
            job_queue: 'arn:aws:batch:us-east-1:000000000000:job-queue/q',
            job_definition: 'arn:aws:batch:us-east-1:000000000000:job-definition/d:1',
            ...extra,
          },
        },
        run_log_store: { type: 's3', config: s3.config(`${name}/runs/`) },
        catalog: { type: 's3', config: s3.config(`${name}/catalog/`) },
      }),
    );
    return dir;
  }

  async function runLog(dir: string, runId: string): Promise<RunLog> {
    const shown = await runCli(['runs', 'show', runId, '--json', '-c', 'asl.yaml'], { cwd: dir, env: s3.env });
    expect(shown.status, shown.stderr).toBe(0);
    return JSON.parse(shown.stdout) as RunLog;
  }

  it('map_width: 41 is a Distributed Map (MaxConcurrency 50 by default), run as child executions', { timeout: 600_000 }, async () => {
    const dir = project('w41', 41, true, { overrides: { wide: { map_width: 41 } } });
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml', '-p', 'params.yaml'], { cwd: dir, env: s3.env });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain('"Mode": "DISTRIBUTED"');
    expect(compiled.stdout).toContain('"MaxConcurrency": 50');
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml', '-p', 'params.yaml', '--run-id', 'w41'], { cwd: dir, env: s3.env, timeoutMs: 500_000 });
    expect(r.status, r.stderr).toBe(0);
    const log = await runLog(dir, 'w41');
    const branches = Object.values(log.steps.shards!.branches);
    expect(branches).toHaveLength(41);
    expect(new Set(branches.map((b) => b.status))).toEqual(new Set(['SUCCESS']));
    // The oracle: dagc run of the same pipeline records the same branches.
    const reference = await runCli(['run', 'pipeline.yaml', '-p', 'params.yaml', '--run-id', 'w41-ref'], { cwd: dir, timeoutMs: 300_000 });
    expect(reference.status, reference.stderr).toBe(0);
    const shown = await runCli(['runs', 'show', 'w41-ref', '--json'], { cwd: dir });
    const ref = JSON.parse(shown.stdout) as RunLog;
    expect(Object.keys(log.steps.shards!.branches).sort()).toEqual(Object.keys(ref.steps.shards!.branches).sort());
  });

  it('max_concurrency: 200 makes a Distributed Map (an inline one runs 40 at once)', async () => {
    const dir = project('c200', 3, true, { overrides: { wide: { max_concurrency: 200 } } });
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml', '-p', 'params.yaml'], { cwd: dir, env: s3.env });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain('"Mode": "DISTRIBUTED"');
    expect(compiled.stdout).toContain('"MaxConcurrency": 200');
  });

  it('1,001 items in a map that declared no width: a clear failure the run closes with, not States.ArrayRange', { timeout: 600_000 }, async () => {
    // The local defaults (no asl config: the emulator fills in placeholders and reads the store's map items).
    const dir = project('w1001', 1001, false);
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'params.yaml', '--run-id', 'w1001'], { cwd: dir, timeoutMs: 500_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).not.toContain('States.Runtime');
    const shown = await runCli(['runs', 'show', 'w1001', '--json'], { cwd: dir });
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    expect(log.status).toBe('FAIL');
    expect(processing(log.steps)).toEqual([]);
    expect(log.steps.shards?.status).toBe('FAIL');
    expect(log.steps.shards?.message).toContain('dagc.MapTooWide: the map has 1001 items');
    expect(log.steps.shards?.message).toContain('declare map_width');
  });
});
