// `validate`: every problem of a pipeline, its dag_definition files, the config and the parameters, at once,
// in file order (config/inputs.ts joins the loaders; this only sorts and counts).
import type { Diagnostic } from '../core/diagnostics.js';
import { hasErrors, sortDiagnostics } from '../core/diagnostics.js';
import { uniqueDiagnostics } from '../core/display.js';
import { inputDiagnostics } from '../config/inputs.js';
import type { InputFiles } from '../config/inputs.js';
import { walk } from '../ir/walk.js';

export interface ValidateResult {
  /** No error (warnings allowed). */
  readonly valid: boolean;
  /** The pipeline file as loaded (for messages), when it could be read. */
  readonly file?: string | undefined;
  readonly dagHash?: string | undefined;
  /**
   * Steps in the pipeline as `dagc run` counts them when it reports (tasks, stubs and composites, in branches and
   * sub-dags too; not the success and fail nodes), each map branch counted once.
   */
  readonly steps?: number | undefined;
  /** Whether a map runs its branch once per item, so that a run counts more steps than this. */
  readonly hasMap?: boolean | undefined;
  readonly diagnostics: Diagnostic[];
}

export async function validate(files: InputFiles): Promise<ValidateResult> {
  const { diagnostics, pipeline, config, parameters } = await inputDiagnostics(files);
  // What compile, execute or run would still refuse about a config the schema accepts (config-check.ts).
  if (!hasErrors(diagnostics) && pipeline && config) {
    const { configDiagnostics } = await import('./config-check.js');
    diagnostics.push(...(await configDiagnostics(pipeline, config, parameters ?? {}, files.env)));
    // Gets that nothing earlier puts: known before anything runs (ir/catalog-flow.ts).
    if (config.catalog.type !== 'do-nothing') {
      const { catalogFlowDiagnostics } = await import('../ir/catalog-flow.js');
      const folder = config.catalog.config?.compute_data_folder;
      diagnostics.push(...catalogFlowDiagnostics(pipeline.root, typeof folder === 'string' && folder !== '' ? folder : 'data'));
    }
  }
  const sorted = sortDiagnostics(uniqueDiagnostics(diagnostics));
  return {
    valid: !hasErrors(sorted),
    file: pipeline?.file,
    dagHash: pipeline?.dagHash,
    steps: pipeline ? [...walk(pipeline.root)].filter(({ node }) => node.type !== 'success' && node.type !== 'fail').length : undefined,
    hasMap: pipeline ? [...walk(pipeline.root)].some(({ node }) => node.type === 'map') : undefined,
    diagnostics: sorted,
  };
}
