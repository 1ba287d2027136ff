// The file-system run log store (spec §3.6): one JSON document per run, `<log_folder>/<run_id>.json`.
// magnus re-wrote the whole file on every change with no locking, so parallel branches lost each other's
// step logs; here every read-modify-write holds a lock file and every write is temp + rename.
import { access, link, mkdir, readdir, readFile, rm, writeFile } from '../../core/fs-async.js';
import path from 'node:path';
import type { RunLogStore } from './types.js';
import type { ServiceProvider } from '../provider.js';
import { stringConfig } from '../provider.js';
import type { DocumentBackend, RunDocument } from './document-store.js';
import { createDocumentStore } from './document-store.js';
import { isErrno, readJsonIfExists } from '../fs-util.js';
import { mapLimit } from '../../core/limit.js';
import { tempNameFor, writeFileAtomic } from '../../core/write-file-atomic.js';
import { withLockFile } from '../lock-file.js';
import { parseJson, stringifyJson } from '../../core/py-float.js';

function isRunDocument(value: unknown): value is RunDocument {
  const v = value as Partial<RunDocument> | undefined;
  return typeof v === 'object' && v !== null && typeof v.run === 'object' && typeof v.steps === 'object';
}

function serialize(doc: RunDocument): string {
  return stringifyJson(doc, 2) + '\n';
}

export function fileSystemBackend(folder: string, location: string): DocumentBackend {
  const fileOf = (runId: string) => path.join(folder, `${runId}.json`);
  const read = async (runId: string): Promise<RunDocument | undefined> => {
    const value = await readJsonIfExists(fileOf(runId));
    if (value === undefined) return undefined;
    if (!isRunDocument(value)) throw new Error(`${fileOf(runId)} is not a dagc run log (file-system store)`);
    return value;
  };
  return {
    location,
    async create(runId, doc) {
      await mkdir(folder, { recursive: true });
      // link() fails with EEXIST when the name is taken: of several racing creators exactly one wins, and the
      // file appears complete (it was fully written under the temp name first).
      const temp = tempNameFor(fileOf(runId));
      try {
        await writeFile(temp, serialize(doc), { flag: 'wx' });
        await link(temp, fileOf(runId));
        return undefined;
      } catch (error) {
        if (!isErrno(error, 'EEXIST')) throw error;
        return read(runId);
      } finally {
        await rm(temp, { force: true });
      }
    },
    read,
    async update(runId, change) {
      try {
        await access(fileOf(runId));
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return false; // no run: and no lock file left behind for it
        throw error;
      }
      return withLockFile(`${fileOf(runId)}.lock`, async () => {
        const doc = await read(runId);
        if (!doc) return false;
        change(doc);
        await writeFileAtomic(fileOf(runId), serialize(doc), { createFolders: false });
        return true;
      });
    },
    // Beside the documents in a folder whose name starts with '.', which list() and magnus skip.
    async putBuilt(runId, text) {
      await writeFileAtomic(path.join(folder, '.built', `${runId}.json`), text);
    },
    async getBuilt(runId) {
      return readFile(path.join(folder, '.built', `${runId}.json`), 'utf8').catch((error: unknown) => {
        if (isErrno(error, 'ENOENT')) return undefined;
        throw error;
      });
    },
    async list() {
      let names: string[];
      try {
        names = await readdir(folder);
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return [];
        throw error;
      }
      const files = names.filter((n) => n.endsWith('.json') && !n.startsWith('.'));
      const docs = await mapLimit(files, 16, async (n) => {
        try {
          const value: unknown = parseJson(await readFile(path.join(folder, n), 'utf8'));
          return isRunDocument(value) ? value : undefined;
        } catch {
          return undefined; // not ours (or removed meanwhile): a listing skips it
        }
      });
      return docs.filter((d): d is RunDocument => d !== undefined);
    },
  };
}

export const fileSystem: ServiceProvider<RunLogStore> = {
  service: 'run_log_store',
  name: 'file-system',
  create(config, opts) {
    const logFolder = stringConfig('run_log_store', config, 'log_folder', '.run_log_store');
    return createDocumentStore(
      fileSystemBackend(path.resolve(opts.cwd, logFolder), `${logFolder.replace(/\/+$/, '')}/`),
    );
  },
};
