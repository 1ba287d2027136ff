// The one comparison every target uses (DESIGN.md §3 invariant 1): two runs are the same when their run logs
// are equal once times, run ids, code identities and the run config (which names the executor) are removed.
// Like npm's clean-snapshot.js, scrubbing happens in one place and comparison is exact.
import type { RunLog, StepLog } from '../../src/services/run-log/types.js';

export interface ScrubbedStep {
  name: string;
  internal_name: string;
  status: string;
  step_type: string;
  message: string;
  mock: boolean;
  attempts: { attempt_number: number; status: string; message: string; parameters: Record<string, unknown> }[];
  user_defined_metrics: Record<string, unknown>;
  branches: Record<string, { internal_name: string; status: string; steps: Record<string, ScrubbedStep> }>;
  data_catalog: { name: string; data_hash: string; catalog_relative_path: string; stage: string }[];
}

export interface ScrubbedRunLog {
  run_id: string;
  dag_hash: string | null;
  use_cached: boolean;
  tag: string;
  original_run_id: string;
  status: string;
  steps: Record<string, ScrubbedStep>;
  parameters: Record<string, unknown>;
}

function replaceRunId(text: string, runId: string): string {
  return runId ? text.split(runId).join('<run-id>') : text;
}

/** Run ids are from a safe alphabet, so replacing them in JSON text cannot break the JSON. */
function deepReplace<T>(value: T, runId: string): T {
  return JSON.parse(replaceRunId(JSON.stringify(value), runId)) as T;
}

function scrubStep(step: StepLog, runId: string): ScrubbedStep {
  return {
    name: step.name,
    internal_name: step.internal_name,
    status: step.status,
    step_type: step.step_type,
    message: replaceRunId(step.message, runId),
    mock: step.mock,
    attempts: step.attempts.map((a) => ({
      attempt_number: a.attempt_number,
      status: a.status,
      message: replaceRunId(a.message, runId),
      parameters: deepReplace(a.parameters, runId),
    })),
    user_defined_metrics: deepReplace(step.user_defined_metrics, runId),
    branches: Object.fromEntries(
      Object.entries(step.branches).map(([k, b]) => [
        k,
        {
          internal_name: b.internal_name,
          status: b.status,
          steps: Object.fromEntries(Object.entries(b.steps).map(([sk, s]) => [sk, scrubStep(s, runId)])),
        },
      ]),
    ),
    data_catalog: step.data_catalog.map((c) => ({
      name: c.name,
      data_hash: c.data_hash,
      catalog_relative_path: replaceRunId(c.catalog_relative_path, runId),
      stage: c.stage,
    })),
  };
}

/** Removes what legitimately differs between two runs of the same pipeline (times, ids, code identity). */
export function scrubRunLog(log: RunLog): ScrubbedRunLog {
  const runId = log.run_id;
  return {
    run_id: '<run-id>',
    dag_hash: log.dag_hash,
    use_cached: log.use_cached,
    tag: log.tag,
    original_run_id: log.original_run_id ? '<original-run-id>' : '',
    status: log.status,
    steps: Object.fromEntries(Object.entries(log.steps).map(([k, s]) => [k, scrubStep(s, runId)])),
    parameters: deepReplace(log.parameters, runId),
  };
}

/** The scrubbed run log as stable text (for file snapshots and readable diffs). */
export function scrubbedText(log: RunLog): string {
  return JSON.stringify(scrubRunLog(log), null, 2) + '\n';
}
