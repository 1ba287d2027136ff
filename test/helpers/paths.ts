// Paths shared by the tests. ../shared is optional: tests that read it skip with a printed notice when absent.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = path.join(ROOT, 'bin', 'dagc.js');
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const HAS_SHARED = existsSync(path.join(SHARED, 'spec', 'magnus-spec.md'));

/** Call at the top of a describe block that needs ../shared; prints why it is skipped. */
export function sharedOrSkipNotice(what: string): boolean {
  if (!HAS_SHARED) console.warn(`[skip] ${what}: ../shared is absent (it sits beside the project in CI)`);
  return HAS_SHARED;
}
