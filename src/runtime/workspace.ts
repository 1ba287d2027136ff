// The fresh folder one attempt of a step runs in (DESIGN.md §3 invariant 1): the project's files as the step
// image holds them (`.dockerignore` honoured, the compute data folders and the run log / catalog folders left
// out), an empty compute data folder for the catalog `get` to fill, and nothing else. What the step leaves
// there is what `put` records; the folder is removed after the attempt, so the next attempt starts fresh.
//
// Cost: files are hard-linked (one system call each; copied when the workspace is on another device or links
// are refused), measured ~10x cheaper than copying even small files. Replacing a file (rm, mv, sed -i, an
// editor's save) or creating one only touches the workspace; writing INTO a linked file would change the
// project's file, so every linked file's size and mtime are kept and compared after the attempt
// (`changedProjectFiles`), and the runtime fails the attempt and says which file. Which files the image holds
// is read once per process, as an image is built once. bench/isolation.mjs measures the per-step cost against
// `node -e 0`.
import { constants, copyFileSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readlinkSync, rmdirSync, statSync, symlinkSync, unlinkSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
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
}

export interface Workspace {
  /** The folder the step runs in. */
  readonly dir: string;
  /** Project files (relative) whose content changed through a hard link of this workspace. */
  changedProjectFiles(): Promise<string[]>;
  /**
   * Removes the folder (errors are ignored: a leftover temp folder must not fail a run). The runtime need not
   * wait for it: the process does not exit before pending removals end (bin/dagc.js sets exitCode, never exit()).
   */
  dispose(): Promise<void>;
}

/** The project as an image would hold it, read once per process (an image too is built once). */
interface ProjectPlan {
  /** Folders to make, parents first. */
  readonly dirs: readonly string[];
  readonly files: { readonly rel: string; size: number; mtimeMs: number }[];
  readonly symlinks: readonly { readonly rel: string; readonly target: string }[];
}

const PLANS = new Map<string, ProjectPlan>();

/**
 * A write into a linked file shows as a new size or mtime. One older than the workspace was the user's (the
 * project changed since it was read: the plan takes the new values); a newer one came through the workspace.
 * File systems stamp with a clock that may lag this process's by a few ms, hence the slack.
 */
const STAMP_SLACK_MS = 20;

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
    lines = parseDockerignore(await readFile(path.join(project, '.dockerignore'), 'utf8'));
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
  const opened = Date.now();
  const root = tmpdir();
  // Synchronous, as scan() and materialise(): a few calls, each cheaper here than a hop to libuv's pool.
  const dir = mkdtempSync(path.join(root, 'dagc-ws-'));
  const linked: ProjectPlan['files'] = [];
  try {
    if (opts.withProject) {
      const leftOut = leftOutPaths(opts, root);
      const key = `${opts.project}\u0000${[...leftOut].sort().join('\u0000')}`;
      let plan = PLANS.get(key);
      if (!plan) {
        plan = scan(opts.project, leftOut, await readMatcher(opts.project));
        PLANS.set(key, plan);
      }
      materialise(plan, opts.project, dir, linked);
    }
    for (const folder of opts.dataFolders) mkdirSync(path.resolve(dir, folder), { recursive: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  return {
    dir,
    // Synchronous for the same reason as scan().
    async changedProjectFiles() {
      const changed: string[] = [];
      const from = opts.project + path.sep;
      for (const file of linked) {
        const now = statSync(from + file.rel, { throwIfNoEntry: false });
        if (!now || (now.size === file.size && now.mtimeMs === file.mtimeMs)) continue;
        if (now.mtimeMs >= opened - STAMP_SLACK_MS) changed.push(file.rel);
        file.size = now.size;
        file.mtimeMs = now.mtimeMs;
      }
      return changed;
    },
    async dispose() {
      try {
        removeTree(dir);
      } catch {
        // Something the walk cannot remove (a folder the step made unreadable, a busy file): rm's retries.
        await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
      }
    },
  };
}

/**
 * Reads which of the project's files an image would hold, with their size and mtime. Synchronous on purpose:
 * hundreds of tiny calls cost far less on the calling thread than each hopping to libuv's pool and back
 * (measured: bench/isolation.mjs).
 */
function scan(project: string, leftOut: Set<string>, matcher: IgnoreMatcher): ProjectPlan {
  const plan = { dirs: [] as string[], files: [] as ProjectPlan['files'], symlinks: [] as { rel: string; target: string }[] };
  const made = new Set<string>(['']);
  const ensureParent = (rel: string) => {
    const parents: string[] = [];
    for (let p = path.posix.dirname(rel); p !== '.' && !made.has(p); p = path.posix.dirname(p)) parents.unshift(p);
    for (const p of parents) {
      plan.dirs.push(p);
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
          plan.dirs.push(rel);
          made.add(rel);
        }
        walk(rel);
      } else if (ignored) {
        continue;
      } else if (entry.isSymbolicLink()) {
        ensureParent(rel);
        plan.symlinks.push({ rel, target: readlinkSync(path.join(project, rel)) });
      } else if (entry.isFile()) {
        ensureParent(rel);
        const info = statSync(path.join(project, rel));
        plan.files.push({ rel, size: info.size, mtimeMs: info.mtimeMs });
        if (plan.files.length > MAX_WORKSPACE_FILES) throw new ProjectTooLargeError(project);
      }
    }
  };
  walk('');
  return plan;
}

/**
 * Removes a workspace: one readdir per folder, then unlink or rmdir per entry, on this thread. fs.rm's
 * recursive removal lstat-s every entry and hops to libuv's pool per call, which made removal two thirds of a
 * workspace's CPU time with 200 project files (bench/isolation.mjs). Symbolic links are unlinked, never followed.
 */
function removeTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = dir + path.sep + entry.name;
    if (entry.isDirectory()) removeTree(p);
    else unlinkSync(p);
  }
  rmdirSync(dir);
}

/** Projects whose files cannot be hard-linked into a workspace (another device: EXDEV; links refused: EPERM). */
const LINKS_REFUSED = new Set<string>();

/**
 * Makes the plan's folders, links its files (copies where links fail) and recreates its symlinks in `dir`.
 * Paths are joined by hand: `rel` is already normalised (scan), and path.join per file was a measurable share
 * of a workspace's CPU time. Once linking fails for a reason every file shares (the temp folder is on another
 * device, as with a tmpfs /tmp), the rest are copied without trying: a thrown error per file costs more than
 * the copy.
 */
function materialise(plan: ProjectPlan, project: string, dir: string, linked: ProjectPlan['files']): void {
  const from = project + path.sep;
  const to = dir + path.sep;
  for (const rel of plan.dirs) mkdirSync(to + rel);
  let link = !LINKS_REFUSED.has(project);
  for (const file of plan.files) {
    const source = from + file.rel;
    const target = to + file.rel;
    if (link)
      try {
        linkSync(source, target);
        linked.push(file);
        continue;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EXDEV' || code === 'EPERM') {
          LINKS_REFUSED.add(project);
          link = false;
        }
      }
    // Another device, or links not allowed (fs.protected_hardlinks): a copy cannot write through.
    try {
      copyFileSync(source, target, constants.COPYFILE_FICLONE);
    } catch (error) {
      // Removed from the project since it was read: the image would not have it either.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  for (const symlink of plan.symlinks) symlinkSync(symlink.target, to + symlink.rel);
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
