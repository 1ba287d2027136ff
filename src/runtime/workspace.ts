// The fresh folder one attempt of a step runs in (DESIGN.md §3 invariant 1): the project's files as the step
// image holds them (`.dockerignore` honoured, the compute data folders and the run log / catalog folders left
// out), an empty compute data folder for the catalog `get` to fill, and nothing else. What the step leaves
// there is what `put` records; after the attempt the folder is removed, or brought back to the image (below),
// so the next attempt starts as fresh.
//
// Every file is the workspace's own copy, as a container's files are its own: a step may append to, truncate
// or chmod any of them (as it could in its pod) and neither the project nor any other step, concurrent or
// later, sees it. (Hard links, used before, cost less but shared the file with the project: `echo x >> f` in a
// step changed the project's f, and a parallel step saw it, before the change was found after the attempt.)
//
// Cost, measured by bench/isolation.mjs against `node -e 0`: the image is snapshotted once per run, as an
// image is built once: which files it holds (the .dockerignore matched once, not per step), their mode and
// times, and the content of every file up to MAX_HELD_FILE_BYTES (MAX_HELD_BYTES in all). A new workspace is
// written from memory (open, write, futimes, close per file; no read of the project); larger files are copied
// from the project with COPYFILE_FICLONE (a reflink, no data copied, where the file system has them). Creating
// hundreds of inodes per step is what costs on ext4 under load (measured: ~0.1-1 ms each, mostly system
// time), so a used workspace is not removed but brought back to the image (`restore`: an lstat per file; a
// file whose inode, size, mode, mtime or ctime changed is written again, what the step added is unlinked, the
// data folders emptied) and handed to the next attempt; one where the step made, removed or changed a folder
// is removed instead. Folders are removed through libuv's pool: on ext4 an rmdir waits for the journal
// (measured 1-5 ms each under load, against ~0.02 ms for an unlink), which on this thread stalled the run.
import type { BigIntStats } from 'node:fs';
import { closeSync, constants, copyFileSync, fchmodSync, fstatSync, futimesSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, readlinkSync, rmdirSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeSync } from 'node:fs';
import { rm, rmdir } from '../core/fs-async.js';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DagcConfig, ServiceSection } from '../config/types.js';
import type { IgnoreMatcher } from './dockerignore.js';
import { DEFAULT_IMAGE_IGNORE, createIgnoreMatcher, parseDockerignore } from './dockerignore.js';

export interface WorkspaceOptions {
  /** The project folder (absolute): the folder the step image holds. */
  readonly project: string;
  /** Folders (absolute) that are not part of the image: the run log store, the catalog, … */
  readonly leaveOut: readonly string[];
  /** Compute data folders relative to the project: left out of the copy, created empty. */
  readonly dataFolders: readonly string[];
  /** False for steps that run no code (stubs): the workspace holds only the data folders. */
  readonly withProject: boolean;
  /**
   * The run the step belongs to: the project's image is snapshotted once per run (a project edited between two
   * runs of one process is read again). Without it, once per process.
   */
  readonly run?: string | undefined;
}

export interface Workspace {
  /** The folder the step runs in. */
  readonly dir: string;
  /**
   * Project files (relative) whose content changed through this workspace: always none, as every file in a
   * workspace is its own copy (kept for the runtime's check, which reports a write through as a failure).
   */
  changedProjectFiles(): Promise<string[]>;
  /**
   * Removes the folder (errors are ignored: a leftover temp folder must not fail a run). The runtime need not
   * wait for it: the process does not exit before pending removals end (bin/dagc.js sets exitCode, never exit()).
   */
  dispose(): Promise<void>;
}

/** A file of the image: its mode and times, and its content when small enough to hold (else read per workspace). */
interface ImageFile {
  readonly rel: string;
  readonly mode: number;
  /** Seconds, as futimes takes them. */
  readonly atime: number;
  readonly mtime: number;
  readonly content: Buffer | undefined;
}

