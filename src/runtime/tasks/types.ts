// The contract between the node executor (src/runtime/exec-node.ts) and the task runners
// (shell, python, python-lambda, notebook). A runner runs ONE attempt of a task in a child process and
// reports what the step set; it never touches the run log, the catalog or the terminal directly.
import type { CommandType } from '../../ir/types.js';
import type { DataCatalogEntry } from '../../services/run-log/types.js';

export interface TaskRequest {
  command: string;
  commandType: CommandType;
  commandConfig: Readonly<Record<string, unknown>>;
  /** The step's display name (its resolved internal name), used to prefix live output lines. */
  stepName: string;
  runId: string;
  /** The attempt number, from 1. */
  attempt: number;
  /** Run parameters as they are when the attempt starts (JSON values). */
  parameters: Readonly<Record<string, unknown>>;
  /** Enclosing map values, outermost first: {iterate_as: value}. Empty outside maps. */
  mapVariable: Readonly<Record<string, unknown>>;
  /** Extra environment for the step (secret_as_env, DAGC_CONFIG_FILE, DAGC_RUN_TAG, …). */
  env: Readonly<Record<string, string>>;
  /** Working directory of the step (the project directory). */
  cwd: string;
  /** Secret values to mask in anything printed or captured. */
  secretValues: readonly string[];
  /** Live output, already masked, one call per complete line (without the newline). */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  /** Aborts the attempt (the child is killed). */
  signal?: AbortSignal;
}

export interface TaskResult {
  /** True when the attempt succeeded (exit code 0 and nothing the step produced was invalid). */
  ok: boolean;
  exitCode: number | null;
  /** Why it failed, one line, masked ('' on success). */
  message: string;
  /** Parameters the step set (keys lower-cased, magnus quirk §10.5), only meaningful when ok. */
  parameters: Record<string, unknown>;
  /** Metrics the step recorded (DAGC_TRACK_* / MAGNUS_TRACK_* / $DAGC_METRICS), only meaningful when ok. */
  metrics: Record<string, unknown>;
  /** Everything the step printed (stdout and stderr interleaved as they arrived), masked. */
  output: string;
  /** Catalog entries the step's own get/put calls made (the Python API), in call order. */
  catalog?: DataCatalogEntry[];
}

export type TaskRunner = (request: TaskRequest) => Promise<TaskResult>;
