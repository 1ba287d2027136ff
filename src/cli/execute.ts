// `dagc execute -f pipeline`: magnus's spelling. The config's executor decides: `local` runs here (as
// `dagc run`); rendering executors (bash, argo, asl) compile instead once their targets exist.
import type { Command } from './types.js';
import { UsageError, UserError, stringOption } from './types.js';
import { loadInputs } from './load-inputs.js';
import { RUN_OPTIONS, runLocally } from './run.js';

export const command: Command = {
  name: 'execute',
  summary: "Run or render a pipeline the way its config's executor says (magnus's `execute`).",
  usage: 'dagc execute -f <pipeline> [-c config] [-p params] [--run-id ID] [--tag T] [--use-cached OLD_ID]',
  options: {
    file: { type: 'string', short: 'f', arg: 'FILE', description: 'the pipeline file' },
    ...RUN_OPTIONS,
  },
  async run(args, io) {
    const file = stringOption(args.options, 'file') ?? args.positionals[0];
    if (!file) throw new UsageError('missing the pipeline file (-f FILE)');
    const inputs = await loadInputs(file, args.options, io);
    const type = inputs.config.executor.type;
    if (type === 'local') return runLocally(inputs, args, io);
    throw new UserError(
      `the "${type}" executor is not available in this version of dagc`,
      'use executor: {type: local} (or `dagc run`) to run the pipeline here',
    );
  },
};
