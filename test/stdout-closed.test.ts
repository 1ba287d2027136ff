// A reader of stdout that goes away before dagc has written everything (`dagc compile … | head`): dagc drops the
// rest of its output and ends as it would have, with no stack trace (an unhandled EPIPE 'error' event printed one).
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BIN } from './helpers/paths.js';
import { chainPipeline } from '../fixtures/scale/scale-pipelines.mjs';

function closedEarly(args: string[], cwd: string): Promise<{ status: number | null; stderr: string; got: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    let got = 0;
    child.stderr.on('data', (d) => (stderr += d));
    // The first chunk read, the pipe is closed, as head does once it has its lines.
    child.stdout.once('data', (d: Buffer) => {
      got = d.length;
      child.stdout.destroy();
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr, got }));
  });
}

describe('stdout closed by its reader', () => {
  it('compile of a large pipeline to stdout ends with its own exit code and no stack trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-epipe-'));
    try {
      // Large enough that the output is far more than one pipe buffer (64 KiB).
      writeFileSync(path.join(dir, 'chain.yaml'), chainPipeline({ steps: 2000, shell: true }));
      const r = await closedEarly(['compile', 'chain.yaml', '--target', 'bash'], dir);
      expect(r.got).toBeGreaterThan(0);
      expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
