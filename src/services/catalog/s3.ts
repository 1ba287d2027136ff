// The S3 catalog: the file-system catalog's behaviour (file-system.ts, spec §5 with dagc's decisions) with a
// bucket in place of the catalog folder, for jobs that share no disk (AWS Batch, ECS). `put` uploads files
// matching a pattern inside the compute data folder to `<prefix><run_id>/<path relative to the working
// directory>`; `get` downloads the matches under `<prefix><run_id>/<compute_data_folder>/` back into it.
// Files are streamed both ways (data may be larger than memory) and hashed with sha256 on the way.
import { createReadStream } from 'node:fs';
import { mkdir, realpath, stat } from '../../core/fs-async.js';
import path from 'node:path';
import type { DataCatalogEntry } from '../run-log/types.js';
import type { Catalog, CatalogGetPut } from './types.js';
import { CatalogError } from './types.js';
import type { ServiceProvider } from '../provider.js';
import { stringConfig } from '../provider.js';
import { assertSafeRunId } from '../check-run-id.js';
import type { ObjectStore } from '../s3-client.js';
import { openObjectStore, s3Settings, s3Url } from '../s3-client.js';
import { sha256, sha256File } from '../../core/sha256.js';
import { isAtomicTempName } from '../../core/write-file-atomic.js';
import { writeHashed } from './copy-hashed.js';
import { checkComputeDataFolder, checkEntryName, checkPattern, checkResolvesInside, isInside } from './safe-paths.js';

// tinyglobby (~100 KB with picomatch) is loaded when a pattern is first matched, not by every `dagc exec`
// that never matches one (issue 16: the entrypoint loads only what its step needs).
const loadGlob = async () => (await import('tinyglobby')).glob;

const toPosix = (p: string) => p.split(path.sep).join('/');
const byCodePoint = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A glob pattern as a regex over '/'-separated relative keys, with the semantics the file-system catalog gets
 * from tinyglobby (Python pathlib's, spec §5): `*` and `?` stay inside one segment and match hidden names,
 * `**` as a whole segment matches any number of segments, `[…]`/`[!…]` are classes; no braces or extglobs.
 */
export function globToRegExp(pattern: string): RegExp {
  const segments = pattern.split('/').filter((s, i, all) => s !== '' || i === all.length - 1);
  let out = '';
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === '**') {
      out += last ? '(?:[^/]+(?:/[^/]+)*)' : '(?:[^/]+/)*';
      return;
    }
    for (let k = 0; k < segment.length; k++) {
      const ch = segment[k]!;
      if (ch === '*') out += '[^/]*';
      else if (ch === '?') out += '[^/]';
      else if (ch === '[') {
        const end = segment.indexOf(']', k + 2);
        if (end < 0) {
          out += '\\[';
          continue;
        }
        let body = segment.slice(k + 1, end);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^/' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        k = end;
      } else out += ch.replace(/[.+^${}()|\\]/g, '\\$&');
    }
    if (!last) out += '/';
  });
  return new RegExp(`^${out}$`, 'u');
}

export interface S3CatalogOptions {
  cwd: string;
  objects: ObjectStore;
  computeDataFolder: string;
}

