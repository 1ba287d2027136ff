// A step's output as the run recorded it: the captured output the entrypoint put in the catalog for each
// attempt (every target runs steps through the entrypoint, so this works for runs on any engine whose run log
// store and catalog this machine can read). The engine's own view (a pod's log) is kube/'s.
import { UserError } from '../core/errors.js';
import type { DagcConfig } from '../config/types.js';

export interface StepOutput {
  /** The step's dot path (internal name). */
  readonly step: string;
  readonly attempt: number;
  readonly status: string;
  readonly text?: string;
  /** Why there is no text: not captured, or unreadable. */
  readonly missing?: string;
}

/** Outputs of `step` (its name or its dot path), or of every task when `step` is undefined, attempt by attempt. */
export async function catalogOutputs(
  config: DagcConfig,
  runId: string,
  step: string | undefined,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<StepOutput[]> {
  const { createRunLogStore } = await import('../services/run-log/index.js');
  const store = createRunLogStore(config.run_log_store, { cwd, env });
  const { reportData } = await import('../report/index.js');
  const data = await reportData(store, runId, { cwd, env });
  const steps = data.steps.filter((s) => s.type === 'task' && (step === undefined || s.name === step || s.internalName === step));
  if (steps.length === 0) {
    if (step === undefined) return [];
    const names = data.steps.filter((s) => s.type === 'task').map((s) => s.internalName);
    throw new UserError(`run ${runId} has no task step "${step}"`, names.length ? `its task steps: ${names.join(', ')}` : 'the run has no task steps yet');
  }
  return steps.flatMap((s) =>
    s.attempts.map((a) => ({
      step: s.internalName,
      attempt: a.number,
      status: a.status,
      ...(a.output?.text !== undefined ? { text: a.output.text } : { missing: a.output?.unavailable ?? 'no captured output (catalog do-nothing?)' }),
    })),
  );
}
