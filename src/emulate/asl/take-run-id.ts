// The run id of an emulated execution is taken before the state machine starts (issue 19; ../take-run-id.ts):
// `dagc fan open` runs here with the dagc options every Task's container passes (`dagc asl-task -f … --`), in a
// job's environment, under the run id the execution name maps to (runtime/run-id.ts), tagged with the name when
// that differs, as the first Task would create the run.
import { CONTAINER_PROGRAM } from '../../emit/asl/container-script.js';
import { imageEnvironment } from '../../runtime/image-env.js';
import { runIdOfExecutionName } from '../../runtime/run-id.js';
import { takeRunId } from '../take-run-id.js';
import type { EmulateOptions } from '../types.js';

/** dagc's options in the Tasks' `dagc asl-task OPTIONS -- OP …` Commands (the same in every Task), if any. */
export function aslEntryOptions(definition: unknown): string[] | undefined {
  const seen: unknown[] = [definition];
  while (seen.length) {
    const value = seen.pop();
    if (Array.isArray(value)) {
      if (value[0] === CONTAINER_PROGRAM && value[1] === 'asl-task' && value.includes('--')) return value.slice(2, value.indexOf('--')).map(String);
      seen.push(...(value as unknown[]));
    } else if (value && typeof value === 'object') seen.push(...Object.values(value));
  }
  return undefined;
}

/** Creates the run record for an emulated execution named `executionName`, or throws a UserError (exit 2).
 * `inputEnv`: what the execution input gives the entrypoint (runtime/execution-input.ts: DAGC_PRM_*,
 * DAGC_USE_CACHED), as every Task's `dagc asl-task` passes it on. */
export async function takeAslRunId(definition: unknown, options: EmulateOptions, executionName: string, inputEnv: Readonly<Record<string, string>> = {}): Promise<void> {
  const entry = aslEntryOptions(definition);
  if (!entry) return; // not a definition dagc wrote: no Task calls dagc
  const runId = runIdOfExecutionName(executionName);
  await takeRunId({
    runId,
    entry,
    useCached: options.useCached,
    tag: runId !== executionName ? `execution ${executionName}` : undefined,
    cwd: options.cwd,
    env: { ...imageEnvironment(options.env, options.config, options.pipeline), ...inputEnv },
    dagc: options.dagc,
    err: options.err,
  });
}
