// The chunked file-system run log store, dagc's default (spec §3.6 `chunked-fs`, DESIGN.md invariant 4).
// A run is a folder; every record is its own file, so parallel writers (branches in separate processes) never
// rewrite each other's data:
//
//   <log_folder>/<run_id>/run.json                    the run record (updates under run.json.lock)
//   <log_folder>/<run_id>/parameters/<key>.json       { key, order, value }
//   <log_folder>/<run_id>/steps/<name>.json           StepRecord
//   <log_folder>/<run_id>/branches/<name>.json        BranchRecord
//   <log_folder>/<run_id>/map-items/<name>.json       { internal_name, items }
//   <log_folder>/<run_id>/values/<sha256>.json         a large parameter value, once (shared-values.ts)
//   <log_folder>/<run_id>/pipeline.json                the built pipeline (runtime/built.ts)
//
// File names come from toSafeFileName (internal names hold spaces, Unicode, even '/' from map values); the real
// name is inside each record. Writes are temp + rename; names starting with '.' are temps and are skipped.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from '../../core/fs-async.js';
import path from 'node:path';
import { nodeCrypto } from '../../core/lazy-crypto.js';
import type { BranchRecord, RunLog, RunLogStore, RunRecord, StepRecord } from './types.js';
import { RunLogExistsError, RunLogNotFoundError } from './types.js';
import type { ServiceProvider } from '../provider.js';
import { stringConfig } from '../provider.js';
import type { RecordIndex } from './assemble.js';
import { assembleRunLog, writeRunLog } from './assemble.js';
import { branchRecord, definedEntries, jsonClone, runRecord, setOwn, stepRecord } from './normalize.js';
import { isErrno, preciseNow, readJsonIfExists } from '../fs-util.js';
import { mapLimit } from '../../core/limit.js';
import { writeFileAtomic } from '../../core/write-file-atomic.js';
import { withLockFile } from '../lock-file.js';
import { stringifyJson } from '../../core/py-float.js';
import { toSafeFileName } from '../safe-file-name.js';
import { assertSafeRunId } from '../check-run-id.js';
import { inlineDigests, inlineValues, isValueRef, INLINE_MAX_BYTES, refDigest, shareStepValues } from './shared-values.js';
import { parseJson } from '../../core/py-float.js';

const RUN_FILE = 'run.json';
const BUILT_FILE = 'pipeline.json';
const KINDS = ['parameters', 'steps', 'branches', 'map-items'] as const;
/** Shared parameter values (a folder that runs created before it lack until their first large value). */
const VALUES = 'values';
type Kind = (typeof KINDS)[number];

interface ParameterRecord {
  key: string;
  /** When the key was first set (epoch ms), then its place among the keys set by the same call. */
  order: number;
  index: number;
  value: unknown;
}

interface MapItemsRecord {
  internal_name: string;
  items: unknown[];
}

function serialize(value: unknown): string {
  return stringifyJson(value, 2) + '\n';
}

/**
 * Step, branch, parameter and map-item records are written without indentation: a 100,000-item map writes
 * 300,000 of them, and indentation was a third of their size (issue 16). run.json, one per run, stays indented.
 */
function serializeRecord(value: unknown): string {
  return stringifyJson(value) + '\n';
}

