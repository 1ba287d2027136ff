// `dagc watch <run-id> <pipeline> --target argo|asl`: follows a run on its engine until it ends, shown with
// `dagc run`'s progress display (progress.ts: a live block of running steps and counts on a terminal, plain
// lines otherwise, on stderr): the steps as the run log records them (▶ started, ✓/✗ ended), and above them each
// phase change of the run and its nodes as the engine reports it ("argo  hello: Running"). Then a summary as
// `dagc run` ends with. Exit 0 when it succeeded, 1 when it failed (as `dagc run`), 2 for bad input.
import type { Command } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { KUBE_OPTIONS, TARGET_OPTION, deployTarget, withRemoteErrors } from './deploy.js';
import { UsageError } from './types.js';
import { createLiveProgress, createPlainProgress } from './progress.js';

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
      const progress = io.isTTY ? await createLiveProgress(io) : createPlainProgress(io);
      let out;
      try {
        out = await watch(
          { ...inputFiles(file, args.options, io), target, context: stringOption(args.options, 'context'), namespace: stringOption(args.options, 'namespace') },
          runId,
          {
            intervalMs: seconds * 1000,
            onEvent: (e) => {
              if (e.kind === 'engine') progress.note(`${target}  ${e.text}`);
              else if (e.kind === 'run-log') progress.onEvent(e.event);
              else progress.note(`run log not readable yet: ${e.reason}`);
            },
          },
        );
      } finally {
        progress.stop();
      }
      const { succeeded, failed, mocked } = progress.counts;
      io.err(
        `\nrun ${runId} ${out.status} on ${target}: ${succeeded} step${succeeded === 1 ? '' : 's'} succeeded, ${failed} failed` +
          `${mocked ? `, ${mocked} taken from the previous run` : ''} (as the run log records them)\nthe run log: dagc runs show ${runId} -c CONFIG\n`,
      );
      return out.ok ? 0 : 1;
    });
  },
};
