// `dagc execute -f pipeline`: magnus's spelling (the library's execute). The config's executor decides: `local`
// runs here (as `dagc run`); an executor that renders for an engine (bash, argo, asl) compiles the pipeline to
// the executor config's `output_file` (magnus 0.5's key; default: the target's own name, e.g.
// pipeline.argo.yaml), exactly as `dagc compile --target T -o FILE` would.
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, stringOption } from './types.js';
import { RUN_OPTIONS, runHere } from './run.js';
import { writeOutput } from './write-outputs.js';
import { execute } from '../library/run.js';
import type { CompileResult } from '../library/compile.js';

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
    let rendered: (CompileResult & { executor: string }) | undefined;
    const code = await runHere(
      async (request, report) => {
        const outcome = await execute(request, report);
        if (outcome.ran) return outcome;
        rendered = outcome;
        return undefined;
      },
      file,
      args,
      io,
    );
    if (code !== undefined || !rendered) return code ?? 2;
    const output = rendered.files[0]!;
    await writeOutput(output.path, output.text, output.executable ? 0o755 : 0o644);
    io.err(`wrote ${path.relative(io.cwd, output.path) || output.path} (${rendered.executor} executor: dagc renders, the engine runs)\n`);
    return 0;
  },
};
