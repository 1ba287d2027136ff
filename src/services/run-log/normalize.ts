// Rebuilds records with exactly the model's fields in the declared order (shared/spec/magnus-spec.md §3.1:
// the field order is what users see in the JSON). Stores keep only what the model has plus parent/order, so a
// caller passing a whole StepLog (with branches) or extra keys cannot smuggle them into a record.
import type {
  BranchRecord,
  CodeIdentity,
  DataCatalogEntry,
  RunRecord,
  StepAttempt,
  StepLog,
  StepRecord,
} from './types.js';
import { jsonCloneKeepFloats } from '../../core/py-float.js';

export type StepBody = Omit<StepLog, 'branches'>;

function codeIdentity(c: CodeIdentity): CodeIdentity {
  return {
    code_identifier: c.code_identifier,
    code_identifier_type: c.code_identifier_type,
    code_identifier_dependable: c.code_identifier_dependable,
    code_identifier_url: c.code_identifier_url,
    code_identifier_message: c.code_identifier_message,
  };
}

function attempt(a: StepAttempt): StepAttempt {
  return {
    attempt_number: a.attempt_number,
    start_time: a.start_time,
    end_time: a.end_time,
    duration: a.duration,
    status: a.status,
    message: a.message,
    parameters: a.parameters,
  };
}

export function catalogEntry(e: DataCatalogEntry): DataCatalogEntry {
  return {
    name: e.name,
    data_hash: e.data_hash,
    catalog_relative_path: e.catalog_relative_path,
    catalog_handler_location: e.catalog_handler_location,
    stage: e.stage,
  };
}

export function stepBody(s: StepBody): StepBody {
  return {
    name: s.name,
    internal_name: s.internal_name,
    status: s.status,
    step_type: s.step_type,
    message: s.message,
    mock: s.mock,
    code_identities: (s.code_identities ?? []).map(codeIdentity),
    attempts: (s.attempts ?? []).map(attempt),
    user_defined_metrics: s.user_defined_metrics ?? {},
    data_catalog: (s.data_catalog ?? []).map(catalogEntry),
  };
}

/** The step log with its branches slotted in before data_catalog, where the model declares them. */
export function withBranches(s: StepBody, branches: StepLog['branches']): StepLog {
  const body = stepBody(s);
  return {
    name: body.name,
    internal_name: body.internal_name,
    status: body.status,
    step_type: body.step_type,
    message: body.message,
    mock: body.mock,
    code_identities: body.code_identities,
    attempts: body.attempts,
    user_defined_metrics: body.user_defined_metrics,
    branches,
    data_catalog: body.data_catalog,
  };
}

export function stepRecord(r: StepRecord): StepRecord {
  return { parent: r.parent, order: r.order, step: stepBody(r.step) };
}

export function branchRecord(r: BranchRecord): BranchRecord {
  return {
    parent: r.parent,
    order: r.order,
    branch: { internal_name: r.branch.internal_name, status: r.branch.status },
  };
}

export function runRecord(r: RunRecord): RunRecord {
  return {
    run_id: r.run_id,
    dag_hash: r.dag_hash,
    use_cached: r.use_cached,
    tag: r.tag,
    original_run_id: r.original_run_id,
    status: r.status,
    run_config: r.run_config,
    created_at: r.created_at,
    ...(r.ended_at !== undefined ? { ended_at: r.ended_at } : {}),
  };
}

/**
 * Values go through JSON on the way in, in every store, so all stores answer identically: what the file
 * stores cannot keep (undefined, functions, Date objects) the memory store does not keep either.
 */
export function jsonClone<T>(value: T): T {
  return jsonCloneKeepFloats(value);
}

/** Parameters without undefined values (JSON would drop them in some stores and not others). */
export function definedEntries(values: Record<string, unknown>): [string, unknown][] {
  return Object.entries(values).filter(([, v]) => v !== undefined);
}

/** An own property only: a step named "constructor" must not find Object.prototype.constructor. */
export function getOwn<T>(record: Record<string, T>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}

/** Sets an own property even for "__proto__" (plain assignment would change the prototype instead). */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}
