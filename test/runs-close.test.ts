// Re-runs start from any earlier state (issue 19): a run SIGKILLed mid-step is left PROCESSING; `dagc runs close`
// marks it FAIL with a reason (every step left PROCESSING too), and `--use-cached` then resumes from it even
// though its catalog folder was never made (killed before its first task finished). A refused re-run (an
// unknown OLD id) leaves no run record behind. Oracles: the run log as `runs show --json` prints it, the exits.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';

const PIPELINE = `dag:
  start_at: stub
  steps:
    stub:
      type: stub
      next: slow
    slow:
      type: task
      command_type: shell
      command: test "\${FIX:-0}" = 1 || sleep 30
      next: success
    success: {type: success}
    fail: {type: fail}
`;

interface Log {
  status: string;
  steps: Record<string, { status: string; message: string; mock: boolean }>;
}

async function show(dir: string, runId: string): Promise<Log> {
  const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  return JSON.parse(shown.stdout) as Log;
}

describe('dagc runs close and re-runs from an abandoned run', () => {
  it('closes a SIGKILLed run FAIL with the reason; --use-cached resumes it without a catalog folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-runs-close-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
    const child = spawn(process.execPath, [BIN, 'run', 'pipeline.yaml', '--run-id', 'killed'], { cwd: dir, stdio: 'ignore', detached: true });
    for (let i = 0; i < 300; i++) {
      const shown = await runCli(['runs', 'show', 'killed', '--json'], { cwd: dir });
      if (shown.status === 0 && (JSON.parse(shown.stdout) as Log).steps.slow?.status === 'PROCESSING') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.on('close', r));
    expect((await show(dir, 'killed')).status).toBe('PROCESSING');

    // A refused re-run leaves no record.
    const refused = await runCli(['run', 'pipeline.yaml', '--run-id', 'nothing', '--use-cached', 'no-such-run'], { cwd: dir });
    expect(refused.status).toBe(2);
    expect((await runCli(['runs', 'show', 'nothing'], { cwd: dir })).status).toBe(2);

    const closed = await runCli(['runs', 'close', 'killed', '--reason', 'machine lost'], { cwd: dir });
    expect(closed.status, closed.stderr).toBe(0);
    const log = await show(dir, 'killed');
    expect(log.status).toBe('FAIL');
    expect(log.steps.slow!.status).toBe('FAIL');
    expect(log.steps.slow!.message).toContain('machine lost');
    expect((await runCli(['runs', 'close', 'killed'], { cwd: dir })).stderr).toContain('already ended FAIL');

    const resumed = await runCli(['run', 'pipeline.yaml', '--run-id', 'resumed', '--use-cached', 'killed'], { cwd: dir, env: { FIX: '1' } });
    expect(resumed.status, resumed.stdout + resumed.stderr).toBe(0);
    const relog = await show(dir, 'resumed');
    expect(relog.status).toBe('SUCCESS');
    expect([relog.steps.stub!.mock, relog.steps.slow!.mock]).toEqual([true, false]);
  }, 60_000);
});
