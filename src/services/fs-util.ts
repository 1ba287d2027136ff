// Small file helpers shared by the file-based providers. Every write is atomic (shared/DESIGN.md invariant 4):
// a temp file in the same folder, then rename, so a reader sees the old content or the new, never half of it.
import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseJson } from '../core/py-float.js';

let counter = 0;

/** A temp name beside `file`, unique across processes; leading '.' so listings skip it. */
export function tempNameFor(file: string): string {
  const unique = `${process.pid}.${counter++}.${randomBytes(4).toString('hex')}`;
  return path.join(path.dirname(file), `.${path.basename(file)}.${unique}.tmp`);
}

/**
 * Writes atomically. Unlike src/core/write-file-atomic.ts it creates no folders: the run log stores rely on a
 * missing folder (ENOENT) to tell that a run does not exist.
 */
export async function writeAtomic(file: string, content: string | Buffer): Promise<void> {
  const temp = tempNameFor(file);
  try {
    await writeFile(temp, content, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/** Parsed JSON of a file, or undefined when it does not exist. */
export async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  return parseJson(text);
}

/** Runs `fn` over `items` with at most `limit` at once (reading thousands of records must not hit EMFILE). */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes (record `order`). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
