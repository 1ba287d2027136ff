// The fresh folder one attempt of a step runs in (DESIGN.md §3 invariant 1): the project's files as the step
// image holds them (`.dockerignore` honoured, the compute data folders and the run log / catalog folders left
// out), an empty compute data folder for the catalog `get` to fill, and nothing else. What the step leaves
// there is what `put` records; the folder is removed after the attempt, so the next attempt starts fresh.
//
// Cost: files are hard-linked (one system call each; copied when the workspace is on another device or links
// are refused), measured ~10x cheaper than copying even small files. Replacing a file (rm, mv, sed -i, an
// editor's save) or creating one only touches the workspace; writing INTO a linked file would change the
// project's file, so every linked file's size and mtime are kept and compared after the attempt
// (`changedProjectFiles`), and the runtime fails the attempt and says which file. bench/runtime.mjs measures
// the per-step cost against `node -e 0`.
import { constants, copyFileSync, linkSync, mkdirSync, readdirSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
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
  /** Removes the folder (errors are ignored: a leftover temp folder must not fail a run). */
  dispose(): Promise<void>;
}

interface Linked {
  readonly rel: string;
  readonly source: string;
  readonly size: number;
  readonly mtimeMs: number;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

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
  const root = tmpdir();
  const dir = await mkdtemp(path.join(root, 'dagc-ws-'));
  const linked: Linked[] = [];
  try {
    if (opts.withProject) fill(opts, dir, leftOutPaths(opts, root), await readMatcher(opts.project), linked);
    for (const folder of opts.dataFolders) await mkdir(path.resolve(dir, folder), { recursive: true });
  } catch (error) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  return {
    dir,
    async changedProjectFiles() {
      const changed: string[] = [];
      for (const l of linked) {
        const now = await stat(l.source).catch(() => undefined);
        if (now && (now.size !== l.size || now.mtimeMs !== l.mtimeMs)) changed.push(l.rel);
      }
      return changed;
    },
    async dispose() {
      await rm(dir, { recursive: true, force: true, maxRetries: 2 }).catch(() => undefined);
    },
  };
}

/**
 * Links (or copies) the project's image files into `dir`. Synchronous on purpose: hundreds of tiny calls cost
 * far less on the calling thread than each hopping to libuv's pool and back (measured: bench/runtime.mjs).
 */
function fill(opts: WorkspaceOptions, dir: string, leftOut: Set<string>, matcher: IgnoreMatcher, linked: Linked[]): void {
  const made = new Set<string>(['']);
  const ensureParent = (rel: string) => {
    const parent = path.posix.dirname(rel);
    if (parent === '.' || made.has(parent)) return;
    mkdirSync(path.join(dir, parent), { recursive: true });
    made.add(parent);
  };
  const walk = (relDir: string): void => {
    for (const entry of readdirSync(path.join(opts.project, relDir), { withFileTypes: true })) {
      const rel = relDir ? `${relDir}/${entry.name}` : entry.name;
      if (leftOut.has(rel)) continue;
      // The matcher also tests every parent folder, so an exception below an ignored folder is seen here.
      const ignored = matcher.ignores(rel);
      const source = path.join(opts.project, rel);
      const target = path.join(dir, rel);
      if (entry.isDirectory()) {
        // An ignored folder is entered only when an exception could bring something below it back.
        if (ignored && !matcher.hasExceptions) continue;
        if (!ignored) {
          ensureParent(rel);
          mkdirSync(target);
          made.add(rel);
        }
        walk(rel);
      } else if (ignored) {
        continue;
      } else if (entry.isSymbolicLink()) {
        ensureParent(rel);
        symlinkSync(readlinkSync(source), target);
      } else if (entry.isFile()) {
        ensureParent(rel);
        try {
          linkSync(source, target);
          const info = statSync(target);
          linked.push({ rel, source, size: info.size, mtimeMs: info.mtimeMs });
        } catch {
          // Another device, or links not allowed (fs.protected_hardlinks): a copy cannot write through.
          copyFileSync(source, target, constants.COPYFILE_FICLONE);
        }
      }
    }
  };
  walk('');
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
