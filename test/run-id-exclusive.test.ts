// A run id is exclusive (issue 19): two starters at the same moment with one run id — `dagc run`, two copies of
// the rendered bash script — one runs every step once, the other refuses with exit 2 before any step runs.
// Before, two bash scripts both passed the `runs show` check and every step ran twice. The oracle: a file outside
// the project that every step execution appends to (the executions counted by the steps themselves, not by the
// run log). local-container: test/run-id-exclusive-container.test.ts (engine suite, needs podman or docker).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';

function bash(script: string, args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
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

const LEAVES = ['a', 'b', 'c', 'd'];
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

describe('one run id, two copies of the bash script', () => {
  it('one runs each step once, the other refuses with exit 2 (3 rounds)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-exclusive-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-count-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    for (const round of [1, 2, 3]) {
      const countFile = path.join(outside, `count-${round}`);
      const env = { COUNT_FILE: countFile };
      const both = await Promise.all([bash('p.sh', [`same-${round}`], dir, env), bash('p.sh', [`same-${round}`], dir, env)]);
      expect(both.map((r) => r.status).sort(), both.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
      const executions = existsSync(countFile) ? readFileSync(countFile, 'utf8').trim().split('\n').sort() : [];
      expect(executions).toEqual(LEAVES);
      const refused = both.find((r) => r.status === 2)!;
      expect(refused.stderr).toContain(`a run "same-${round}" already exists`);
    }
  });
});

describe('one run id, two starters at once', () => {
  const starters: Record<string, (runId: string) => string[]> = {
    'dagc run': (runId) => ['run', 'pipeline.yaml', '--run-id', runId],
  };
  it.each(Object.keys(starters))('%s: one runs each step once, the other refuses with exit 2', async (name) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-exclusive-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-count-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
    const countFile = path.join(outside, 'count');
    const args = starters[name]!('same');
    const both = await Promise.all([1, 2].map(() => runCli(args, { cwd: dir, env: { COUNT_FILE: countFile }, timeoutMs: 120_000 })));
    expect(both.map((r) => r.status).sort(), both.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
    expect(both.find((r) => r.status === 2)!.stderr).toContain('a run "same" already exists');
    expect(readFileSync(countFile, 'utf8').trim().split('\n').sort()).toEqual(LEAVES);
    // A third, after the first ended, refuses too.
    const again = await runCli(args, { cwd: dir, env: { COUNT_FILE: countFile }, timeoutMs: 120_000 });
    expect(again.status, again.stderr).toBe(2);
    expect(readFileSync(countFile, 'utf8').trim().split('\n').sort()).toEqual(LEAVES);
  }, 240_000);
});
