// The file-system catalog (spec §5): `put` copies files matching a pattern inside the compute data folder to
// `<catalog_location>/<run_id>/<path relative to the working directory>`; `get` copies them back from
// `<catalog_location>/<run_id>/<compute_data_folder>`. Decisions over magnus: every pattern's entries are
// recorded (§10.3), a get that finds nothing fails the step with a message saying what was looked for where,
// a re-run copies the previous catalog file by file (§3.11, magnus crashed), and nothing leaves its folder.
import { realpathSync } from 'node:fs';
import { mkdir, readdir, realpath, stat } from '../../core/fs-async.js';
import path from 'node:path';
import type { DataCatalogEntry } from '../run-log/types.js';
import type { Catalog, CatalogGetPut } from './types.js';
import { CatalogError } from './types.js';
import type { ServiceProvider } from '../provider.js';
import { stringConfig } from '../provider.js';
import { assertSafeRunId } from '../check-run-id.js';
import { isAtomicTempName, writeFileAtomic } from '../../core/write-file-atomic.js';
import { sha256 } from '../../core/sha256.js';
import { copyHashed } from './copy-hashed.js';
import {
  checkComputeDataFolder,
  checkEntryName,
  checkPattern,
  checkResolvesInside,
  isInside,
} from './safe-paths.js';

// tinyglobby (~100 KB with picomatch) is loaded when a pattern is first matched, not by every `dagc exec`
// that never matches one (issue 16: the entrypoint loads only what its step needs).
const loadGlob = async () => (await import('tinyglobby')).glob;

const toPosix = (p: string) => p.split(path.sep).join('/');
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
/** Temp files of atomic writes in progress, never catalogued. */
const isTemp = (file: string) => isAtomicTempName(path.basename(file));

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Files under `folder` matching `pattern`, relative and sorted. Python pathlib glob semantics (spec §5): `*`
 * does not cross '/', `**` recurses, hidden files match, only files; no braces or extglobs (pathlib has none).
 */
async function globFiles(folder: string, pattern: string): Promise<string[]> {
  const found = await (await loadGlob())(pattern, {
    cwd: folder,
    onlyFiles: true,
    dot: true,
    expandDirectories: false,
    braceExpansion: false,
    extglob: false,
    followSymbolicLinks: true,
  });
  return found.filter((f) => !isTemp(f)).sort(byCodePoint);
}

/** Every regular file below `dir`, relative, for copying a whole run's catalog. */
async function walkFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? path.join(prefix, entry.name) : entry.name;
    if (entry.isDirectory()) out.push(...(await walkFiles(dir, rel)));
    else if (entry.isFile() && !isTemp(entry.name)) out.push(rel);
  }
  return out;
}

export interface FileSystemCatalogOptions {
  cwd: string;
  /** As configured (recorded as catalog_handler_location), relative to cwd unless absolute. */
  catalogLocation: string;
  computeDataFolder: string;
}

