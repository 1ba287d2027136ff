// `dagc fan close <run-id> <engine-status>`: an engine's exit handler (Argo's `onExit`) closes a run the engine
// ended before the pipeline did: a workflow deadline, a stop, a controller error, a pod that died and left its
// step PROCESSING. Every step and branch still PROCESSING becomes FAIL, then the run (DESIGN.md §3 invariant 5:
// the run log always closes). A run the engine says succeeded is left exactly as it is, and so is the status of
// a run that already ended (its fail node ran: Argo routed the failure even though the failed step's pod died
// before recording its end, as an OOMKilled pod does) — only its steps left PROCESSING are closed.
import type { StepLog, Status } from '../services/run-log/types.js';
import { isoNow } from './clock.js';
import type { RunContext } from './context.js';

export async function closeRun(ctx: RunContext, engineStatus: string): Promise<Status> {
  // When the exit handler runs every node of the workflow has ended: a step still PROCESSING is one whose pod
  // died (OOMKilled, evicted, lost) before it recorded its end, even in a workflow that succeeded (Argo took
  // its on_failure route). It is closed FAIL; a succeeded workflow's run keeps its status.
  if (engineStatus === 'Succeeded') return closeUnfinished(ctx, "the step's pod ended before the step recorded its end", { keepRunStatus: true });
  return closeUnfinished(ctx, `the engine ended the run (${engineStatus}) before this finished`);
}

/**
 * Closes whatever of a run is still PROCESSING as FAIL with `message` (steps keep a message of their own), then
 * the run: after an internal error or a forced stop of `dagc run`, and `dagc runs close` (issue 19).
 */
export async function closeUnfinished(
  ctx: Pick<RunContext, 'store' | 'runId' | 'events'>,
  message: string,
  opts: { readonly keepRunStatus?: boolean } = {},
): Promise<Status> {
  const log = await ctx.store.getRunLog(ctx.runId);
  const close = async (steps: Record<string, StepLog>): Promise<void> => {
    for (const step of Object.values(steps)) {
      for (const branch of Object.values(step.branches ?? {})) {
        await close(branch.steps);
        if (branch.status === 'PROCESSING') {
          const record = await ctx.store.getBranch(ctx.runId, branch.internal_name);
          if (record) await ctx.store.putBranch(ctx.runId, { ...record, branch: { ...record.branch, status: 'FAIL' } });
        }
      }
      if (step.status !== 'PROCESSING') continue;
      const record = await ctx.store.getStep(ctx.runId, step.internal_name);
      if (!record) continue;
      await ctx.store.putStep(ctx.runId, { ...record, step: { ...record.step, status: 'FAIL', message: record.step.message || message } });
      ctx.events({ kind: 'step-end', step: step.internal_name, stepType: step.step_type, status: 'FAIL', mock: false, seconds: 0, message });
    }
  };
  await close(log.steps);
  if (log.status !== 'PROCESSING' || opts.keepRunStatus) return log.status;
  await ctx.store.updateRun(ctx.runId, { status: 'FAIL', ended_at: isoNow() });
  return 'FAIL';
}
