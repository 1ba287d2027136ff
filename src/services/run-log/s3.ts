// The S3 run log store: the chunked layout of chunked-fs.ts in a bucket, for jobs that share no disk (AWS
// Batch, ECS). Every record is its own object, so parallel branches never rewrite each other's data:
//
//   <prefix><run_id>/run.json                            the run record + the initial parameters
//   <prefix><run_id>/parameters/<key>.json               { key, order, value }
//   <prefix><run_id>/steps/<name>.json                   StepRecord
//   <prefix><run_id>/branches/<name>.json                BranchRecord
//   <prefix><run_id>/map-items/<name>.json               { internal_name, items }
//   <prefix><run_id>/values/<sha256>.json                a large parameter value, once (shared-values.ts)
//   <prefix><run_id>/pipeline.json                       the built pipeline (runtime/built.ts)
//   <prefix><run_id>/map-count/<shape>/<indices>.json    { "count": n }      read by the ASL state machine
//   <prefix><run_id>/map-indices/<shape>/<indices>.json  [0, …, n-1]         a Distributed Map's item reader
//
// Object names come from toSafeFileName, as in chunked-fs (the real name is inside each record).
// Creating a run is one conditional PUT (`If-None-Match: *`), so of racing creators exactly one wins on S3
// and nobody sees a run without its initial parameters; the run record is updated with `If-Match` and retried.
// The map-count objects exist because a state machine carries only indices (DESIGN.md §4): it cannot name a
// map by its resolved internal name (that holds the item values), so the count is keyed by what the engine
// knows, the map's internal name with placeholders ("shape") and the indices of the enclosing maps.
import type { BranchRecord, RunLog, RunLogStore, RunRecord, StepRecord } from './types.js';
import { RunLogExistsError, RunLogNotFoundError } from './types.js';
import type { ServiceProvider } from '../provider.js';
import type { RecordIndex } from './assemble.js';
import { assembleRunLog, writeRunLog } from './assemble.js';
import { branchRecord, definedEntries, jsonClone, runRecord, setOwn, stepRecord } from './normalize.js';
import { preciseNow } from '../fs-util.js';
import { mapLimit } from '../../core/limit.js';
import { sha256 } from '../../core/sha256.js';
import { parseJson, stringifyJson } from '../../core/py-float.js';
import { toSafeFileName } from '../safe-file-name.js';
import { assertSafeRunId } from '../check-run-id.js';
import type { ObjectStore, S3Settings } from '../s3-client.js';
import { openObjectStore, s3Settings, s3Url } from '../s3-client.js';
import { INLINE_MAX_BYTES, inlineDigests, inlineValues, isValueRef, refDigest, shareStepValues } from './shared-values.js';

/** magnus's map placeholder (src/ir/types.ts MAP_PLACEHOLDER; services sit below the IR and cannot import it). */
const MAP_PLACEHOLDER = 'map_variable_placeholder';

/** Stands for "no enclosing map" in map-count keys. */
const NO_INDICES = '_';

/** sha256 of a map's internal name with placeholders, shortened: names hold any character, keys should not. */
export function mapShapeHash(shape: string): string {
  return sha256(shape).slice(0, 16);
}

/**
 * The key (after the configured prefix) of a map's `{"count": n}` object. `indices` are those of the
 * enclosing maps, outermost first, joined with ',' as for `dagc exec --map-index`.
 */
export function mapCountKey(runId: string, shape: string, indices: string): string {
  return `${runId}/map-count/${mapShapeHash(shape)}/${indices || NO_INDICES}.json`;
}

/** The key of a map's `[0, …, n-1]` array (a Distributed Map's ItemReader reads it). */
export function mapIndicesKey(runId: string, shape: string, indices: string): string {
  return `${runId}/map-indices/${mapShapeHash(shape)}/${indices || NO_INDICES}.json`;
}

type Kind = 'parameters' | 'steps' | 'branches' | 'map-items';

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

/** run.json: the record, plus the parameters the run started with (written in the same atomic PUT). */
type RunObject = RunRecord & { initial_parameters?: Record<string, unknown> };

/** Where a map sits: its internal name with placeholders and the indices of the enclosing maps. */
interface MapPlace {
  shape: string;
  indices: number[];
}

const serialize = (value: unknown) => stringifyJson(value, 2) + '\n';

/** How often a conditional update of run.json is retried when another writer got there first. */
const UPDATE_TRIES = 20;

