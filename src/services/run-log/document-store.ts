// The stores that keep a whole run as one document (buffered: in memory; file-system: one JSON file) share
// this logic; they differ only in how a document is created, read and updated (the backend).
import type { BranchRecord, RunLog, RunLogStore, RunRecord, StepRecord } from './types.js';
import { RunLogExistsError, RunLogNotFoundError } from './types.js';
import { assembleRunLog } from './assemble.js';
import {
  branchRecord,
  definedEntries,
  getOwn,
  jsonClone,
  runRecord,
  setOwn,
  stepRecord,
} from './normalize.js';
import { assertSafeRunId } from '../check-run-id.js';
import { allSteps, inlineDigests, inlineValues, shareStepValues } from './shared-values.js';
import { parseJson } from '../../core/py-float.js';

/** One run, flat: records keyed by resolved internal name, parents explicit (as the chunked layout). */
export interface RunDocument {
  run: RunRecord;
  parameters: Record<string, unknown>;
  steps: Record<string, StepRecord>;
  branches: Record<string, BranchRecord>;
  map_items: Record<string, unknown[]>;
  /** Large parameter values, once, by the sha256 of their JSON (shared-values.ts); absent in older documents. */
  values?: Record<string, unknown>;
}

export interface DocumentBackend {
  readonly location: string;
  /** Stores `doc` unless the run exists; returns the existing document then (exactly one creator wins). */
  create(runId: string, doc: RunDocument): Promise<RunDocument | undefined>;
  read(runId: string): Promise<RunDocument | undefined>;
  /** Applies `change` atomically with respect to other updates; false when the run does not exist. */
  update(runId: string, change: (doc: RunDocument) => void): Promise<boolean>;
  list(): Promise<RunDocument[]>;
  /** The run's built pipeline beside its document (RunLogStore.putBuiltPipeline); optional. */
  putBuilt?(runId: string, text: string): Promise<void>;
  getBuilt?(runId: string): Promise<string | undefined>;
}

export function createDocumentStore(backend: DocumentBackend): RunLogStore {
  const where = backend.location;
  const read = async (runId: string): Promise<RunDocument> => {
    assertSafeRunId(runId);
    const doc = await backend.read(runId);
    if (!doc) throw new RunLogNotFoundError(runId, where);
    return doc;
  };
  const update = async (runId: string, change: (doc: RunDocument) => void): Promise<void> => {
    assertSafeRunId(runId);
    if (!(await backend.update(runId, change))) throw new RunLogNotFoundError(runId, where);
  };

  const built = backend.putBuilt && backend.getBuilt ? { put: backend.putBuilt.bind(backend), get: backend.getBuilt.bind(backend) } : undefined;
  return {
    location: where,
    ...(built
      ? {
          async putBuiltPipeline(runId: string, text: string) {
            await read(runId);
            await built.put(runId, text);
          },
          async getBuiltPipeline(runId: string) {
            assertSafeRunId(runId);
            return built.get(runId);
          },
        }
      : {}),
    async createRun(record, parameters, opts) {
      assertSafeRunId(record.run_id);
      const doc: RunDocument = {
        run: jsonClone(runRecord(record)),
        parameters: jsonClone(Object.fromEntries(definedEntries(parameters))),
        steps: {},
        branches: {},
        map_items: {},
      };
      const existing = await backend.create(record.run_id, doc);
      if (!existing) return jsonClone(doc.run);
      if (!opts?.existsOk) throw new RunLogExistsError(record.run_id, where);
      return jsonClone(runRecord(existing.run));
    },
    async getRun(runId) {
      return jsonClone(runRecord((await read(runId)).run));
    },
    async updateRun(runId, patch) {
      const clean = jsonClone(patch);
      await update(runId, (doc) => {
        doc.run = runRecord({ ...doc.run, ...clean });
      });
    },
    async listRuns() {
      const docs = await backend.list();
      return docs
        .map((d) => jsonClone(runRecord(d.run)))
        .sort((a, b) => (a.run_id < b.run_id ? -1 : a.run_id > b.run_id ? 1 : 0));
    },
    async getParameters(runId) {
      return jsonClone((await read(runId)).parameters);
    },
    async setParameters(runId, values) {
      // An existing key keeps its place: magnus's dict.update order (spec §4.1 step 5).
      const clean = jsonClone(Object.fromEntries(definedEntries(values)));
      await update(runId, (doc) => {
        for (const [k, v] of Object.entries(clean)) setOwn(doc.parameters, k, v);
      });
    },
    async putStep(runId, record) {
      const shared = shareStepValues(stepRecord(record));
      const clean = jsonClone(shared.record);
      await update(runId, (doc) => {
        if (shared.values.size) {
          const values = (doc.values ??= {});
          for (const [digest, text] of shared.values) if (!Object.hasOwn(values, digest)) setOwn(values, digest, parseJson(text));
        }
        setOwn(doc.steps, clean.step.internal_name, clean);
      });
    },
    async getStep(runId, internalName) {
      const r = getOwn((await read(runId)).steps, internalName);
      return r && jsonClone(stepRecord(r));
    },
    async putBranch(runId, record) {
      const clean = jsonClone(branchRecord(record));
      await update(runId, (doc) => setOwn(doc.branches, clean.branch.internal_name, clean));
    },
    async getBranch(runId, internalName) {
      const r = getOwn((await read(runId)).branches, internalName);
      return r && jsonClone(branchRecord(r));
    },
    async putMapItems(runId, internalName, items) {
      const clean = jsonClone(items);
      await update(runId, (doc) => setOwn(doc.map_items, internalName, clean));
    },
    async getMapItems(runId, internalName) {
      const items = getOwn((await read(runId)).map_items, internalName);
      return items && jsonClone(items);
    },
    async getRunLog(runId): Promise<RunLog> {
      const doc = await read(runId);
      const log = jsonClone(
        assembleRunLog(
          runRecord(doc.run),
          doc.parameters,
          Object.values(doc.steps),
          Object.values(doc.branches),
        ),
      );
      const steps = [...allSteps(log.steps)];
      const values = new Map<string, unknown>();
      for (const d of inlineDigests(steps)) if (doc.values && Object.hasOwn(doc.values, d)) values.set(d, jsonClone(doc.values[d]));
      inlineValues(steps, values);
      return log;
    },
  };
}