export function createFileSystemCatalog(opts: FileSystemCatalogOptions): Catalog {
  const { catalogLocation } = opts;
  const root = path.resolve(opts.cwd, catalogLocation);
  const shown = (...parts: string[]) => toPosix(path.join(catalogLocation, ...parts));
  const missingRun = (runId: string) =>
    new CatalogError(
      `Catalogs from previous run ${runId} are not found in ${shown(runId)}`,
      `a re-run starts from the earlier run's catalog: use the same catalog config (-c) as run ${runId}, or re-run without --use-cached`,
    );
  const entry = (
    name: string,
    data_hash: string,
    catalog_relative_path: string,
    stage: 'get' | 'put',
  ): DataCatalogEntry => ({
    name,
    data_hash,
    catalog_relative_path,
    catalog_handler_location: catalogLocation,
    stage,
  });

  /**
   * A run's folder in the catalog, refused when it (or the catalog folder) is a symbolic link that leads out of
   * the catalog folder: a step (under local-container, a container writing in the mounted project) may plant
   * one, and a put, a get or a re-run's copy on the host would then write or read elsewhere (issue 19).
   */
  const runFolder = async (runId: string): Promise<string> => {
    const folder = path.join(root, runId);
    // realpath(3) synchronously, as fs/promises' realpath does it (one call each, no thread-pool trip: issue 16).
    let real: string;
    try {
      real = realpathSync.native(folder);
    } catch {
      return folder; // not made yet: the put makes it a real folder
    }
    const realRoot = realpathSync.native(root);
    if (!isInside(realRoot, real) || (!path.isAbsolute(catalogLocation) && !isInside(realpathSync.native(opts.cwd), realRoot)))
      throw new CatalogError(
        `the catalog folder of run ${runId} (${shown(runId)}) links outside the catalog (to ${real})`,
        'remove the symbolic link: a run\'s catalog folder is a real folder that dagc makes',
      );
    return folder;
  };

  return {
    name: 'file-system',
    location: catalogLocation,
    computeDataFolder: opts.computeDataFolder,

    async put({ runId, computeDataFolder, pattern, workspace }: CatalogGetPut) {
      const cwd = workspace ?? opts.cwd; // where the step ran: entry names are relative to it
      assertSafeRunId(runId);
      checkPattern(pattern);
      checkComputeDataFolder(computeDataFolder);
      const folder = path.resolve(cwd, computeDataFolder);
      // Nothing to put is not an error (spec §5 "no match"), even when the folder was never made.
      if (!(await isDirectory(folder))) return [];
      await checkFolderInside(cwd, folder, computeDataFolder);
      await runFolder(runId);
      const entries: DataCatalogEntry[] = [];
      for (const rel of await globFiles(folder, pattern)) {
        const source = path.join(folder, rel);
        // The entry name is relative to the working directory (spec §5: `data/model.txt`).
        const name = toPosix(path.relative(cwd, source));
        await checkResolvesInside(folder, source, name);
        const hash = await copyHashed(source, path.join(root, runId, name));
        entries.push(entry(name, hash, `${runId}/${name}`, 'put'));
      }
      return entries;
    },

    async get({ runId, computeDataFolder, pattern, workspace }: CatalogGetPut) {
      const cwd = workspace ?? opts.cwd; // where the step ran: entry names are relative to it
      assertSafeRunId(runId);
      checkPattern(pattern);
      checkComputeDataFolder(computeDataFolder);
      await runFolder(runId);
      const base = path.join(root, runId, computeDataFolder);
      const where = shown(runId, computeDataFolder);
      const hint = `an earlier step must put it: list "${pattern}" under that step's catalog: put: (with compute_data_folder "${computeDataFolder}")`;
      const files = (await isDirectory(base)) ? await globFiles(base, pattern) : [];
      // magnus aborted the whole run on a missing catalog folder and silently got nothing on no match
      // (spec §5); both mean the step cannot have its input, so both fail the step with the same message.
      if (files.length === 0)
        throw new CatalogError(
          `nothing in ${where} matches "${pattern}" (the catalog of run ${runId}): an earlier step must put it there`,
          hint,
        );
      const target = path.resolve(cwd, computeDataFolder);
      await mkdir(target, { recursive: true });
      const realTarget = await checkFolderInside(cwd, target, computeDataFolder);
      const entries: DataCatalogEntry[] = [];
      for (const rel of files) {
        const source = path.join(base, rel);
        const name = toPosix(rel);
        await checkResolvesInside(base, source, `${where}/${name}`);
        const destination = path.join(target, rel);
        // A symlinked sub-folder of the compute data folder must not carry the copy elsewhere.
        await mkdir(path.dirname(destination), { recursive: true });
        if (!isInside(realTarget, await realpath(path.dirname(destination))))
          throw new CatalogError(
            `cannot get "${name}": ${toPosix(path.relative(cwd, path.dirname(destination)))} links outside ${computeDataFolder}`,
          );
        const hash = await copyHashed(source, destination);
        // magnus records a get's relative path without the run id (see f81dcf8 three-local.json).
        entries.push(entry(name, hash, name, 'get'));
      }
      return entries;
    },

    async putContent(runId, name, content) {
      assertSafeRunId(runId);
      checkEntryName(name);
      await runFolder(runId);
      const destination = path.join(root, runId, name);
      await writeFileAtomic(destination, content);
      return entry(name, sha256(content), `${runId}/${name}`, 'put');
    },

    async checkRun(runId) {
      assertSafeRunId(runId);
      await runFolder(runId);
      if (!(await isDirectory(path.join(root, runId)))) throw missingRun(runId);
    },

    async copyRun(fromRunId, toRunId) {
      assertSafeRunId(fromRunId);
      assertSafeRunId(toRunId);
      if (fromRunId === toRunId) return;
      await Promise.all([runFolder(fromRunId), runFolder(toRunId)]);
      const source = path.join(root, fromRunId);
      if (!(await isDirectory(source))) throw missingRun(fromRunId);
      for (const rel of await walkFiles(source))
        await copyHashed(path.join(source, rel), path.join(root, toRunId, rel));
    },
  };
}

/**
 * The compute data folder as it really is, refused when it leads outside the working directory: a folder that is
 * itself a symbolic link (a step or a container may plant one) must not carry a get's copies, or a put's reads,
 * elsewhere (issue 19: `get` wrote outside the project).
 */
async function checkFolderInside(cwd: string, folder: string, computeDataFolder: string): Promise<string> {
  const [realCwd, realFolder] = await Promise.all([realpath(cwd), realpath(folder)]);
  if (!isInside(realCwd, realFolder))
    throw new CatalogError(
      `compute data folder "${computeDataFolder}" links outside the working directory (to ${realFolder})`,
      'make the compute data folder a real folder inside the project, not a symbolic link out of it',
    );
  return realFolder;
}

export const fileSystem: ServiceProvider<Catalog> = {
  service: 'catalog',
  name: 'file-system',
  create(config, opts) {
    const catalogLocation = stringConfig('catalog', config, 'catalog_location', '.catalog');
    const computeDataFolder = stringConfig('catalog', config, 'compute_data_folder', 'data');
    checkComputeDataFolder(computeDataFolder);
    return createFileSystemCatalog({ cwd: opts.cwd, catalogLocation, computeDataFolder });
  },
};
