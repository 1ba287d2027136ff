// Builds dist/ once before the suite: end-to-end tests spawn the real bin/dagc.js, as users do.
// Also pins DAGC_PYTHON to the real interpreter: on machines where `python3` is a pyenv shim, every Python
// step would otherwise pay the shim's start-up (seconds on a loaded machine), which says nothing about dagc.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export default function setup(): () => void {
  // dagc's own cache (container probes) goes to a folder of this test run, never the user's ~/.cache.
  const cache = mkdtempSync(path.join(tmpdir(), 'dagc-test-cache-'));
  process.env.DAGC_CACHE_DIR = cache;
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
  if (!process.env.DAGC_PYTHON) {
    try {
      process.env.DAGC_PYTHON = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' }).trim();
    } catch {
      /* no python3: Python tests report it themselves */
    }
  }
  return () => rmSync(cache, { recursive: true, force: true });
}
