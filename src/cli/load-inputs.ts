// Loads what every running command needs (pipeline, config, parameters), reporting all diagnostics of all
// three files at once; throws DiagnosticError (exit 2) when any has an error.
import path from 'node:path';
import type { DagcConfig, Parameters } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import type { Diagnostic } from '../front-end/diagnostics.js';
import { DiagnosticError, hasErrors } from '../front-end/diagnostics.js';
import { loadPipeline } from '../front-end/load-pipeline.js';
import { loadConfig, loadParameters } from '../config/load.js';
import { checkNodeOverrides } from '../config/check-overrides.js';
import type { Io, OptionSpec, OptionValues } from './types.js';
import { stringList, stringOption } from './types.js';

export interface Inputs {
  /** The pipeline file as given. */
  file: string;
  /** The -v variable files as given. */
  varFiles: string[];
  pipeline: Pipeline;
  config: DagcConfig;
  parameters: Parameters;
  /** Warnings found while loading, to print before running. */
  warnings: Diagnostic[];
}

export const INPUT_OPTIONS: Record<string, OptionSpec> = {
  config: { type: 'string', short: 'c', arg: 'FILE', description: 'config file (executor, run log store, catalog, secrets, tracker)' },
  parameters: { type: 'string', short: 'p', arg: 'FILE', description: 'initial parameters (a YAML mapping)' },
  'var-file': { type: 'string', short: 'v', multiple: true, arg: 'FILE', description: 'variables for ${name} placeholders (DAGC_VAR_*/MAGNUS_VAR_* env win)' },
};

export async function loadInputs(pipelineFile: string, options: OptionValues, io: Io): Promise<Inputs> {
  const opts = { cwd: io.cwd, env: io.env, varFiles: stringList(options, 'var-file') };
  const pipelineResult = await loadPipeline(pipelineFile, opts);
  const configFile = stringOption(options, 'config');
  const configResult = await loadConfig(configFile, {
    ...opts,
    pipelineSections: pipelineResult.value?.serviceSections,
  });
  const paramsResult = await loadParameters(stringOption(options, 'parameters'), opts);
  const diagnostics = [...pipelineResult.diagnostics, ...configResult.diagnostics, ...paramsResult.diagnostics];
  if (pipelineResult.value && configResult.value) diagnostics.push(...checkNodeOverrides(pipelineResult.value, configResult.value));
  if (hasErrors(diagnostics) || !pipelineResult.value || !configResult.value || !paramsResult.value)
    throw new DiagnosticError(diagnostics);
  return {
    file: pipelineFile,
    varFiles: opts.varFiles,
    pipeline: pipelineResult.value,
    config: configResult.value,
    parameters: paramsResult.value,
    warnings: diagnostics,
  };
}

export function absolute(io: Io, file: string): string {
  return path.resolve(io.cwd, file);
}
