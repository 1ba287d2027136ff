// A cross-process lock around read-modify-write of one file (the file-system run log store keeps a whole run
// in one JSON, and parallel branches run in separate processes: spec §3.6 notes magnus's store was unsafe).
// The lock is a file created with O_EXCL; whoever creates it holds the lock. The holder touches it every
// `staleMs / 4` while it works, so a lock left untouched for `staleMs` belongs to a dead process and is taken
// over. There is no overall wait limit: on a loaded machine 64 writers may queue for long, and a waiter gives
// up on nobody who is alive.
import { nodeCrypto } from '../core/lazy-crypto.js';
import { link, readFile, rename, stat, unlink, utimes, writeFile } from '../core/fs-async.js';
import { isErrno } from './fs-util.js';

export interface LockOptions {
  /** A lock untouched for this long belongs to a dead process. */
  staleMs?: number;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function withLockFile<T>(
  lockPath: string,
  work: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const staleMs = opts.staleMs ?? 10_000;
  const token = `${process.pid} ${nodeCrypto().randomBytes(6).toString('hex')}`;
  await acquire(lockPath, token, staleMs);
  const heartbeat = setInterval(() => {
    const now = new Date();
    utimes(lockPath, now, now).catch(() => undefined);
  }, staleMs / 4);
  heartbeat.unref();
  try {
    return await work();
  } finally {
    clearInterval(heartbeat);
    await release(lockPath, token);
  }
}

async function acquire(lockPath: string, token: string, staleMs: number): Promise<void> {
  let delay = 2;
  for (;;) {
    try {
      await writeFile(lockPath, token, { flag: 'wx' });
      return;
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
    if (await takeOverIfStale(lockPath, staleMs)) continue;
    // Exponential backoff with jitter, so waiting processes neither retry in lock step nor burn the CPU the
    // holder needs.
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 40);
  }
}

/**
 * Removes a stale lock. It is renamed away first and checked to be the very file judged stale (same inode):
 * if another process replaced it meanwhile with a fresh lock, that lock is put back.
 */
async function takeOverIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  let seen;
  try {
    seen = await stat(lockPath);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true; // released meanwhile: try again at once
    throw error;
  }
  if (Date.now() - seen.mtimeMs < staleMs) return false;
  const aside = `${lockPath}.stale.${process.pid}.${nodeCrypto().randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch (error) {
    if (isErrno(error, 'ENOENT')) return true;
    throw error;
  }
  const moved = await stat(aside);
  if (moved.ino !== seen.ino) {
    try {
      await link(aside, lockPath);
    } catch (error) {
      if (!isErrno(error, 'EEXIST')) throw error;
    }
  }
  await unlink(aside).catch(() => undefined);
  return true;
}

/** Removes the lock only if it is still ours (a holder that stalled may have been taken over as stale). */
async function release(lockPath: string, token: string): Promise<void> {
  try {
    if ((await readFile(lockPath, 'utf8')) === token) await unlink(lockPath);
  } catch (error) {
    if (!isErrno(error, 'ENOENT')) throw error;
  }
}
