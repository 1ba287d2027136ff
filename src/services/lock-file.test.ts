import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withLockFile } from './lock-file.js';

describe('withLockFile', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'dagc-lock-'));
    lock = path.join(dir, 'x.lock');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('never lets two holders work at once, and removes the lock afterwards', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withLockFile(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setImmediate(resolve));
          order.push(i);
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order.sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(existsSync(lock)).toBe(false);
  });

  it('takes over a lock left by a dead process', async () => {
    writeFileSync(lock, '999999 dead');
    const old = new Date(Date.now() - 60_000);
    utimesSync(lock, old, old);
    expect(
      await withLockFile(lock, async () => readFileSync(lock, 'utf8').startsWith(`${process.pid} `)),
    ).toBe(true);
    expect(existsSync(lock)).toBe(false);
  });

  it('waits for a live holder instead of taking its lock', async () => {
    writeFileSync(lock, 'someone else');
    let entered = false;
    const waiting = withLockFile(lock, async () => (entered = true), { staleMs: 60_000 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(entered).toBe(false);
    rmSync(lock);
    await waiting;
    expect(entered).toBe(true);
  });

  it('leaves a lock that is no longer its own', async () => {
    await withLockFile(lock, async () => writeFileSync(lock, 'taken over by another process'));
    expect(readFileSync(lock, 'utf8')).toBe('taken over by another process');
  });

  it('releases the lock when the work throws', async () => {
    await expect(withLockFile(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lock)).toBe(false);
  });
});