/** The project as an image would hold it, read once per run (an image too is built once). */
interface ImageSnapshot {
  /** Folders to make, parents first. */
  readonly dirs: readonly string[];
  readonly files: readonly ImageFile[];
  /**
   * Symbolic links as they are, except that an absolute target inside the project points at the same path in
   * the workspace: through the project's own path a step could otherwise write into the project.
   */
  readonly symlinks: readonly { readonly rel: string; readonly target: string; readonly inProject: string | undefined }[];
}

/** Per project: its snapshot, the run it was taken for, and idle workspaces (built, unused) per set of data folders. */
const SNAPSHOTS = new Map<string, { readonly run: string | undefined; readonly snapshot: ImageSnapshot; readonly idle: Map<string, Built[]> }>();

/** Files up to this size are held in memory with the snapshot; larger ones are copied from the project. */
export const MAX_HELD_FILE_BYTES = 1024 * 1024;
/** At most this much content is held per project; files beyond are copied from the project. */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;

/** The process's umask (open's mode is masked by it); unknown (a worker thread): every file is chmod-ed. */
const UMASK = (() => {
  try {
    return process.umask();
  } catch {
    return 0o7777;
  }
})();

const toPosix = (p: string) => p.split(path.sep).join('/');

/**
 * More files than any step image holds: dagc was started from a folder that is not a project (a home folder,
 * /tmp), and mirroring it for every step would cost seconds or gigabytes per step. Stop early and say so.
 */
export const MAX_WORKSPACE_FILES = 20_000;

export class ProjectTooLargeError extends Error {
  constructor(readonly project: string) {
    super(
      `the folder ${project} holds more than ${MAX_WORKSPACE_FILES} files that a step image would hold, ` +
        `and every step's workspace would mirror them all; run dagc from the pipeline's project folder, ` +
        `list what the image leaves out in ${path.join(project, '.dockerignore')}, or set executor.config.shared_workspace: true`,
    );
    this.name = 'ProjectTooLargeError';
  }
}

async function readMatcher(project: string): Promise<IgnoreMatcher> {
  let lines: readonly string[];
  try {
    lines = parseDockerignore(readFileSync(path.join(project, '.dockerignore'), 'utf8'));
  } catch {
    lines = DEFAULT_IMAGE_IGNORE;
  }
  return createIgnoreMatcher(lines);
}

function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** The relative paths (posix) that never enter a workspace: data folders, stores, dagc's own folders. */
function leftOutPaths(opts: WorkspaceOptions, workspaceRoot: string): Set<string> {
  const out = new Set<string>(['.argo-volumes']);
  const add = (abs: string) => {
    if (isInside(opts.project, abs) && path.resolve(abs) !== path.resolve(opts.project)) out.add(toPosix(path.relative(opts.project, abs)));
  };
  for (const folder of opts.leaveOut) add(path.resolve(opts.project, folder));
  for (const folder of opts.dataFolders) add(path.resolve(opts.project, folder));
  add(workspaceRoot);
  return out;
}

