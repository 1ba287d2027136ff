// The experiment tracker receives every metric a step records (spec §3.4: magnus's track_this also called
// experiment_tracker.set_metric). Metrics land in the step log whatever the tracker.

export interface ExperimentTracker {
  /** One metric value; `step` is the training step (magnus's `track_this(step=…)`), when given. */
  logMetric(name: string, value: unknown, step?: number): Promise<void>;
}
