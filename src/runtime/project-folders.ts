// The folders a run writes in the project — the run log folder, the catalog folder and the compute data folder —
// resolved before the run exists and refused when a relative setting leads outside the project, by `..` or by a
// symbolic link on the way (issue 19: a `.catalog` that was a link to elsewhere, or `log_folder: ../x`, carried
// the run's writes out of the project). An absolute setting is taken as meant: the user chose that place.
import { realpath } from '../core/fs-async.js';
import path from 'node:path';
import type { DagcConfig } from '../config/types.js';
import { UserError } from '../core/errors.js';

interface Folder {
  /** Where the setting lives, for the message: `catalog.config.catalog_location`. */
  readonly key: string;
  readonly value: string;
}

/** The file store folders a config names (the defaults where it names none), relative or absolute as written. */
export function projectFolders(config: Pick<DagcConfig, 'run_log_store' | 'catalog'>): Folder[] {
  const setting = (section: { config?: Record<string, unknown> } | undefined, key: string, fallback: string): string => {
    const v = section?.config?.[key];
    return typeof v === 'string' && v.trim() !== '' ? v : fallback;
  };
  const out: Folder[] = [];
  const log = config.run_log_store;
  if (log.type === 'file-system' || log.type === 'chunked-fs')
    out.push({ key: 'run_log_store.config.log_folder', value: setting(log, 'log_folder', '.run_log_store') });
  const catalog = config.catalog;
  if (catalog.type === 'file-system')
    out.push(
      { key: 'catalog.config.catalog_location', value: setting(catalog, 'catalog_location', '.catalog') },
      { key: 'catalog.config.compute_data_folder', value: setting(catalog, 'compute_data_folder', 'data') },
    );
  return out;
}

const inside = (root: string, p: string) => p === root || p.startsWith(root.endsWith(path.sep) ? root : root + path.sep);

/** The real path of `p`, or of its deepest existing ancestor joined with the rest (the folder may not exist yet). */
async function realOrAncestor(p: string): Promise<string> {
  const rest: string[] = [];
  let at = p;
  for (;;) {
    try {
      return path.join(await realpath(at), ...rest.reverse());
    } catch {
      const parent = path.dirname(at);
      if (parent === at) return p;
      rest.push(path.basename(at));
      at = parent;
    }
  }
}

/** Refuses (exit 2, before anything is recorded) a relative folder setting that leads outside `cwd`. */
export async function checkProjectFolders(config: Pick<DagcConfig, 'run_log_store' | 'catalog'>, cwd: string): Promise<void> {
  const root = await realOrAncestor(path.resolve(cwd));
  for (const { key, value } of projectFolders(config)) {
    if (path.isAbsolute(value)) continue;
    const lexical = path.resolve(cwd, value);
    const real = await realOrAncestor(lexical);
    if (inside(path.resolve(cwd), lexical) && inside(root, real)) continue;
    const how = inside(path.resolve(cwd), lexical) ? `a symbolic link on the way leads to ${real}` : `it resolves to ${lexical}`;
    throw new UserError(
      `${key} "${value}" leads outside the project (${how}); the run would write there`,
      `use a folder inside the project, or give an absolute path if that place is meant`,
    );
  }
}