export async function openWorkspace(opts: WorkspaceOptions): Promise<Workspace> {
  const root = tmpdir();
  if (!opts.withProject) {
    // Synchronous, as scan() and build(): a few calls, each cheaper here than a hop to libuv's pool.
    const dir = mkdtempSync(path.join(root, 'dagc-ws-'));
    try {
      for (const folder of opts.dataFolders) mkdirSync(path.resolve(dir, folder), { recursive: true });
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
    return { dir, changedProjectFiles: () => Promise.resolve([]), dispose: () => (removeAtExit ? leaveForExit(dir) : discard(dir)) };
  }
  const leftOut = leftOutPaths(opts, root);
  const key = `${opts.project}\u0000${[...leftOut].sort().join('\u0000')}`;
  let held = SNAPSHOTS.get(key);
  if (!held || held.run !== opts.run) {
    if (held) for (const idle of held.idle.values()) for (const built of idle.splice(0)) void discard(built.dir);
    held = { run: opts.run, snapshot: scan(opts.project, leftOut, await readMatcher(opts.project)), idle: new Map() };
    SNAPSHOTS.set(key, held);
  }
  const owner = held;
  const data = dataFolderPaths(opts.dataFolders);
  const poolKey = data.join('\u0000');
  let built = owner.idle.get(poolKey)?.pop();
  if (!built) {
    const dir = mkdtempSync(path.join(root, 'dagc-ws-'));
    try {
      built = build(owner.snapshot, opts.project, dir, data);
    } catch (error) {
      await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      throw error;
    }
  }
  const ws = built;
  let disposed = false;
  return {
    dir: ws.dir,
    changedProjectFiles: () => Promise.resolve([]),
    async dispose() {
      if (disposed) return;
      disposed = true;
      if (removeAtExit) return leaveForExit(ws.dir);
      let idle = owner.idle.get(poolKey);
      let restored = false;
      try {
        restored = SNAPSHOTS.get(key) === owner && (idle?.length ?? 0) < MAX_IDLE && restore(ws, owner.snapshot, opts.project, data);
      } catch {
        restored = false;
      }
      if (!restored) return discard(ws.dir);
      if (!idle) owner.idle.set(poolKey, (idle = []));
      idle.push(ws);
      cleanIdleAtExit();
    },
  };
}

/**
 * Set by a process that runs one step and exits (`dagc exec`): a used workspace is neither restored for another
 * attempt (an lstat per file, for no later use) nor removed through libuv's pool (its four threads would start
 * for the removal alone), but removed on this thread when the process exits, after the step's result is
 * recorded. The process waits for a pooled removal before it exits all the same, so the removal's own time is
 * unchanged; what goes is the restore, the threads and the hops back to the event loop (issue 16, bench/
 * runtime-scale.mjs).
 */
let removeAtExit = false;
const exitRemovals: string[] = [];

export function removeWorkspacesAtExit(): void {
  removeAtExit = true;
}

function leaveForExit(dir: string): Promise<void> {
  if (exitRemovals.length === 0)
    process.on('exit', () => {
      for (const left of exitRemovals.splice(0)) {
        try {
          removeTreeSync(left);
        } catch {
          // What the walk cannot remove (a folder the step made unreadable): rm's own walk, then give up.
          try {
            rmSync(left, { recursive: true, force: true });
          } catch {
            /* a leftover temp folder must not fail the exit */
          }
        }
      }
    });
  exitRemovals.push(dir);
  return Promise.resolve();
}

/** The data folders (posix, relative) with every parent they need, parents first. */
function dataFolderPaths(folders: readonly string[]): string[] {
  const out = new Set<string>();
  for (const folder of folders) {
    const rel = path.posix.normalize(toPosix(folder)).replace(/\/+$/, '');
    const parts = rel.split('/');
    for (let i = 1; i <= parts.length; i++) out.add(parts.slice(0, i).join('/'));
  }
  return [...out].filter((p) => p !== '' && p !== '.').sort((a, b) => a.split('/').length - b.split('/').length || (a < b ? -1 : 1));
}

/** Idle workspaces are ready (restored) folders: removed when the process is done with its work. */
let exitHooked = false;
function cleanIdleAtExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  const idleDirs = () => [...SNAPSHOTS.values()].flatMap((held) => [...held.idle.values()].flatMap((idle) => idle.splice(0).map((b) => b.dir)));
  // The event loop is empty: remove them through the pool (the folders' rmdirs overlap), then exit.
  process.on('beforeExit', () => {
    for (const dir of idleDirs()) void discard(dir);
  });
  // process.exit() or a last one: synchronously.
  process.on('exit', () => {
    for (const dir of idleDirs()) {
      try {
        removeTreeSync(dir);
      } catch {
        /* a leftover temp folder must not fail the exit */
      }
    }
  });
}

