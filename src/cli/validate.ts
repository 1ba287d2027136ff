// `dagc validate <pipeline> [-c config] [-p params] [--var-file F]... [--json]`: every problem of the
// pipeline, its dag_definition files, the config and the parameters, at once (the library's validate). Exit 0
// when there is no error (warnings are printed), 2 otherwise. --json prints {"valid", "dag_hash",
// "diagnostics"} on stdout.
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, requirePositional } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { displayPath } from '../core/display.js';
import { validate } from '../library/validate.js';

export const command: Command = {
  name: 'validate',
  summary: 'Check a pipeline, its dag_definition files, config and parameters; print every problem.',
  usage: 'dagc validate <pipeline> [-c config] [-p params] [--var-file F]... [--json]',
  options: {
    ...INPUT_OPTIONS,
    json: { type: 'boolean', description: 'print {"valid", "dag_hash", "diagnostics"} as JSON on stdout' },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'pipeline file');
    if (args.positionals.length > 1)
      throw new UsageError(`validate takes one pipeline file, got ${args.positionals.length}`);
    const { valid, diagnostics, dagHash, steps, hasMap, file: loaded } = await validate(inputFiles(file, args.options, io));
    if (args.options.json === true) {
      const shown = diagnostics.map((d): Diagnostic => ({
        ...d,
        file: d.file ? displayPath(path.resolve(io.cwd, d.file), io.cwd) : d.file,
      }));
      io.out(`${JSON.stringify({ valid, dag_hash: dagHash ?? null, diagnostics: shown }, null, 2)}\n`);
      return valid ? 0 : 2;
    }
    if (diagnostics.length) await io.diagnostics(diagnostics);
    if (valid && loaded !== undefined && steps !== undefined)
      io.out(`${loaded}: valid, ${steps} step${steps === 1 ? '' : 's'}${hasMap ? ' (a map runs its steps once per item)' : ''}, dag_hash ${dagHash}\n`);
    return valid ? 0 : 2;
  },
};
