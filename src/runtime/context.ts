// Everything one run needs while it executes nodes, whoever traverses (the local executor in-process, or an
// engine calling `dagc exec` / `dagc fan` once per node).
import type { DagcConfig } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import type { CodeIdentity, RunLog, RunLogStore, StepLog } from '../services/run-log/types.js';
import type { Catalog } from '../services/catalog/types.js';
import type { Secrets } from '../services/secrets/types.js';
import type { ExperimentTracker } from '../services/tracking/index.js';
import type { EventSink } from './events.js';

/** The previous run of a re-run (`--use-cached`, magnus-spec.md §3.11). */
export interface PreviousRun {
  readonly log: RunLog;
  /** Resolved internal name → step log, for every step at any depth. */
  readonly steps: ReadonlyMap<string, StepLog>;
  /** Skipping stops at the first node that really executes (spec §3.11 step 4). */
  skipping: boolean;
}

export interface RunContext {
  readonly pipeline: Pipeline;
  readonly config: DagcConfig;
  readonly runId: string;
  readonly tag: string;
  readonly cwd: string;
  readonly store: RunLogStore;
  readonly catalog: Catalog;
  readonly secrets: Secrets;
  readonly tracker: ExperimentTracker;
  readonly events: EventSink;
  /** Secret values known so far, masked in everything printed or stored. */
  readonly secretValues: Set<string>;
  readonly previous?: PreviousRun;
  /** How many branches or tasks may run at once (local executor's max_parallel; 1 when sequential). */
  readonly maxParallel: number;
  /** Limits how many leaf tasks run at once (local executor); engines run one node per process. */
  readonly limit: <T>(work: () => Promise<T>) => Promise<T>;
  /** Set when the user interrupts the run (Ctrl-C): running steps are killed and traversal stops. */
  readonly signal?: AbortSignal;
  /** Extra environment for every step (DAGC_RUN_TAG, DAGC_CONFIG_FILE, …). */
  readonly stepEnv: Readonly<Record<string, string>>;
  /** The code identities recorded in each new step log (git; a container executor adds its image). */
  readonly codeIdentities: () => Promise<CodeIdentity[]>;
  /** Steps recorded as mocked instead of run: the `mocked` executor, or `--step NAME` (runtime/mocking.ts). */
  readonly mocking?: Mocking;
}

export interface Mocking {
  /** The step log's message, e.g. 'mocked: the mocked executor runs no task'. */
  readonly message: string;
  /** Whether the node at this resolved internal name is mocked (terminal nodes never are). */
  readonly mocks: (internal: string, nodeType: string) => boolean;
  /** magnus's mocked executor still records one successful attempt; execute_step's mocks have none. */
  readonly withAttempt: boolean;
}

export function indexSteps(log: RunLog): Map<string, StepLog> {
  const out = new Map<string, StepLog>();
  const visit = (steps: Record<string, StepLog>) => {
    for (const step of Object.values(steps)) {
      out.set(step.internal_name, step);
      for (const branch of Object.values(step.branches)) visit(branch.steps);
    }
  };
  visit(log.steps);
  return out;
}

