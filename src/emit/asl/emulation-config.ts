// The config `dagc emulate --target asl` (and `dagc check --target asl` without an asl config) compiles with.
// A state machine names AWS resources the emulator never calls: the Batch job queue and job definition (the
// emulator runs each Task's Command here) and, for map counts, the S3 object the fan out wrote (the emulator
// answers those reads from the configured run log store). Where the config leaves them out — the local
// defaults, or an asl config without ARNs — placeholders fill them in, as config, so the definition that runs
// is exactly what `dagc compile --target asl` writes for this config (src/emulate/asl/, test/asl-target.test.ts).
import type { DagcConfig } from '../../config/types.js';
import { EXECUTOR_TYPES } from './asl-config.js';

/** Placeholders for the AWS resources the emulator never calls: it runs every container's Command here. */
export const EMULATION_DEFAULTS: Readonly<Record<string, unknown>> = {
  image: 'dagc:emulate',
  compute: 'batch',
  job_queue: 'arn:aws:batch:us-east-1:000000000000:job-queue/dagc-emulate',
  job_definition: 'arn:aws:batch:us-east-1:000000000000:job-definition/dagc-emulate',
};

/** The bucket the definition's map-count reads name when the run log store is not S3 (answered locally). */
export const EMULATION_BUCKET = 'dagc-emulate';

/**
 * A local config's concurrency (magnus's `enable_parallel: false` → one at a time, else
 * `max_parallel`) becomes the maps' MaxConcurrency, so steps that share the working directory see each other's
 * files in the same order as under `dagc run` (src/integrations/configured.ts maxParallelOf).
 */
function localConcurrency(local: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const enable = local.enable_parallel;
  if (enable === false || (typeof enable === 'string' && enable.toLowerCase() === 'false')) return { max_concurrency: 1 };
  const max = local.max_parallel;
  return typeof max === 'number' && max >= 1 ? { max_concurrency: Math.floor(max) } : {};
}

export function emulationConfig(config: DagcConfig): DagcConfig {
  const isAsl = (EXECUTOR_TYPES as readonly string[]).includes(config.executor.type);
  const given = isAsl ? { ...config.executor.config } : localConcurrency(config.executor.config ?? {});
  return {
    ...config,
    executor: { type: isAsl ? config.executor.type : 'asl', config: { ...EMULATION_DEFAULTS, ...given } },
    run_log_store: config.run_log_store.type === 's3' ? config.run_log_store : { type: 's3', config: { bucket: EMULATION_BUCKET } },
  };
}

