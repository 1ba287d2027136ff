// Writing compiled files (the library returns their bytes, src/library/compile.ts): via temp file + rename so an
// existing file is never left half-written. --check compares instead of writing.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../core/write-file-atomic.js';

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
