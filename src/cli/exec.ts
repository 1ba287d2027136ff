// `dagc exec <run-id> <dot-path>`: the runtime entrypoint for one leaf node, called once per node by rendered
// targets. Exit 0 when the node ended SUCCESS and 1 when FAIL, so the engine can route on_failure.
import type { Command } from './types.js';
import { UsageError, stringOption } from './types.js';
import { ENTRYPOINT_OPTIONS, openEntry } from './entrypoint.js';

export const command: Command = {
  name: 'exec',
  summary: 'Run one task, stub, success or fail node of a run and record it (the runtime entrypoint).',
  usage: 'dagc exec <run-id> <dot-path> -f <pipeline> [-c config] [-p params] [--map-index I,J | --map-variable JSON] [--attempt N]',
  options: {
    ...ENTRYPOINT_OPTIONS,
    attempt: { type: 'string', arg: 'N', description: "run exactly one attempt numbered N (the engine retries); without it the node's own retry count runs here" },
  },
  async run(args, io) {
    const rawAttempt = stringOption(args.options, 'attempt') ?? io.env.DAGC_STEP_ATTEMPT;
    const attempt = rawAttempt === undefined ? undefined : Number(rawAttempt);
    if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1))
      throw new UsageError(`--attempt must be a whole number from 1, got "${rawAttempt}"`);
    // A TERM/INT from the engine (a pod deleted, a script killed) kills the step and records the attempt as
    // FAIL, so the run log says what happened instead of showing a step PROCESSING forever.
    const abort = new AbortController();
    const onSignal = () => abort.abort();
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    try {
      const { ctx, inv } = await openEntry(args, io, false, abort.signal);
      const { executeLeaf } = await import('../runtime/exec-node.js');
      // This process ends with its node: the node's workspaces are removed when it exits, not kept for reuse.
      (await import('../runtime/workspace.js')).removeWorkspacesAtExit();
      const status = await executeLeaf(ctx, { ...inv, attempt });
      return status === 'SUCCESS' ? 0 : 1;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  },
};
