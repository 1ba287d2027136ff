// The one atomic write (shared/DESIGN.md §3 invariant 5): the new content goes to a temp file beside the target,
// which is then renamed over it (rename(2) is atomic within a file system), so a reader sees the old content or
// the new, never half of it; a failed write leaves no temp behind. Every file dagc replaces goes through here:
// run log records, catalog files (streamed, hashed on the way), rendered manifests, caches.
//
// Not the npm package write-file-atomic: its temp names (`<file>.<hash>`) do not start with '.', which is how the
// chunked-fs run log and the catalogs skip writes in progress, it takes no stream (catalog files may be larger than
// memory), it fsyncs every write by default and installs signal-exit handlers in each `dagc exec`, and 8.x needs
// Node 22.
import { chmodSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from './fs-async.js';
import path from 'node:path';

let counter = 0;

/** A temp name beside `file`, unique across processes and hosts sharing a folder; a leading '.' so listings skip it. */
export function tempNameFor(file: string): string {
  // Math.random, not crypto: the name needs no secrecy, and the first randomBytes call seeds OpenSSL's generator,
  // which cost a `dagc exec` (one write or two per step) a noticeable part of its start (issue 16).
  const random = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  const unique = `${process.pid}.${counter++}.${random}`;
  return path.join(path.dirname(file), `.${path.basename(file)}.${unique}.tmp`);
}

/** Whether a file name (no folder) is one of tempNameFor's: a write in progress, never content. */
export function isAtomicTempName(name: string): boolean {
  return /^\..*\.\d+\.\d+\.[0-9a-f]{8}\.tmp$/.test(name);
}

export interface AtomicWriteOptions {
  /** Permission bits of the new file (default: the process's umask applied to 0o666). */
  readonly mode?: number;
  /**
   * Create missing parent folders (the default). false: a missing folder fails with ENOENT, which the run log
   * stores rely on to tell that a run does not exist.
   */
  readonly createFolders?: boolean;
}

/**
 * Replaces `file` with what `fill(temp)` writes to the temp path it is given (create it exclusively, e.g. flag
 * 'wx'); resolves to what `fill` returned.
 */
export async function replaceAtomically<T>(
  file: string,
  fill: (temp: string) => Promise<T>,
  options: AtomicWriteOptions = {},
): Promise<T> {
  if (options.createFolders ?? true) await mkdir(path.dirname(file), { recursive: true });
  const temp = tempNameFor(file);
  try {
    const result = await fill(temp);
    if (options.mode !== undefined) await chmod(temp, options.mode);
    await rename(temp, file);
    return result;
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Writes `content` to `file` atomically; a number is the mode (permission bits) of the new file. The content is
 * in memory already, so the write is synchronous (one system call each for the folder, the temp file, the mode
 * and the rename), where fs/promises took a trip through the thread pool for each step of it: run log records
 * are most of a `dagc exec`'s writes (issue 16).
 */
export async function writeFileAtomic(file: string, content: string | Buffer, options: AtomicWriteOptions | number = {}): Promise<void> {
  stageFileAtomic(file, content, options).commit();
}

/** A write staged in its temp file: `commit` puts it in place, `discard` (a no-op once committed) removes it. */
export interface StagedWrite {
  readonly file: string;
  commit(): void;
  discard(): void;
}

/**
 * writeFileAtomic in two steps: the content is in its temp file beside `file` when this returns, and `file` is
 * replaced only by `commit` (a rename). So the costly part of a write can be done while something that may
 * still refuse it runs: `dagc compile` writes a split machine's files while their validation finishes
 * (issue 16), and discards them if it fails. A temp file left by a process that died carries tempNameFor's
 * name, which listings skip.
 */
export function stageFileAtomic(file: string, content: string | Buffer, options: AtomicWriteOptions | number = {}): StagedWrite {
  const opts = typeof options === 'number' ? { mode: options } : options;
  if (opts.createFolders ?? true) mkdirSync(path.dirname(file), { recursive: true });
  const temp = tempNameFor(file);
  let done = false;
  const discard = () => {
    if (done) return;
    done = true;
    rmSync(temp, { force: true });
  };
  try {
    writeFileSync(temp, content, { flag: 'wx' });
    if (opts.mode !== undefined) chmodSync(temp, opts.mode);
  } catch (error) {
    discard();
    throw error;
  }
  return {
    file,
    commit() {
      if (done) throw new Error(`${file}: a staged write was committed or discarded already`);
      try {
        renameSync(temp, file);
        done = true;
      } catch (error) {
        discard();
        throw error;
      }
    },
    discard() {
      try {
        discard();
      } catch {
        // a leftover temp file must not hide the error that discarded it
      }
    },
  };
}