export function createS3RunLogStore(objects: ObjectStore): RunLogStore {
  const location = s3Url(objects.settings);
  const key = (runId: string, kind: Kind, name: string) => `${runId}/${kind}/${toSafeFileName(name)}.json`;
  const runKey = (runId: string) => {
    assertSafeRunId(runId);
    return `${runId}/run.json`;
  };
  // Runs are never deleted, so a run seen once exists for the rest of the process: one lookup per run.
  const known = new Set<string>();
  // Creations and updates in this process are serialised per run; across processes the conditional writes
  // decide (S3-compatible test servers do not enforce them: shared/notes/toolchain.md §8).
  const queues = new Map<string, Promise<unknown>>();
  const serialised = <T>(runId: string, fn: () => Promise<T>): Promise<T> => {
    const next = (queues.get(runId) ?? Promise.resolve()).then(fn, fn);
    queues.set(runId, next.catch(() => undefined));
    return next;
  };
  // Shared values this process wrote or found (keys).
  const valuesStored = new Set<string>();
  // Map items this process wrote (fan-out writes them just before the map's step record).
  const itemsWritten = new Map<string, unknown[]>();

  const parse = (text: string, what: string): unknown => {
    try {
      return parseJson(text);
    } catch {
      throw new Error(`${location}${what} is not JSON: the run log store was damaged or holds foreign objects`);
    }
  };

  const readJson = async (k: string): Promise<unknown> => {
    const got = await objects.getText(k);
    return got === undefined ? undefined : parse(got.text, k);
  };

  const runExists = async (runId: string): Promise<boolean> => {
    if (known.has(runId)) return true;
    const found = await objects.exists(runKey(runId));
    if (found) known.add(runId);
    return found;
  };

  const requireRun = async (runId: string): Promise<void> => {
    if (!(await runExists(runId))) throw new RunLogNotFoundError(runId, location);
  };

  const readRunObject = async (runId: string): Promise<{ run: RunObject; etag?: string }> => {
    const got = await objects.getText(runKey(runId));
    if (!got) throw new RunLogNotFoundError(runId, location);
    known.add(runId);
    return { run: parse(got.text, runKey(runId)) as RunObject, etag: got.etag };
  };

  /** One record, or undefined when it has none yet; a missing run is an error. */
  const readRecord = async (runId: string, k: string): Promise<unknown> => {
    assertSafeRunId(runId);
    const value = await readJson(k);
    if (value === undefined) await requireRun(runId);
    return value;
  };

  const readAll = async <T>(runId: string, kind: Kind): Promise<T[]> => {
    const keys = (await objects.list(`${runId}/${kind}/`)).filter((k) => k.endsWith('.json'));
    const records = await mapLimit(keys, 16, async (k) => (await readJson(k)) as T | undefined);
    return records.filter((r): r is T => r !== undefined);
  };

  const readParameters = async (runId: string, initial: Record<string, unknown>): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(initial)) setOwn(out, k, v);
    const records = await readAll<ParameterRecord>(runId, 'parameters');
    records.sort(
      (a, b) => a.order - b.order || (a.index ?? 0) - (b.index ?? 0) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
    // A key the run started with keeps its place (magnus's dict.update order); new keys follow in set order.
    for (const r of records) setOwn(out, r.key, r.value);
    return out;
  };

  /** A map's shape and indices, found by walking the explicit parents of the records up to the root. */
  const places = new Map<string, Promise<MapPlace>>();
  const placeOfBranch = (runId: string, branch: string): Promise<MapPlace> => {
    const cacheKey = `${runId}\0${branch}`;
    let found = places.get(cacheKey);
    if (!found) {
      found = (async () => {
        if (branch === '') return { shape: '', indices: [] };
        const b = (await readJson(key(runId, 'branches', branch))) as BranchRecord | undefined;
        if (!b) throw new Error(`branch "${branch}" of run ${runId} has no record in ${location}`);
        const owner = b.parent;
        const s = (await readJson(key(runId, 'steps', owner))) as StepRecord | undefined;
        if (!s) throw new Error(`step "${owner}" of run ${runId} has no record in ${location}`);
        const ownerPlace = await placeOf(runId, owner, s.parent);
        if (s.step.step_type !== 'map') return { shape: ownerPlace.shape + branch.slice(owner.length), indices: ownerPlace.indices };
        const items = await itemsOf(runId, owner);
        const index = (items ?? []).findIndex((item) => `${owner}.${String(item)}` === branch);
        if (index < 0) throw new Error(`branch "${branch}" is not one of the items of map "${owner}" in run ${runId}`);
        return { shape: `${ownerPlace.shape}.${MAP_PLACEHOLDER}`, indices: [...ownerPlace.indices, index] };
      })();
      places.set(cacheKey, found);
      found.catch(() => places.delete(cacheKey));
    }
    return found;
  };
  const placeOf = async (runId: string, step: string, parent: string): Promise<MapPlace> => {
    const p = await placeOfBranch(runId, parent);
    return { shape: parent === '' ? step : p.shape + step.slice(parent.length), indices: p.indices };
  };

  const itemsOf = async (runId: string, internalName: string): Promise<unknown[] | undefined> =>
    itemsWritten.get(`${runId}\0${internalName}`) ??
    ((await readJson(key(runId, 'map-items', internalName))) as MapItemsRecord | undefined)?.items;

  /** Publishes an opened map's item count where a state machine can read it (see the header). */
  const publishCount = async (runId: string, record: StepRecord): Promise<void> => {
    const items = await itemsOf(runId, record.step.internal_name);
    if (!items) return;
    const place = await placeOf(runId, record.step.internal_name, record.parent);
    const indices = place.indices.join(',');
    await objects.putText(mapIndicesKey(runId, place.shape, indices), JSON.stringify(items.map((_, i) => i)));
    await objects.putText(mapCountKey(runId, place.shape, indices), JSON.stringify({ count: items.length }));
  };

  return {
    location,

    createRun(record, parameters, opts) {
      const clean = jsonClone(runRecord(record));
      return serialised(clean.run_id, async () => {
        const existing = async (): Promise<RunRecord> => {
          if (!opts?.existsOk) throw new RunLogExistsError(clean.run_id, location);
          return runRecord((await readRunObject(clean.run_id)).run);
        };
        // The common entrypoint case: an earlier node created the run.
        if (await runExists(clean.run_id)) return existing();
        const initial: Record<string, unknown> = {};
        for (const [k, v] of definedEntries(parameters)) setOwn(initial, k, jsonClone(v));
        const body: RunObject = { ...clean, initial_parameters: initial };
        if (!(await objects.putText(runKey(clean.run_id), serialize(body), { ifNoneMatch: '*' }))) return existing();
        known.add(clean.run_id);
        return clean;
      });
    },

    async getRun(runId) {
      return runRecord((await readRunObject(runId)).run);
    },

    updateRun(runId, patch) {
      const clean = jsonClone(patch);
      return serialised(runId, async () => {
        for (let i = 0; i < UPDATE_TRIES; i++) {
          const { run, etag } = await readRunObject(runId);
          const next: RunObject = { ...runRecord({ ...run, ...clean }), initial_parameters: run.initial_parameters ?? {} };
          if (await objects.putText(runKey(runId), serialize(next), etag ? { ifMatch: etag } : undefined)) return;
        }
        throw new Error(`could not update run ${runId} in ${location}: ${UPDATE_TRIES} writers changed it at the same time`);
      });
    },

    async listRuns() {
      const folders = await objects.listFolders('');
      const runs = await mapLimit(folders, 16, async (folder) => {
        try {
          const value = (await readJson(`${folder}run.json`)) as RunObject | undefined;
          return value && runRecord(value);
        } catch {
          return undefined; // a foreign or damaged object: the listing skips it
        }
      });
      return runs
        .filter((r): r is RunRecord => r !== undefined)
        .sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
    },

    async getParameters(runId) {
      const { run } = await readRunObject(runId);
      return readParameters(runId, run.initial_parameters ?? {});
    },

    async setParameters(runId, values) {
      await readRunObject(runId); // a missing run is an error, as in every store
      const base = preciseNow();
      await mapLimit(definedEntries(values), 16, async ([k, value], i) => {
        const old = (await readJson(key(runId, 'parameters', k))) as ParameterRecord | undefined;
        // Keys of one call share the call's time; their index keeps them in the order given (as chunked-fs).
        // A key the run started with keeps its place from run.json whatever its record says.
        const record: ParameterRecord = old
          ? { key: k, order: old.order, index: old.index ?? 0, value: jsonClone(value) }
          : { key: k, order: base, index: i, value: jsonClone(value) };
        await objects.putText(key(runId, 'parameters', k), serialize(record));
      });
    },

    async putStep(runId, record) {
      const shared = shareStepValues(stepRecord(record));
      const clean = jsonClone(shared.record);
      await requireRun(runId);
      for (const [digest, text] of shared.values) {
        const k = `${runId}/values/${digest}.json`;
        // Content-addressed: the same key always holds the same bytes, so it is written once per process.
        if (valuesStored.has(k)) continue;
        if (!(await objects.exists(k))) await objects.putText(k, text + '\n');
        valuesStored.add(k);
      }
      await objects.putText(key(runId, 'steps', clean.step.internal_name), serialize(clean));
      // Fan-out writes an opened map as PROCESSING right after its items; that is when the count is known.
      if (clean.step.step_type === 'map' && clean.step.status === 'PROCESSING') await publishCount(runId, clean);
    },

    async getStep(runId, internalName) {
      const value = (await readRecord(runId, key(runId, 'steps', internalName))) as StepRecord | undefined;
      return value && stepRecord(value);
    },

    async putBranch(runId, record) {
      const clean = jsonClone(branchRecord(record));
      await requireRun(runId);
      await objects.putText(key(runId, 'branches', clean.branch.internal_name), serialize(clean));
    },

    async getBranch(runId, internalName) {
      const value = (await readRecord(runId, key(runId, 'branches', internalName))) as BranchRecord | undefined;
      return value && branchRecord(value);
    },

    async putMapItems(runId, internalName, items) {
      const record: MapItemsRecord = { internal_name: internalName, items: jsonClone(items) };
      await requireRun(runId);
      await objects.putText(key(runId, 'map-items', internalName), serialize(record));
      itemsWritten.set(`${runId}\0${internalName}`, record.items);
    },

    async getMapItems(runId, internalName) {
      const value = (await readRecord(runId, key(runId, 'map-items', internalName))) as MapItemsRecord | undefined;
      return value?.items;
    },

    // As chunked-fs: the records' index first (a batch of bodies at a time), then each step read when written.
    async writeRunLog(runId, out) {
      const { run } = await readRunObject(runId);
      const parameters = await readParameters(runId, run.initial_parameters ?? {});
      const index = async <T, R>(kind: Kind, pick: (record: T) => R): Promise<R[]> => {
        const keys = (await objects.list(`${runId}/${kind}/`)).filter((k) => k.endsWith('.json'));
        const found: R[] = [];
        for (let i = 0; i < keys.length; i += 256) {
          const batch = await mapLimit(keys.slice(i, i + 256), 16, async (k) => (await readJson(k)) as T | undefined);
          for (const r of batch) if (r !== undefined) found.push(pick(r));
        }
        return found;
      };
      const steps = await index<StepRecord, RecordIndex>('steps', (r) => ({ parent: r.parent, order: r.order, name: r.step.internal_name }));
      const branches = await index<BranchRecord, RecordIndex & { status: BranchRecord['branch']['status'] }>('branches', (r) => ({
        parent: r.parent,
        order: r.order,
        name: r.branch.internal_name,
        status: r.branch.status,
      }));
      const values = new Map<string, unknown>();
      const loadStep = async (name: string) => {
        const record = (await readJson(key(runId, 'steps', name))) as StepRecord | undefined;
        if (!record) return undefined;
        const body = stepRecord(record).step;
        for (const a of body.attempts)
          for (const v of Object.values(a.parameters ?? {})) {
            const d = isValueRef(v) && v.bytes <= INLINE_MAX_BYTES ? refDigest(v) : undefined;
            if (d && !values.has(d)) {
              const value = await readJson(`${runId}/values/${d}.json`);
              if (value !== undefined) values.set(d, value);
            }
          }
        inlineValues([body], values);
        return body;
      };
      await writeRunLog(runRecord(run), parameters, { steps, branches }, loadStep, out);
    },

    async putBuiltPipeline(runId, text) {
      await requireRun(runId);
      await objects.putText(`${runId}/pipeline.json`, text);
    },

    async getBuiltPipeline(runId) {
      assertSafeRunId(runId);
      return (await objects.getText(`${runId}/pipeline.json`))?.text;
    },

    async getRunLog(runId): Promise<RunLog> {
      const { run } = await readRunObject(runId);
      const [parameters, steps, branches] = await Promise.all([
        readParameters(runId, run.initial_parameters ?? {}),
        readAll<StepRecord>(runId, 'steps'),
        readAll<BranchRecord>(runId, 'branches'),
      ]);
      const records = steps.map(stepRecord);
      const bodies = records.map((r) => r.step);
      const values = new Map<string, unknown>();
      await mapLimit([...inlineDigests(bodies)], 16, async (d) => {
        const value = await readJson(`${runId}/values/${d}.json`);
        if (value !== undefined) values.set(d, value);
      });
      inlineValues(bodies, values);
      return assembleRunLog(runRecord(run), parameters, records, branches.map(branchRecord));
    },
  };
}

/** The settings of an s3 run_log_store section (shared with the ASL emitter, which reads map counts). */
export function runLogS3Settings(config: Readonly<Record<string, unknown>>): S3Settings {
  return s3Settings('run_log_store', config);
}

export const s3: ServiceProvider<RunLogStore> = {
  service: 'run_log_store',
  name: 's3',
  create(config) {
    return createS3RunLogStore(openObjectStore(runLogS3Settings(config)));
  },
};
