// `dagc emulate <pipeline> --target T`: compiles, then runs the compiled output here with the engine's
// semantics, every step through the real entrypoint (the library's emulate; the emulators are src/emulate/T/).
// Same exit codes as `dagc run`; the run shows in `dagc runs show ID`.
import type { Command } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { COMPILE_OPTIONS, targetOption } from './compile.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { emulate } from '../library/emulate.js';

export const command: Command = {
  name: 'emulate',
  summary: "Compile a pipeline, then run the rendered output here with the engine's semantics.",
  usage: 'dagc emulate <pipeline> --target bash|asl|argo [-c config] [-p params] [--run-id ID]',
  options: {
    target: COMPILE_OPTIONS.target,
    ...INPUT_OPTIONS,
    'run-id': { type: 'string', arg: 'ID', description: 'the run id (default: a new time-based id)' },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = await targetOption(stringOption(args.options, 'target'));
    const { runId, exitCode, engine } = await emulate(
      { ...inputFiles(file, args.options, io), target, runId: stringOption(args.options, 'run-id'), out: io.out, err: io.err },
      (d) => io.diagnostics(d),
    );
    const status = exitCode === 0 ? 'SUCCESS' : exitCode === 1 ? 'FAIL' : 'stopped';
    io.err(`\nrun ${runId} ${status}${engine}\nthe run log: dagc runs show ${runId}\n`);
    return exitCode;
  },
};
