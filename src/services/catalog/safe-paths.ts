// The catalog reads and writes only inside its folders (shared/DESIGN.md §5: "relative paths only, no escape
// from the folder"). Patterns, compute data folders and names come from pipeline files, so each is checked
// before any file is touched; symbolic links are checked where they resolve.
import { realpath } from '../../core/fs-async.js';
import path from 'node:path';
import { CatalogError } from './types.js';

function hasParentSegment(p: string): boolean {
  return p.split(/[/\\]/).includes('..');
}

function isAbsoluteAnywhere(p: string): boolean {
  return path.isAbsolute(p) || path.win32.isAbsolute(p);
}

/** A glob pattern relative to its folder: not absolute, no '..' segment. */
export function checkPattern(pattern: string): void {
  if (pattern.trim() === '')
    throw new CatalogError(
      'an empty catalog pattern matches nothing',
      'write a glob such as "*.csv" or "**/*"',
    );
  if (isAbsoluteAnywhere(pattern) || hasParentSegment(pattern))
    throw new CatalogError(
      `catalog pattern "${pattern}" leaves its folder`,
      'patterns are relative to the compute data folder (put) or the run catalog (get): no leading "/" and no ".."',
    );
}

/** A compute data folder: relative to the working directory and inside it. */
export function checkComputeDataFolder(folder: string): void {
  const normal = path.posix.normalize(folder.replace(/\\/g, '/'));
  if (folder === '' || isAbsoluteAnywhere(folder) || normal === '..' || normal.startsWith('../'))
    throw new CatalogError(
      `compute data folder "${folder}" is not inside the working directory`,
      'use a relative folder such as "data" (catalog.compute_data_folder in the config or the step)',
    );
}

/** A name stored in the catalog (captured outputs): a relative path without '..'. */
export function checkEntryName(name: string): void {
  if (name === '' || isAbsoluteAnywhere(name) || hasParentSegment(name))
    throw new CatalogError(`catalog name "${name}" is not a relative path inside the run's catalog`);
}

export function isInside(root: string, candidate: string): boolean {
  const rel = path.relative(root, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Throws when `file` (found inside `root`) really lives outside it, through a symbolic link. */
export async function checkResolvesInside(root: string, file: string, shown: string): Promise<void> {
  const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
  if (!isInside(realRoot, realFile))
    throw new CatalogError(
      `"${shown}" is a symbolic link to ${realFile}, outside ${root}`,
      'the catalog copies only files inside its folders; copy the file in instead of linking it',
    );
}
