// Small file helpers shared by the file-based providers. Their writes are atomic through src/core/write-file-atomic.ts
// and their parallel reads are limited through src/core/limit.ts.
import { readFileSync } from 'node:fs';
import { parseJson } from '../core/py-float.js';

export function isErrno(error: unknown, ...codes: string[]): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && codes.includes(code);
}

/**
 * Parsed JSON of a file, or undefined when it does not exist. Read synchronously: these are small records, and
 * fs/promises' readFile takes four trips through the thread pool (open, stat, read, close) where readFileSync
 * takes microseconds; a `dagc exec` reads and writes some thirty such files (issue 16).
 */
export async function readJsonIfExists(file: string): Promise<unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return undefined;
    throw error;
  }
  return parseJson(text);
}

/** Epoch milliseconds with sub-millisecond precision, comparable across processes (record `order`). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
