// The run log model (shared/spec/magnus-spec.md §3.1) with magnus's field names and order, as the 2023 head
// wrote it (attempt numbers from 1, parameters per attempt), except: times are ISO-8601 with offset and
// durations are seconds (shared/DESIGN.md wins over the spec there).

export type Status = 'CREATED' | 'PROCESSING' | 'SUCCESS' | 'FAIL' | 'TRIGGERED';

export interface CodeIdentity {
  code_identifier: string | null;
  code_identifier_type: string;
  code_identifier_dependable: boolean;
  code_identifier_url: string | null;
  code_identifier_message: string;
}

export interface DataCatalogEntry {
  name: string;
  data_hash: string;
  catalog_relative_path: string;
  catalog_handler_location: string;
  stage: 'get' | 'put' | '';
}

export interface StepAttempt {
  attempt_number: number;
  /** ISO-8601 with offset, e.g. 2026-11-24T14:01:20.924+00:00. */
  start_time: string;
  end_time: string;
  /** Seconds. */
  duration: number;
  status: Status;
  message: string;
  /** Parameters as they were when the attempt started. */
  parameters: Record<string, unknown>;
}

export interface BranchLog {
  internal_name: string;
  status: Status;
  steps: Record<string, StepLog>;
}

export interface StepLog {
  name: string;
  internal_name: string;
  status: Status;
  step_type: string;
  message: string;
  mock: boolean;
  code_identities: CodeIdentity[];
  attempts: StepAttempt[];
  user_defined_metrics: Record<string, unknown>;
  branches: Record<string, BranchLog>;
  data_catalog: DataCatalogEntry[];
}

export interface RunLog {
  run_id: string;
  dag_hash: string | null;
  use_cached: boolean;
  tag: string;
  original_run_id: string;
  status: Status;
  steps: Record<string, StepLog>;
  parameters: Record<string, unknown>;
  run_config: Record<string, unknown>;
}

/** The run-level record, without steps and parameters (stored separately in chunked layouts). */
export type RunRecord = Omit<RunLog, 'steps' | 'parameters'> & {
  /** ISO-8601 creation time, for `dagc runs list`. */
  created_at: string;
  /** ISO-8601 time the run reached SUCCESS/FAIL, if it did. */
  ended_at?: string;
};

/**
 * A step or branch record as a store keeps it. `parent` is the internal name of the enclosing branch
 * ('' for the root) for steps, and of the owning step for branches: parents are explicit because map
 * values may themselves contain dots, so a dot path cannot be split reliably.
 */
export interface StepRecord {
  parent: string;
  /**
   * Creation time in epoch milliseconds with sub-millisecond precision (performance.timeOrigin +
   * performance.now()); the assembler orders siblings by it. Set once when the record is first written.
   */
  order: number;
  step: Omit<StepLog, 'branches'>;
}

export interface BranchRecord {
  parent: string;
  order: number;
  branch: Omit<BranchLog, 'steps'>;
}

/** Thrown when a run does not exist; commands turn it into a clear message. */
export class RunLogNotFoundError extends Error {
  constructor(readonly runId: string, where: string) {
    super(`There is no run "${runId}" in ${where}`);
    this.name = 'RunLogNotFoundError';
  }
}

export class RunLogExistsError extends Error {
  constructor(readonly runId: string, where: string) {
    super(`A run "${runId}" already exists in ${where}`);
    this.name = 'RunLogExistsError';
  }
}

/**
 * One interface for every run log store (buffered, file-system, chunked-fs, later s3).
 * Every write is atomic (temp file + rename for file stores). Records are keyed by their resolved internal
 * name; a step or branch is written whole each time (the writer owns it: parallel branches write separate
 * records, so no writer overwrites another's).
 */
export interface RunLogStore {
  /** Human-readable location for messages, e.g. '.run_log_store/'. */
  readonly location: string;
  /**
   * Creates the run record. With `existsOk`, a run that already exists is left untouched and returned
   * (creation is idempotent under races: exactly one creator wins, the others read its record).
   */
  createRun(record: RunRecord, parameters: Record<string, unknown>, opts?: { existsOk?: boolean }): Promise<RunRecord>;
  getRun(runId: string): Promise<RunRecord>;
  updateRun(runId: string, patch: Partial<Pick<RunRecord, 'status' | 'ended_at' | 'tag'>>): Promise<void>;
  listRuns(): Promise<RunRecord[]>;

  /** Parameters are stored one key at a time so concurrent writers of different keys never clash. */
  getParameters(runId: string): Promise<Record<string, unknown>>;
  setParameters(runId: string, values: Record<string, unknown>): Promise<void>;

  putStep(runId: string, record: StepRecord): Promise<void>;
  /** undefined when the step has no record yet. */
  getStep(runId: string, internalName: string): Promise<StepRecord | undefined>;
  putBranch(runId: string, record: BranchRecord): Promise<void>;
  getBranch(runId: string, internalName: string): Promise<BranchRecord | undefined>;

  /** A map's items as its fan-out saw them; engines carry only indices and read items back from here. */
  putMapItems(runId: string, internalName: string, items: unknown[]): Promise<void>;
  getMapItems(runId: string, internalName: string): Promise<unknown[] | undefined>;

  /** The whole run log assembled from its records (steps in the order they were created). */
  getRunLog(runId: string): Promise<RunLog>;
  /**
   * The run log as `dagc runs show --json` prints it (the JSON text of getRunLog, indented by 2), written in
   * pieces to `out` with only the records' index in memory (issue 16). Optional: without it the document is
   * assembled whole.
   */
  writeRunLog?(runId: string, out: (text: string) => Promise<void> | void): Promise<void>;
  /**
   * The run's built pipeline (src/runtime/built.ts), kept beside the run record so that `dagc exec` need not
   * build it again for every step. Optional: a store without them makes every call build it.
   */
  putBuiltPipeline?(runId: string, text: string): Promise<void>;
  /** undefined when the run has none (created before it was kept, or by a store that keeps none). */
  getBuiltPipeline?(runId: string): Promise<string | undefined>;
}
