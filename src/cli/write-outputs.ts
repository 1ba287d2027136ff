// The one place generated files are serialised and written (shared/STYLE.md §6.2): JSON/YAML with sorted-free
// but stable key order as the emitter built it, formatted by prettier; written via temp file + rename so an
// existing file is never left half-written. --check compares instead of writing.
import { readFile } from 'node:fs/promises';
import { stringify } from 'yaml';
import type { OutputFile } from '../emit/types.js';
import { writeFileAtomic } from '../core/write-file-atomic.js';

export async function serialiseOutput(file: OutputFile): Promise<string> {
  if (file.format === 'text') return file.body.endsWith('\n') ? file.body : file.body + '\n';
  const prettier = await import('prettier');
  if (file.format === 'json') return prettier.format(JSON.stringify(file.body), { parser: 'json' });
  // Static import: the bundle inlines yaml (CommonJS), whose dynamic import only has a default export.
  return prettier.format(stringify(file.body, { lineWidth: 0 }), { parser: 'yaml' });
}

export type CheckResult = 'same' | 'different' | 'missing';

export async function checkOutput(target: string, text: string): Promise<CheckResult> {
  try {
    return (await readFile(target, 'utf8')) === text ? 'same' : 'different';
  } catch {
    return 'missing';
  }
}

export async function writeOutput(target: string, text: string, mode?: number): Promise<void> {
  await writeFileAtomic(target, text, mode);
}
