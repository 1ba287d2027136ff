// `dagc execute -f pipeline`: magnus's spelling. The config's executor decides: `local` runs here (as
// `dagc run`); an executor that renders for an engine (bash, argo, asl: EXECUTOR_TARGETS) compiles the
// pipeline to the executor config's `output_file` (magnus 0.5's key; default: the target's own name, e.g.
// pipeline.argo.yaml), exactly as `dagc compile --target T -o FILE` would.
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, UserError, stringOption } from './types.js';
import { loadInputs } from './load-inputs.js';
import { RUN_OPTIONS, TRAVERSES_HERE, runLocally } from './run.js';

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
    if (TRAVERSES_HERE.includes(type)) return runLocally(inputs, args, io);
    const { EXECUTOR_TARGETS } = await import('../emit/targets.js');
    const target = EXECUTOR_TARGETS[type];
    if (!target)
      throw new UserError(
        `the "${type}" executor is not available in this version of dagc`,
        'use executor: {type: local} (or `dagc run`) to run the pipeline here',
      );
    const { loadEmitter, render } = await import('./compile.js');
    const { writeOutput } = await import('./write-outputs.js');
    const emitter = await loadEmitter(target);
    if (inputs.warnings.length) await io.diagnostics(inputs.warnings);
    const configured = inputs.config.executor.config?.output_file;
    if (configured !== undefined && (typeof configured !== 'string' || !configured.trim()))
      throw new UserError('executor.config.output_file must be a file name', `e.g. output_file: ${emitter.defaultOutput('pipeline')}`);
    const base = path.basename(file).replace(/\.(ya?ml)$/i, '');
    const output = path.resolve(io.cwd, (configured as string | undefined) ?? emitter.defaultOutput(base));
    const rendered = await render(emitter, inputs, args, io, file, output);
    await writeOutput(output, rendered.text, rendered.executable ? 0o755 : 0o644);
    io.err(`wrote ${path.relative(io.cwd, output) || output} (${type} executor: dagc renders, the engine runs)\n`);
    return 0;
  },
};
