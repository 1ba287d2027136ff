// How files and repeated problems appear to users, shared by every loader.
import path from 'node:path';
import type { Diagnostic } from './diagnostics.js';

/** The path printed for a file: relative to the working directory when inside it, else absolute. */
export function displayPath(abs: string, cwd: string): string {
  const rel = path.relative(cwd, abs);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : abs;
}

/**
 * Identical diagnostics are shown once: a file included by several dag steps, or a var file that both the
 * pipeline and the config loader read, must not repeat its problems.
 */
export function uniqueDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}\0${d.start.line}:${d.start.column}\0${d.code}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
