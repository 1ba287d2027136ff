// Cross-file check of a pipeline against its config: every node's per-executor settings must resolve
// (magnus 0.5 `overrides: {argo: NAME}` needs `overrides.NAME` in the executor config; spec §2.3). Reported at
// the node, before anything runs or renders (DESIGN.md §3 invariant 3).
import type { DagcConfig } from './types.js';
import type { Pipeline } from '../ir/types.js';
import { walk } from '../ir/walk.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import { UnknownOverrideError, resolveNodeConfig } from './resolve-node.js';
import { checkContainerSettings } from './container-settings.js';

export function checkNodeOverrides(pipeline: Pipeline, config: DagcConfig): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const { node } of walk(pipeline.root)) {
    // Only a named override (`overrides: {argo: NAME}`) can name one the config lacks; a node without one
    // would only have the whole config copied for nothing (10,000 times in a 10,000-step pipeline).
    if (typeof node.overrides[config.executor.type] !== 'string') continue;
    try {
      resolveNodeConfig(node, config.executor);
    } catch (error) {
      if (!(error instanceof UnknownOverrideError)) throw error;
      const guess = didYouMean(error.key, error.known);
      out.push({
        code: 'DAGC-CONFIG-UNKNOWN-OVERRIDE',
        severity: 'error',
        message: `step "${node.internalName}" asks for the ${config.executor.type} override "${error.key}", which the config does not define`,
        hint:
          (guess ? `did you mean "${guess}"? ` : '') +
          (error.known.length
            ? `overrides in ${config.file ?? 'the config'}: ${error.known.join(', ')}`
            : `add executor.config.overrides.${error.key} to ${config.file ?? 'the config'}`),
        file: node.source.file,
        start: node.source.start,
        pointer: `${node.source.pointer}/overrides`,
      });
    }
  }
  // The local-container executor's per-step settings (image, environment, …): checked here so that
  // `dagc validate` finds them too, not only a run.
  if (config.executor.type === 'local-container') out.push(...checkContainerSettings(pipeline, config).diagnostics);
  return out;
}
