// README.md's "A short tour": every line runs as written, in order, from a fresh copy of examples/quickstart.
// The copy sits under the project's .tmp/ so that `npx dagc` finds this dagc, as it does in a clone.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';

/** The tour's command lines, comments dropped. */
function tourLines(): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = /## A short tour\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md has no "A short tour" sh block');
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/\s{2,}#.*$/, '').trim())
    .filter((line) => line !== '');
}

function sh(line: string, cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
    delete env.DAGC_BIN;
    const child = spawn('bash', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('README tour', () => {
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = path.join(mkdtempSync(path.join(ROOT, '.tmp', 'tour-')), 'quickstart');
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('names only files the quickstart has, and every line exits 0 in order', { timeout: 900_000 }, async () => {
    cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
      recursive: true,
      filter: (src) => !/[\\/](\.run_log_store|\.catalog|data|\.argo-volumes|out|run\.sh)$/.test(src),
    });
    const lines = tourLines();
    expect(lines.length).toBeGreaterThan(10);
    for (const line of lines) {
      const ran = await sh(line, dir);
      expect(ran.status, `${line}\n${ran.output}`).toBe(0);
    }
  });
});
