// Copies a fixture folder into a fresh temp dir, so runs write their stores and data there, never in the tree.
import { cpSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function copyFixture(source: string, prefix = 'dagc-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cpSync(source, dir, { recursive: true, filter: (src) => !src.split(path.sep).includes('expected') });
  return dir;
}

/** Every file below `dir` (recursively), as [relative path, content]. */
export function readTree(dir: string): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  const visit = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) visit(full);
      else out.push([path.relative(dir, full), readFileSync(full)]);
    }
  };
  visit(dir);
  return out;
}
