// A second Ctrl-C (issue 19): real SIGINTs sent to a `dagc run` child whose step ignores TERM and INT. The first
// one asks the steps to stop (TERM, SIGKILL after a grace); the second, sent within that grace, must SIGKILL the
// steps' process groups and close the run log FAIL, then exit 130. Before, the second one exited 130 at once:
// the run stayed PROCESSING and the step's process group kept running. Oracles: the kernel (is the step's
// `sleep` still alive: kill(pid, 0)) and the run log as `dagc runs show --json` prints it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';

// The step ignores TERM and INT (its `sleep` inherits that), so only a SIGKILL ends it before 60 s.
const PIPELINE = `dag:
  start_at: stubborn
  steps:
    stubborn:
      type: task
      command_type: shell
      command: trap '' TERM INT; sleep 60 & echo $! > "$PID_FILE"; wait
      next: success
    success: {type: success}
    fail: {type: fail}
`;

// A killed process whose parent died too waits as a zombie until something reaps it (not every container's
// PID 1 does): kill(pid, 0) still succeeds then, so Linux's /proc state says whether it runs.
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
};

const sleepMs = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a second Ctrl-C', () => {
  it('kills the steps at once and closes the run FAIL, exit 130', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-second-ctrl-c-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
    // Outside the project: a step works in a copy of it.
    const pidFile = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-second-ctrl-c-pid-')), 'sleep.pid');
    const child = spawn(process.execPath, [BIN, 'run', 'pipeline.yaml', '--run-id', 'twice'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', PID_FILE: pidFile },
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const closed = new Promise<{ code: number | null; at: number }>((resolve) => child.on('close', (code) => resolve({ code, at: Date.now() })));
    for (let i = 0; i < 300 && !(existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim()); i++) await sleepMs(50);
    const sleepPid = Number(readFileSync(pidFile, 'utf8').trim());
    expect(alive(sleepPid)).toBe(true);
    try {
      child.kill('SIGINT');
      await sleepMs(300);
      const second = Date.now();
      child.kill('SIGINT');
      const { code, at } = await closed;
      expect(code, stderr).toBe(130);
      // Well inside the 3 s TERM grace: the second one did not wait it out.
      expect(at - second).toBeLessThan(2500);
      expect(alive(sleepPid)).toBe(false);
      const shown = await runCli(['runs', 'show', 'twice', '--json'], { cwd: dir });
      expect(shown.status, shown.stderr).toBe(0);
      const log = JSON.parse(shown.stdout) as { status: string; steps: Record<string, { status: string }> };
      expect(log.status).toBe('FAIL');
      expect(log.steps.stubborn!.status).toBe('FAIL');
    } finally {
      if (alive(sleepPid)) process.kill(sleepPid, 'SIGKILL');
    }
  }, 60_000);
});
