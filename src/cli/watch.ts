// `dagc watch <run-id> <pipeline> --target argo|asl`: follows a run on its engine, printing each phase change of
// the run and its nodes (the engine's view) and each step status the run log records, until the run ends.
// Exit 0 when it succeeded, 1 when it failed (as `dagc run`), 2 for bad input.
import type { Command } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { KUBE_OPTIONS, TARGET_OPTION, deployTarget, withRemoteErrors } from './deploy.js';
import { UsageError } from './types.js';

export const command: Command = {
  name: 'watch',
  summary: "Follow a run on its engine (node phases) next to its run log (step statuses) until it ends; exit 0 success, 1 failure.",
  usage: 'dagc watch <run-id> <pipeline> --target argo|asl [-c config] [--interval SECONDS] [--context C] [-n NS]',
  options: {
    ...TARGET_OPTION,
    ...INPUT_OPTIONS,
    interval: { type: 'string', arg: 'SECONDS', description: 'how often to ask the engine (default 2)' },
    ...KUBE_OPTIONS,
  },
  async run(args, io) {
    const runId = requirePositional(args, 0, 'the run id');
    const file = requirePositional(args, 1, 'the pipeline file');
    const target = deployTarget(stringOption(args.options, 'target'));
    const interval = stringOption(args.options, 'interval');
    const seconds = interval === undefined ? 2 : Number(interval);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) throw new UsageError(`--interval ${interval}: give a number of seconds from 0 to 3600`);
    return withRemoteErrors('watch', io, async () => {
      const { watch } = await import('../deploy/index.js');
      const out = await watch(
        { ...inputFiles(file, args.options, io), target, context: stringOption(args.options, 'context'), namespace: stringOption(args.options, 'namespace') },
        runId,
        { intervalMs: seconds * 1000, onEvent: (text) => void io.out(`${text}\n`) },
      );
      return out.ok ? 0 : 1;
    });
  },
};
