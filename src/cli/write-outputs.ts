// Writing compiled files (the library returns their bytes, src/library/compile.ts): via temp file + rename so an
// existing file is never left half-written. --check compares instead of writing.
import { readFile } from '../core/fs-async.js';
import { stageFileAtomic, writeFileAtomic } from '../core/write-file-atomic.js';
import type { StagedWrite } from '../core/write-file-atomic.js';

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

/** writeOutput in two steps (write-file-atomic.ts stageFileAtomic): the text in a temp file beside `target`
 * now, put in place by `commit`. */
export function stageOutput(target: string, text: string, mode?: number): StagedWrite {
  return stageFileAtomic(target, text, mode);
}
