// `dagc submit <pipeline> --target argo|asl [--run-id ID]`: starts a run of what `dagc deploy` put on the engine
// (a Workflow from the WorkflowTemplate; a Step Functions execution named by the run id). The same run id and
// input a second time starts nothing new (Step Functions' StartExecution is idempotent for them; a Workflow's
// name is the run id). -p and --use-cached reach the run as Workflow arguments (argo) or in the execution input
// {parameters, use_cached} (asl). Prints the run id on stdout, for scripts: RUN=$(dagc submit …).
import type { Command } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { KUBE_OPTIONS, TARGET_OPTION, deployTarget, withRemoteErrors } from './deploy.js';

export const command: Command = {
  name: 'submit',
  summary: 'Start a run of the deployed pipeline on its engine; prints the run id.',
  usage: 'dagc submit <pipeline> --target argo|asl [-c config] [-p params] [--run-id ID] [--use-cached OLD] [--context C] [-n NS]',
  options: {
    ...TARGET_OPTION,
    ...INPUT_OPTIONS,
    'run-id': { type: 'string', arg: 'ID', description: 'the run id (default: a new one); the execution / Workflow is named by it' },
    'use-cached': { type: 'string', arg: 'OLD_RUN_ID', description: 'take the steps that succeeded in OLD_RUN_ID as they are (argo: a Workflow argument; asl: the execution input)' },
    ...KUBE_OPTIONS,
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = deployTarget(stringOption(args.options, 'target'));
    return withRemoteErrors('submit', io, async () => {
      const { submit } = await import('../deploy/index.js');
      const out = await submit(
        {
          ...inputFiles(file, args.options, io),
          target,
          runId: stringOption(args.options, 'run-id'),
          useCached: stringOption(args.options, 'use-cached'),
          context: stringOption(args.options, 'context'),
          namespace: stringOption(args.options, 'namespace'),
        },
        (d) => io.diagnostics(d),
      );
      io.err(out.started ? `started ${out.id}\n` : `already running, nothing new started: ${out.id}\n`);
      io.out(`${out.runId}\n`);
      return 0;
    });
  },
};
