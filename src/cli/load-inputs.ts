// The command-line side of inputs: the -c/-p/-v options, turned into the plain values the library takes.
import path from 'node:path';
import type { InputFiles } from '../config/inputs.js';
import type { Io, OptionSpec, OptionValues } from './types.js';
import { stringList, stringOption } from './types.js';

export const INPUT_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', arg: 'FILE', description: 'config file (executor, run log store, catalog, secrets, tracker)' },
  parameters: { type: 'string', short: 'p', arg: 'FILE', description: 'initial parameters (a YAML mapping)' },
  'var-file': { type: 'string', short: 'v', multiple: true, arg: 'FILE', description: 'variables for ${name} placeholders (DAGC_VAR_*/MAGNUS_VAR_* env win)' },
};

export function inputFiles(pipelineFile: string, options: OptionValues, io: Io): InputFiles {
  return {
    pipelineFile,
    configFile: stringOption(options, 'config'),
    parametersFile: stringOption(options, 'parameters'),
    varFiles: stringList(options, 'var-file'),
    magnus: stringOption(options, 'magnus'),
    cwd: io.cwd,
    env: io.env,
  };
}

export function absolute(io: Io, file: string): string {
  return path.resolve(io.cwd, file);
}
