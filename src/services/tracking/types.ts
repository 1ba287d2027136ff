// The experiment tracker receives what every step that succeeded recorded (spec §3.4: magnus's track_this
// also called experiment_tracker.set_metric). Metrics land in the step log whatever the tracker.

/** One successful step attempt, as the tracker is told of it. */
export interface TrackedStep {
  /** The dagc run id. */
  readonly runId: string;
  /** The step's internal name (dot path, map values included). */
  readonly step: string;
  /** Its attempt number, from 1. */
  readonly attempt: number;
  /** The parameters the attempt started with (name → JSON value). */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** The metrics it recorded (name → JSON value; track_this(step=N) names them `N_<name>`, as magnus did). */
  readonly metrics: Readonly<Record<string, unknown>>;
  /** Epoch milliseconds of the attempt's start and end. */
  readonly startMs: number;
  readonly endMs: number;
}

export interface ExperimentTracker {
  /** Called once per run, by the process that created it (the run log store picks exactly one). */
  startRun?(runId: string, startMs: number): Promise<void>;
  /** Records one step that succeeded; a tracker that cannot is a failure of the step (it throws). */
  logStep(step: TrackedStep): Promise<void>;
}