/** Removes a workspace; errors are ignored (a leftover temp folder must not fail a run). */
async function discard(dir: string): Promise<void> {
  try {
    await removeTree(dir);
  } catch {
    // Something the walk cannot remove (a folder the step made unreadable, a busy file): rm's retries.
    await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
  }
}

/**
 * Reads which of the project's files an image would hold, with their mode, times and (small ones) content.
 * Synchronous on purpose: hundreds of tiny calls cost far less on the calling thread than each hopping to
 * libuv's pool and back (measured: bench/isolation.mjs).
 */
function scan(project: string, leftOut: Set<string>, matcher: IgnoreMatcher): ImageSnapshot {
  const dirs: string[] = [];
  const files: ImageFile[] = [];
  const symlinks: { rel: string; target: string; inProject: string | undefined }[] = [];
  let held = 0;
  const made = new Set<string>(['']);
  const ensureParent = (rel: string) => {
    const parents: string[] = [];
    for (let p = path.posix.dirname(rel); p !== '.' && !made.has(p); p = path.posix.dirname(p)) parents.unshift(p);
    for (const p of parents) {
      dirs.push(p);
      made.add(p);
    }
  };
  const walk = (relDir: string): void => {
    for (const entry of readdirSync(path.join(project, relDir), { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (leftOut.has(rel)) continue;
      // The matcher also tests every parent folder, so an exception below an ignored folder is seen here.
      const ignored = matcher.ignores(rel);
      if (entry.isDirectory()) {
        // An ignored folder is entered only when an exception could bring something below it back.
        if (ignored && !matcher.hasExceptions) continue;
        if (!ignored) {
          ensureParent(rel);
          dirs.push(rel);
          made.add(rel);
        }
        walk(rel);
      } else if (ignored) {
        continue;
      } else if (entry.isSymbolicLink()) {
        ensureParent(rel);
        const target = readlinkSync(path.join(project, rel));
        const inside = path.isAbsolute(target) && isInside(project, target) ? path.relative(project, target) : undefined;
        symlinks.push({ rel, target, inProject: inside });
      } else if (entry.isFile()) {
        ensureParent(rel);
        const source = path.join(project, rel);
        const info = statSync(source);
        let content: Buffer | undefined;
        if (info.size <= MAX_HELD_FILE_BYTES && held + info.size <= MAX_HELD_BYTES) {
          try {
            content = readFileSync(source);
            held += content.length;
          } catch (error) {
            // Unreadable here (no read permission): copied per workspace, which says why if it fails.
            if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
          }
        }
        files.push({ rel, mode: info.mode & 0o7777, atime: info.atimeMs / 1000, mtime: info.mtimeMs / 1000, content });
        if (files.length > MAX_WORKSPACE_FILES) throw new ProjectTooLargeError(project);
      }
    }
  };
  walk('');
  return { dirs, files, symlinks };
}

/** rmdir calls in libuv's pool at once, at most: the rest of the run's file work shares its four threads. */
const MAX_RMDIRS = 2;
let rmdirs = 0;
const waiting: (() => void)[] = [];

async function pooledRmdir(folder: string): Promise<void> {
  if (rmdirs >= MAX_RMDIRS) await new Promise<void>((resolve) => waiting.push(resolve));
  rmdirs++;
  try {
    await rmdir(folder);
  } finally {
    rmdirs--;
    waiting.shift()?.();
  }
}

/**
 * Removes a workspace: one readdir per folder and an unlink per file on this thread (fs.rm's recursive removal
 * lstat-s every entry and hops to libuv's pool per call: two thirds of a workspace's CPU with 200 project
 * files), then the folders through libuv's pool, deepest first (an rmdir waits for ext4's journal: see the
 * head of this file). Symbolic links are unlinked, never followed.
 */
async function removeTree(dir: string): Promise<void> {
  const levels: string[][] = [];
  const walk = (folder: string, depth: number) => {
    (levels[depth] ??= []).push(folder);
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const p = folder + path.sep + entry.name;
      if (entry.isDirectory()) walk(p, depth + 1);
      else unlinkSync(p);
    }
  };
  walk(dir, 0);
  for (let depth = levels.length - 1; depth >= 0; depth--) await Promise.all(levels[depth]!.map(pooledRmdir));
}

/** What was made, as made: a changed ino, size, mode or time (ctime: no process can set it) means touched. */
interface Stamp {
  readonly ino: bigint;
  readonly size: bigint;
  readonly mode: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
}

/** A workspace folder as built: the stamp of every folder, file and link the image put there. */
interface Built {
  readonly dir: string;
  readonly stamps: Map<string, Stamp>;
}

const stampOf = (s: BigIntStats): Stamp => ({ ino: s.ino, size: s.size, mode: s.mode, mtimeNs: s.mtimeNs, ctimeNs: s.ctimeNs });
const sameStamp = (s: BigIntStats, t: Stamp) => s.ino === t.ino && s.size === t.size && s.mode === t.mode && s.mtimeNs === t.mtimeNs && s.ctimeNs === t.ctimeNs;

/** Idle workspaces kept per project and set of data folders (more are removed). */
const MAX_IDLE = 4;

/** removeTree on this thread, for the process's exit (nothing asynchronous runs then). */
function removeTreeSync(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = dir + path.sep + entry.name;
    if (entry.isDirectory()) removeTreeSync(p);
    else unlinkSync(p);
  }
  rmdirSync(dir);
}