export function createS3Catalog(opts: S3CatalogOptions): Catalog {
  const { objects } = opts;
  const location = s3Url(objects.settings);
  const entry = (name: string, data_hash: string, catalog_relative_path: string, stage: 'get' | 'put'): DataCatalogEntry => ({
    name,
    data_hash,
    catalog_relative_path,
    catalog_handler_location: location,
    stage,
  });

  const missingRun = (runId: string) =>
    new CatalogError(
      `Catalogs from previous run ${runId} are not found in ${location}${runId}`,
      `a re-run starts from the earlier run's catalog: use the same catalog config (-c) as run ${runId}, or re-run without --use-cached`,
    );

  return {
    name: 's3',
    location,
    computeDataFolder: opts.computeDataFolder,

    async put({ runId, computeDataFolder, pattern, workspace }: CatalogGetPut) {
      const cwd = workspace ?? opts.cwd; // where the step ran: entry names are relative to it
      assertSafeRunId(runId);
      checkPattern(pattern);
      checkComputeDataFolder(computeDataFolder);
      const folder = path.resolve(cwd, computeDataFolder);
      // Nothing to put is not an error (spec §5 "no match"), even when the folder was never made.
      if (!(await isDirectory(folder))) return [];
      const found = await (await loadGlob())(pattern, {
        cwd: folder,
        onlyFiles: true,
        dot: true,
        expandDirectories: false,
        braceExpansion: false,
        extglob: false,
        followSymbolicLinks: true,
      });
      const entries: DataCatalogEntry[] = [];
      // Temp files of atomic writes in progress are never catalogued.
      for (const rel of found.filter((f) => !isAtomicTempName(path.basename(f))).sort(byCodePoint)) {
        const source = path.join(folder, rel);
        const name = toPosix(path.relative(cwd, source));
        await checkResolvesInside(folder, source, name);
        // Hash first, then upload: an upload needs the length up front, and a file is read twice at most.
        const hash = await sha256File(source);
        await objects.putStream(`${runId}/${name}`, createReadStream(source), (await stat(source)).size);
        entries.push(entry(name, hash, `${runId}/${name}`, 'put'));
      }
      return entries;
    },

    async get({ runId, computeDataFolder, pattern, workspace }: CatalogGetPut) {
      const cwd = workspace ?? opts.cwd; // where the step ran: entry names are relative to it
      assertSafeRunId(runId);
      checkPattern(pattern);
      checkComputeDataFolder(computeDataFolder);
      const folder = toPosix(path.posix.normalize(computeDataFolder.replace(/\\/g, '/'))).replace(/\/+$/, '');
      const base = folder === '.' ? `${runId}/` : `${runId}/${folder}/`;
      const matcher = globToRegExp(pattern);
      const files = (await objects.list(base))
        .map((k) => k.slice(base.length))
        .filter((rel) => matcher.test(rel) && !rel.split('/').includes('..'))
        .sort(byCodePoint);
      const where = `${location}${base.replace(/\/$/, '')}`;
      if (files.length === 0)
        throw new CatalogError(
          `nothing in ${where} matches "${pattern}" (the catalog of run ${runId}): an earlier step must put it there`,
          `an earlier step must put it: list "${pattern}" under that step's catalog: put: (with compute_data_folder "${computeDataFolder}")`,
        );
      const target = path.resolve(cwd, computeDataFolder);
      await mkdir(target, { recursive: true });
      const realTarget = await realpath(target);
      const entries: DataCatalogEntry[] = [];
      for (const rel of files) {
        const destination = path.join(target, rel);
        // A symlinked sub-folder of the compute data folder must not carry the download elsewhere.
        await mkdir(path.dirname(destination), { recursive: true });
        if (!isInside(realTarget, await realpath(path.dirname(destination))))
          throw new CatalogError(
            `cannot get "${rel}": ${toPosix(path.relative(cwd, path.dirname(destination)))} links outside ${computeDataFolder}`,
          );
        const body = await objects.getStream(`${base}${rel}`);
        if (!body) throw new CatalogError(`${where}/${rel} disappeared while it was being copied`);
        const hash = await writeHashed(body, destination);
        // As the file-system catalog: a get records the path relative to the run's compute data folder.
        entries.push(entry(rel, hash, rel, 'get'));
      }
      return entries;
    },

    async putContent(runId, name, content) {
      assertSafeRunId(runId);
      checkEntryName(name);
      await objects.putBuffer(`${runId}/${name}`, content);
      return entry(name, sha256(content), `${runId}/${name}`, 'put');
    },

    async checkRun(runId) {
      assertSafeRunId(runId);
      if ((await objects.list(`${runId}/`)).length === 0) throw missingRun(runId);
    },

    async copyRun(fromRunId, toRunId) {
      assertSafeRunId(fromRunId);
      assertSafeRunId(toRunId);
      if (fromRunId === toRunId) return;
      const keys = await objects.list(`${fromRunId}/`);
      if (keys.length === 0) throw missingRun(fromRunId);
      for (const k of keys) await objects.copy(k, `${toRunId}/${k.slice(fromRunId.length + 1)}`);
    },
  };
}

export const s3: ServiceProvider<Catalog> = {
  service: 'catalog',
  name: 's3',
  create(config, opts) {
    const computeDataFolder = stringConfig('catalog', config, 'compute_data_folder', 'data');
    checkComputeDataFolder(computeDataFolder);
    const settings = s3Settings('catalog', config, ['compute_data_folder']);
    return createS3Catalog({ cwd: opts.cwd, objects: openObjectStore(settings), computeDataFolder });
  },
};
