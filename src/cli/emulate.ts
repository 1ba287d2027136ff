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
  usage: 'dagc emulate <pipeline> --target bash|asl|argo [-c config] [-p params] [--run-id ID] [--engine ENGINE] [--json]',
  options: {
    target: COMPILE_OPTIONS.target,
    ...INPUT_OPTIONS,
    'run-id': { type: 'string', arg: 'ID', description: 'the run id (default: a new time-based id)' },
    'use-cached': { type: 'string', arg: 'OLD_ID', description: 're-run: steps that succeeded in run OLD_ID are taken as they are (asl: in the execution input)' },
    engine: {
      type: 'string',
      arg: 'ENGINE',
      description:
        "argo: dagc (the built-in emulator, the default) or argo (Argo's own workflow controller; needs Go). asl: aws-local-stepfunctions (the default) or localstack (the same run, its control flow judged by LocalStack's interpreter; needs the Python package moto)",
    },
    json: { type: 'boolean', description: "print the engine's account of the run (argo: the node tree) as JSON on stdout; steps' output goes to stderr" },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = await targetOption(stringOption(args.options, 'target'));
    const json = args.options.json === true;
    const { runId, exitCode, engine, details } = await emulate(
      {
        ...inputFiles(file, args.options, io),
        target,
        runId: stringOption(args.options, 'run-id'),
        useCached: stringOption(args.options, 'use-cached'),
        out: json ? io.err : io.out,
        err: io.err,
        engine: stringOption(args.options, 'engine'),
      },
      (d) => io.diagnostics(d),
    );
    if (json) io.out(`${JSON.stringify({ runId, exitCode, engine: details ?? null }, null, 2)}\n`);
    const status = exitCode === 0 ? 'SUCCESS' : exitCode === 1 ? 'FAIL' : 'stopped';
    io.err(`\nrun ${runId} ${status}${engine}\nthe run log: dagc runs show ${runId}\n`);
    return exitCode;
  },
};
