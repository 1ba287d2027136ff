// The in-memory run log store (spec §3.6 `buffered`). One module-level map, so every part of one process
// (the local executor, its branches, `dagc run --json`) sees the same runs; nothing survives the process.
import type { RunLogStore } from './types.js';
import type { ServiceProvider } from '../provider.js';
import type { DocumentBackend, RunDocument } from './document-store.js';
import { createDocumentStore } from './document-store.js';

const RUNS = new Map<string, RunDocument>();

const memoryBackend: DocumentBackend = {
  location: 'memory (buffered run log store)',
  // Each call runs without an await between check and set, so concurrent creators in one process cannot both win.
  async create(runId, doc) {
    const existing = RUNS.get(runId);
    if (existing) return existing;
    RUNS.set(runId, doc);
    return undefined;
  },
  async read(runId) {
    return RUNS.get(runId);
  },
  async update(runId, change) {
    const doc = RUNS.get(runId);
    if (!doc) return false;
    change(doc);
    return true;
  },
  async list() {
    return [...RUNS.values()];
  },
};

export const buffered: ServiceProvider<RunLogStore> = {
  service: 'run_log_store',
  name: 'buffered',
  create: () => createDocumentStore(memoryBackend),
};
