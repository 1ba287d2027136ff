// Loads what every running command needs (pipeline, config, parameters), reporting all diagnostics of all
// three files at once; throws DiagnosticError (exit 2) when any has an error. The one place that joins the
// three loaders and the cross-file override checks (the library's validate reports the same diagnostics).
import type { DagcConfig, Parameters } from './types.js';
import type { Pipeline } from '../ir/types.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { DiagnosticError, hasErrors } from '../core/diagnostics.js';
import { loadPipeline } from '../front-end/load-pipeline.js';
import { loadConfig, loadParameters } from './load.js';
import { checkNodeOverrides } from './check-overrides.js';
import { checkNodeSettings } from './node-settings.js';
import { applyEra, chooseEra, ERA_VERSION_HINT, eraOfVersion } from './magnus-era.js';

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

export interface InputFiles {
  pipelineFile: string;
  configFile?: string | undefined;
  parametersFile?: string | undefined;
  varFiles?: readonly string[] | undefined;
  /** `--magnus VERSION`: the era whose defaults apply (config/magnus-era.ts); wins over the config and the file. */
  magnus?: string | undefined;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
}

/** Every diagnostic of the pipeline, config and parameter files and of the overrides that join them. */
export async function inputDiagnostics(files: InputFiles): Promise<{
  diagnostics: Diagnostic[];
  pipeline?: Pipeline | undefined;
  config?: DagcConfig | undefined;
  parameters?: Parameters | undefined;
}> {
  const opts = { cwd: files.cwd, env: files.env, varFiles: [...(files.varFiles ?? [])] };
  const pipelineResult = await loadPipeline(files.pipelineFile, opts);
  const configResult = await loadConfig(files.configFile, { ...opts, pipelineSections: pipelineResult.value?.serviceSections });
  const paramsResult = await loadParameters(files.parametersFile, opts);
  const diagnostics = [...pipelineResult.diagnostics, ...configResult.diagnostics, ...paramsResult.diagnostics];
  if (pipelineResult.value && configResult.value) {
    diagnostics.push(...checkNodeOverrides(pipelineResult.value, configResult.value));
    diagnostics.push(...(await checkNodeSettings(pipelineResult.value, configResult.value)));
  }
  if (files.magnus !== undefined && eraOfVersion(files.magnus) === undefined)
    diagnostics.push({
      code: 'DAGC-MAGNUS-VERSION',
      severity: 'error',
      message: `--magnus ${files.magnus}: not a magnus version`,
      hint: ERA_VERSION_HINT,
      file: '(command line)',
      start: { line: 1, column: 1 },
    });
  let config = configResult.value;
  const pipeline = pipelineResult.value;
  if (config && pipeline) {
    config = applyEra(config, chooseEra({ flag: files.magnus, config }));
  }
  return { diagnostics, pipeline, config, parameters: paramsResult.value };
}

export async function loadInputFiles(files: InputFiles): Promise<Inputs> {
  const { diagnostics, pipeline, config, parameters } = await inputDiagnostics(files);
  if (hasErrors(diagnostics) || !pipeline || !config || !parameters) throw new DiagnosticError(diagnostics);
  return { file: files.pipelineFile, varFiles: [...(files.varFiles ?? [])], pipeline, config, parameters, warnings: diagnostics };
}
