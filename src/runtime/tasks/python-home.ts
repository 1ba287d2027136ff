// Where the shipped Python files (`python/`: the shim and the magnus/dagc compatibility modules) live. They sit
// at the package root, beside package.json; this file runs from src/runtime/tasks under vitest and from a
// bundled chunk in dist/ (dist/chunks/…) once built, so we walk up rather than assume a depth.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** Absolute path of the package's `python/` folder; throws when the package is incomplete. */
export function pythonHome(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = path.join(dir, 'python');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(candidate, 'dagc_shim.py'))) {
      cached = candidate;
      return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir)
      throw new Error('the python/ folder of the dagc package was not found (reinstall dagc)');
    dir = parent;
  }
}