/** Writes one held file: created exclusively, with the image's mode and times; its stamp as written. */
function writeHeld(target: string, file: ImageFile, content: Buffer): Stamp {
  const fd = openSync(target, 'wx', file.mode);
  try {
    for (let done = 0; done < content.length; ) done += writeSync(fd, content, done, content.length - done);
    if ((file.mode & ~UMASK) !== file.mode) fchmodSync(fd, file.mode);
    futimesSync(fd, file.atime, file.mtime);
    // Also makes the file system give the next change a time of its own (multigrain timestamps, Linux 6.13).
    return stampOf(fstatSync(fd, { bigint: true }));
  } finally {
    closeSync(fd);
  }
}

/** Puts one image file in place (absent there); its stamp, or undefined when the project lost it meanwhile. */
function placeFile(file: ImageFile, from: string, to: string): Stamp | undefined {
  const target = to + file.rel;
  if (file.content) return writeHeld(target, file, file.content);
  try {
    // A copy (a reflink where the file system has them) keeps the mode; the times are set as an image's.
    copyFileSync(from + file.rel, target, constants.COPYFILE_FICLONE);
    utimesSync(target, file.atime, file.mtime);
    return stampOf(lstatSync(target, { bigint: true }));
  } catch (error) {
    // Removed from the project since it was read: the image would not have it either.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    return undefined;
  }
}

function placeLink(link: ImageSnapshot['symlinks'][number], to: string): Stamp {
  symlinkSync(link.inProject === undefined ? link.target : to + link.inProject, to + link.rel);
  return stampOf(lstatSync(to + link.rel, { bigint: true }));
}

/**
 * Makes the snapshot's folders, writes its files, recreates its symlinks and makes the data folders in `dir`.
 * Paths are joined by hand: `rel` is already normalised (scan), and path.join per file was a measurable share
 * of a workspace's CPU time.
 */
function build(snapshot: ImageSnapshot, project: string, dir: string, data: readonly string[]): Built {
  const from = project + path.sep;
  const to = dir + path.sep;
  const stamps = new Map<string, Stamp>();
  for (const rel of snapshot.dirs) mkdirSync(to + rel);
  for (const file of snapshot.files) {
    const stamp = placeFile(file, from, to);
    if (stamp) stamps.set(file.rel, stamp);
  }
  for (const link of snapshot.symlinks) stamps.set(link.rel, placeLink(link, to));
  for (const rel of data) mkdirSync(to + rel, { recursive: true });
  stamps.set('', stampOf(lstatSync(dir, { bigint: true })));
  for (const rel of [...snapshot.dirs, ...data]) stamps.set(rel, stampOf(lstatSync(to + rel, { bigint: true })));
  return { dir, stamps };
}

