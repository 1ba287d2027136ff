// The library API of dagc: what the CLI uses and what users import. Pure front-end functions return
// diagnostics as values; nothing here prints.
import type { Diagnostic } from './core/diagnostics.js';
import type { LoadOptions } from './front-end/load-pipeline.js';
import { loadPipeline } from './front-end/load-pipeline.js';
import { loadConfig, loadParameters } from './config/load.js';
import { checkNodeOverrides } from './config/check-overrides.js';

export type { Diagnostic, Position, Severity } from './core/diagnostics.js';
export { DiagnosticError, hasErrors } from './core/diagnostics.js';
export type * from './ir/types.js';
export { MAP_PLACEHOLDER, DAG_BRANCH_NAME } from './ir/types.js';
export { walk, findNode, resolveInternalName } from './ir/walk.js';
export type { DagcConfig, ServiceSection, Parameters } from './config/types.js';
export { DEFAULT_CONFIG } from './config/types.js';
export type * from './services/run-log/types.js';
export { loadPipeline, loadConfig, loadParameters };
export type { LoadOptions };
export { hashDag, pythonJsonDumps } from './front-end/hash.js';
export { createRunLogStore } from './services/run-log/index.js';
export { createCatalog } from './services/catalog/index.js';
export { createSecrets } from './services/secrets/index.js';
export { openRun } from './runtime/open-run.js';
export { runPipeline } from './executors/local.js';
export { executeLeaf } from './runtime/exec-node.js';
export { fanIn, fanOut } from './runtime/fan.js';

/** Every problem of a pipeline (and its config, when given), errors and warnings, in file order. */
export async function validate(
  pipelineFile: string,
  opts: LoadOptions & { configFile?: string; parametersFile?: string } = {},
): Promise<Diagnostic[]> {
  const pipeline = await loadPipeline(pipelineFile, opts);
  const config = await loadConfig(opts.configFile, { ...opts, pipelineSections: pipeline.value?.serviceSections });
  const parameters = await loadParameters(opts.parametersFile, opts);
  const cross = pipeline.value && config.value ? checkNodeOverrides(pipeline.value, config.value) : [];
  return [...pipeline.diagnostics, ...config.diagnostics, ...parameters.diagnostics, ...cross];
}