export function createChunkedFsStore(folder: string, location: string): RunLogStore {
  const runDir = (runId: string) => {
    assertSafeRunId(runId);
    return path.join(folder, runId);
  };
  const recordFile = (runId: string, kind: Kind, name: string) =>
    path.join(runDir(runId), kind, `${toSafeFileName(name)}.json`);

  const runExists = async (runId: string): Promise<boolean> => {
    try {
      statSync(path.join(runDir(runId), RUN_FILE));
      return true;
    } catch (error) {
      if (isErrno(error, 'ENOENT', 'ENOTDIR')) return false;
      throw error;
    }
  };

  /** Writes one record; a missing run folder means the run does not exist (records never create it). */
  const writeRecord = async (runId: string, file: string, value: unknown): Promise<void> => {
    try {
      await writeFileAtomic(file, serializeRecord(value), { createFolders: false });
    } catch (error) {
      if (isErrno(error, 'ENOENT') && !(await runExists(runId)))
        throw new RunLogNotFoundError(runId, location);
      throw error;
    }
  };

  /** One record, or undefined when it has none yet; a missing run is an error. */
  const readRecord = async (runId: string, file: string): Promise<unknown> => {
    const value = await readJsonIfExists(file);
    if (value === undefined && !(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
    return value;
  };

  const readAll = async <T>(runId: string, kind: Kind): Promise<T[]> => {
    const dir = path.join(runDir(runId), kind);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    const records = await mapLimit(
      names,
      32,
      async (n) => (await readJsonIfExists(path.join(dir, n))) as T | undefined,
    );
    return records.filter((r): r is T => r !== undefined);
  };

  const readRun = async (runId: string): Promise<RunRecord> => {
    const value = (await readJsonIfExists(path.join(runDir(runId), RUN_FILE))) as RunRecord | undefined;
    if (!value) throw new RunLogNotFoundError(runId, location);
    return runRecord(value);
  };

  // Every attempt snapshots the parameters: a record unchanged since this process last read it (same inode,
  // size and time: writes are temp + rename) is taken from here instead of being parsed again, and keeps its
  // identity, so shared-values.ts digests a large value once (a 100,000-item map reads its list 200,000 times).
  const parameterCache = new Map<string, { ino: number; size: number; mtimeMs: number; record: ParameterRecord }>();
  const readParameterRecords = async (runId: string): Promise<ParameterRecord[]> => {
    const dir = path.join(runDir(runId), 'parameters');
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    const records = await mapLimit(names, 32, async (n): Promise<ParameterRecord | undefined> => {
      const file = path.join(dir, n);
      let st;
      try {
        st = statSync(file);
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return undefined;
        throw error;
      }
      const hit = parameterCache.get(file);
      if (hit && hit.ino === st.ino && hit.size === st.size && hit.mtimeMs === st.mtimeMs) return hit.record;
      const record = (await readJsonIfExists(file)) as ParameterRecord | undefined;
      if (record) parameterCache.set(file, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, record });
      return record;
    });
    return records.filter((r): r is ParameterRecord => r !== undefined);
  };

  const readParameters = async (runId: string): Promise<Record<string, unknown>> => {
    const records = await readParameterRecords(runId);
    records.sort(
      (a, b) =>
        a.order - b.order || (a.index ?? 0) - (b.index ?? 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    const out: Record<string, unknown> = {};
    for (const r of records) setOwn(out, r.key, r.value);
    return out;
  };

  /** Parameters keep the place they first had (magnus's dict.update order), so an existing key keeps its order. */
  const writeParameters = async (
    runId: string,
    values: Record<string, unknown>,
    fresh: boolean,
    dir = runDir(runId),
  ) => {
    const base = preciseNow();
    const entries = definedEntries(values);
    await mapLimit(entries, 32, async ([key, value], i) => {
      const file = path.join(dir, 'parameters', `${toSafeFileName(key)}.json`);
      const old = fresh ? undefined : ((await readJsonIfExists(file)) as ParameterRecord | undefined);
      // Keys of one call share the call's time; their index keeps them in the order given.
      const record: ParameterRecord = old
        ? { key, order: old.order, index: old.index ?? 0, value: jsonClone(value) }
        : { key, order: base, index: i, value: jsonClone(value) };
      await writeRecord(runId, file, record);
    });
  };

  // Values this process has stored (or found stored): each is written once per run.
  const valuesStored = new Set<string>();
  const writeValue = async (runId: string, digest: string, text: string): Promise<void> => {
    const key = `${runId}\0${digest}`;
    if (valuesStored.has(key)) return;
    const file = path.join(runDir(runId), VALUES, `${digest}.json`);
    try {
      statSync(file);
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      if (!(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
      // Content-addressed: racing writers write the same bytes, and the rename makes either one whole.
      await writeFileAtomic(file, text + '\n', { createFolders: true });
    }
    valuesStored.add(key);
  };

  /** Every record of a kind reduced by `pick`, read a batch at a time so their bodies never pile up. */
  const indexAll = async <T, R>(runId: string, kind: Kind, pick: (record: T) => R): Promise<R[]> => {
    const dir = path.join(runDir(runId), kind);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
    } catch (error) {
      if (isErrno(error, 'ENOENT')) return [];
      throw error;
    }
    const out: R[] = [];
    for (let i = 0; i < names.length; i += 512) {
      const batch = await mapLimit(names.slice(i, i + 512), 32, async (n) => (await readJsonIfExists(path.join(dir, n))) as T | undefined);
      for (const r of batch) if (r !== undefined) out.push(pick(r));
    }
    return out;
  };

  return {
    location,

    async putBuiltPipeline(runId, text) {
      if (!(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
      await writeFileAtomic(path.join(runDir(runId), BUILT_FILE), text, { createFolders: false });
    },

    async getBuiltPipeline(runId) {
      try {
        return readFileSync(path.join(runDir(runId), BUILT_FILE), 'utf8');
      } catch (error) {
        if (isErrno(error, 'ENOENT', 'ENOTDIR')) return undefined;
        throw error;
      }
    },

    async writeRunLog(runId, out) {
      const run = await readRun(runId);
      const parameters = await readParameters(runId);
      const steps = await indexAll<StepRecord, RecordIndex>(runId, 'steps', (r) => ({ parent: r.parent, order: r.order, name: r.step.internal_name }));
      const branches = await indexAll<BranchRecord, RecordIndex & { status: BranchRecord['branch']['status'] }>(runId, 'branches', (r) => ({
        parent: r.parent,
        order: r.order,
        name: r.branch.internal_name,
        status: r.branch.status,
      }));
      // Small shared values are put back in place as getRunLog does; each is read once.
      const values = new Map<string, unknown>();
      const loadStep = async (name: string) => {
        const record = (await readJsonIfExists(recordFile(runId, 'steps', name))) as StepRecord | undefined;
        if (!record) return undefined;
        const body = stepRecord(record).step;
        for (const a of body.attempts)
          for (const v of Object.values(a.parameters ?? {})) {
            const d = isValueRef(v) && v.bytes <= INLINE_MAX_BYTES ? refDigest(v) : undefined;
            if (d && !values.has(d)) {
              const text = await readFile(path.join(runDir(runId), VALUES, `${d}.json`), 'utf8').catch(() => undefined);
              if (text !== undefined) values.set(d, parseJson(text));
            }
          }
        inlineValues([body], values);
        return body;
      };
      await writeRunLog(run, parameters, { steps, branches }, loadStep, out);
    },

    async createRun(record, parameters, opts) {
      const clean = jsonClone(runRecord(record));
      const final = runDir(clean.run_id);
      const existing = async (): Promise<RunRecord> => {
        if (!opts?.existsOk) throw new RunLogExistsError(clean.run_id, location);
        return readRun(clean.run_id);
      };
      // The common entrypoint case: the run was created by an earlier node.
      if (await runExists(clean.run_id)) return existing();

      // The run is assembled in a staging folder and renamed into place: rename(2) onto a non-empty folder
      // fails, so of racing creators exactly one wins, and nobody ever sees a run without its parameters.
      await mkdir(folder, { recursive: true });
      const staging = path.join(
        folder,
        `.creating-${clean.run_id}-${process.pid}-${nodeCrypto().randomBytes(4).toString('hex')}`,
      );
      try {
        await mkdir(staging);
        await Promise.all(KINDS.map((k) => mkdir(path.join(staging, k))));
        await writeFile(path.join(staging, RUN_FILE), serialize(clean));
        await writeParameters(clean.run_id, parameters, true, staging);
        try {
          await rename(staging, final);
          return clean;
        } catch (error) {
          if (!isErrno(error, 'ENOTEMPTY', 'EEXIST')) throw error;
        }
      } finally {
        await rm(staging, { recursive: true, force: true });
      }
      if (!(await runExists(clean.run_id)))
        throw new Error(
          `${final} exists but holds no ${RUN_FILE}: it is not a dagc run (or was damaged); move it away`,
        );
      return existing();
    },

    getRun: readRun,

    async updateRun(runId, patch) {
      const dir = runDir(runId);
      if (!(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
      const clean = jsonClone(patch);
      // The run record is shared by every writer of the run, so its read-modify-write is locked.
      await withLockFile(path.join(dir, `${RUN_FILE}.lock`), async () => {
        const current = await readRun(runId);
        await writeFileAtomic(path.join(dir, RUN_FILE), serialize(runRecord({ ...current, ...clean })), { createFolders: false });
      });
    },

    async listRuns() {
      let entries;
      try {
        entries = await readdir(folder, { withFileTypes: true });
      } catch (error) {
        if (isErrno(error, 'ENOENT')) return [];
        throw error;
      }
      const dirs = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
      const runs = await mapLimit(dirs, 16, async (d) => {
        try {
          const value = (await readJsonIfExists(path.join(folder, d, RUN_FILE))) as RunRecord | undefined;
          return value && runRecord(value);
        } catch {
          return undefined; // a damaged or foreign folder: the listing skips it
        }
      });
      return runs
        .filter((r): r is RunRecord => r !== undefined)
        .sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
    },

    async getParameters(runId) {
      if (!(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
      return readParameters(runId);
    },

    async setParameters(runId, values) {
      if (!(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
      await writeParameters(runId, values, false);
    },

    async putStep(runId, record) {
      const shared = shareStepValues(stepRecord(record));
      for (const [digest, text] of shared.values) await writeValue(runId, digest, text);
      const clean = jsonClone(shared.record);
      await writeRecord(runId, recordFile(runId, 'steps', clean.step.internal_name), clean);
    },

    async getStep(runId, internalName) {
      const value = (await readRecord(runId, recordFile(runId, 'steps', internalName))) as
        StepRecord | undefined;
      return value && stepRecord(value);
    },

    async putBranch(runId, record) {
      const clean = jsonClone(branchRecord(record));
      await writeRecord(runId, recordFile(runId, 'branches', clean.branch.internal_name), clean);
    },

    async getBranch(runId, internalName) {
      const value = (await readRecord(runId, recordFile(runId, 'branches', internalName))) as
        BranchRecord | undefined;
      return value && branchRecord(value);
    },

    async putMapItems(runId, internalName, items) {
      const record: MapItemsRecord = { internal_name: internalName, items: jsonClone(items) };
      await writeRecord(runId, recordFile(runId, 'map-items', internalName), record);
    },

    async getMapItems(runId, internalName) {
      const value = (await readRecord(runId, recordFile(runId, 'map-items', internalName))) as
        MapItemsRecord | undefined;
      return value?.items;
    },

    async getRunLog(runId): Promise<RunLog> {
      const run = await readRun(runId);
      const [parameters, steps, branches] = await Promise.all([
        readParameters(runId),
        readAll<StepRecord>(runId, 'steps'),
        readAll<BranchRecord>(runId, 'branches'),
      ]);
      const records = steps.map(stepRecord);
      const bodies = records.map((r) => r.step);
      const values = new Map<string, unknown>();
      await mapLimit([...inlineDigests(bodies)], 32, async (d) => {
        const text = await readFile(path.join(runDir(runId), VALUES, `${d}.json`), 'utf8').catch(() => undefined);
        if (text !== undefined) values.set(d, parseJson(text));
      });
      inlineValues(bodies, values);
      return assembleRunLog(run, parameters, records, branches.map(branchRecord));
    },
  };
}

export const chunkedFs: ServiceProvider<RunLogStore> = {
  service: 'run_log_store',
  name: 'chunked-fs',
  create(config, opts) {
    const logFolder = stringConfig('run_log_store', config, 'log_folder', '.run_log_store');
    return createChunkedFsStore(path.resolve(opts.cwd, logFolder), `${logFolder.replace(/\/+$/, '')}/`);
  },
};