/**
 * Brings a used workspace back to what build() made, so the next attempt can start in it: the image's files
 * and links the step left untouched stay (same inode, size, mode, mtime and ctime: nothing wrote, truncated,
 * chmod-ed or replaced them), the others are written again, what the step added is unlinked and the data
 * folders are emptied. A folder the step made, removed, replaced or changed makes it give up (false): the
 * workspace is then removed and the next attempt gets a new one. A folder's own times are not restored.
 */
function restore(ws: Built, snapshot: ImageSnapshot, project: string, data: readonly string[]): boolean {
  const from = project + path.sep;
  const to = ws.dir + path.sep;
  const files = new Map(snapshot.files.map((f) => [f.rel, f]));
  const links = new Map(snapshot.symlinks.map((l) => [l.rel, l]));
  const dataSet = new Set(data);
  const folderOk = (rel: string) => {
    const want = ws.stamps.get(rel);
    const now = lstatSync(rel === '' ? ws.dir : to + rel, { bigint: true, throwIfNoEntry: false });
    return want !== undefined && now !== undefined && now.isDirectory() && now.ino === want.ino && now.mode === want.mode;
  };
  if (!folderOk('')) return false;
  const seen = new Set<string>();
  const walk = (relDir: string): boolean => {
    const abs = relDir === '' ? ws.dir : to + relDir;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const rel = relDir === '' ? entry.name : `${relDir}/${entry.name}`;
      const p = abs + path.sep + entry.name;
      if (entry.isDirectory()) {
        if (!ws.stamps.has(rel) || files.has(rel) || links.has(rel) || !folderOk(rel)) return false;
        seen.add(rel);
        if (!walk(rel)) return false;
        continue;
      }
      // A data folder holds no image file: what is in it came from the catalog or the step.
      const file = dataSet.has(relDir) ? undefined : files.get(rel);
      const link = dataSet.has(relDir) ? undefined : links.get(rel);
      const want = ws.stamps.get(rel);
      if ((file || link) && want) {
        const now = lstatSync(p, { bigint: true });
        if (sameStamp(now, want)) {
          seen.add(rel);
          continue;
        }
      }
      unlinkSync(p);
    }
    return true;
  };
  if (!walk('')) return false;
  for (const rel of [...snapshot.dirs, ...data]) if (!seen.has(rel)) return false;
  for (const file of snapshot.files) {
    if (seen.has(file.rel) || !ws.stamps.has(file.rel)) continue;
    const stamp = placeFile(file, from, to);
    if (stamp) ws.stamps.set(file.rel, stamp);
    else ws.stamps.delete(file.rel);
  }
  for (const link of snapshot.symlinks) if (!seen.has(link.rel)) ws.stamps.set(link.rel, placeLink(link, to));
  return true;
}

/** `executor.config.shared_workspace: true`: every step runs in the working directory, as magnus did. */
export function sharedWorkspace(config: DagcConfig): boolean {
  return config.executor.config?.shared_workspace === true;
}

/** The folders the run log store and the catalog keep in the project (never part of an image). */
export function storeFolders(config: DagcConfig): string[] {
  const out: string[] = [];
  const folder = (section: ServiceSection, key: string, fallback: string) => {
    const value = section.config?.[key];
    out.push(typeof value === 'string' && value !== '' ? value : fallback);
  };
  if (config.run_log_store.type === 'chunked-fs' || config.run_log_store.type === 'file-system')
    folder(config.run_log_store, 'log_folder', '.run_log_store');
  if (config.catalog.type === 'file-system') folder(config.catalog, 'catalog_location', '.catalog');
  return out;
}
