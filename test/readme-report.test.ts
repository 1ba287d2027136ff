// README.md's "Looking at a run": every line runs as written after a run of the quickstart, from a fresh copy
// of examples/quickstart under the project's .tmp/ (so `npx dagc` finds this dagc, as in a clone), and writes
// what it says.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from './helpers/paths.js';

function blockLines(heading: string): string[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const block = new RegExp(`## ${heading}\\n[\\s\\S]*?\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!block) throw new Error(`README.md has no "${heading}" sh block`);
  return block[1]!
    .split('\n')
    .map((line) => line.replace(/(^|\s{2,})#.*$/, '').trim())
    .filter((line) => line !== '');
}

function sh(line: string, cwd: string): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1' };
    const child = spawn('bash', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output }));
  });
}

describe('README: looking at a run', () => {
  mkdirSync(path.join(ROOT, '.tmp'), { recursive: true });
  const dir = path.join(mkdtempSync(path.join(ROOT, '.tmp', 'report-tour-')), 'quickstart');
  afterAll(() => rmSync(path.dirname(dir), { recursive: true, force: true }));

  it('every line exits 0 after a run and writes the page and the drawing', { timeout: 300_000 }, async () => {
    cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, {
      recursive: true,
      filter: (src) => !/[\\/](\.run_log_store|\.catalog|data|\.argo-volumes|out|run\.sh)$/.test(src),
    });
    const first = await sh('npx dagc run pipeline.yaml -p parameters.yaml', dir);
    expect(first.status, first.output).toBe(0);
    const lines = blockLines('Looking at a run');
    expect(lines).toHaveLength(3);
    const outputs: string[] = [];
    for (const line of lines) {
      const ran = await sh(line, dir);
      expect(ran.status, `${line}\n${ran.output}`).toBe(0);
      outputs.push(ran.output);
    }
    expect(readFileSync(path.join(dir, 'run.html'), 'utf8')).toContain('<svg');
    expect(existsSync(path.join(dir, 'run.svg'))).toBe(true);
    // runs show --logs: the report step's own lines (quickstart pipeline.yaml echoes "best score: …").
    expect(outputs[1]).toMatch(/\| best score: \d+/);
  });
});
