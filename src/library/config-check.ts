// What `dagc compile`, `execute` and `run` would refuse about a config that its schema accepts, so that
// `dagc validate` says it first: the rules a schema cannot say. Two sources, each asked rather than
// re-derived here: the integrations of the configured executor with the configured services (asl with a
// file-system store, argo with dotenv secrets), reported at the service's section, and, for an executor that
// renders for an engine (bash, argo, asl), its target's own reading of the config (the argo and asl readers:
// an image per node, a CronWorkflow's schedules, secrets by ARN: the target's checkConfig, else its compile),
// keeping the errors. Only errors: warnings belong to the command that acts on them.
import type { Diagnostic } from '../core/diagnostics.js';
import type { DagcConfig, Parameters } from '../config/types.js';
import { sectionDiagnostic } from '../config/source.js';
import type { Pipeline } from '../ir/types.js';
import { VERSION } from '../version.js';

export async function configDiagnostics(
  pipeline: Pipeline,
  config: DagcConfig,
  parameters: Parameters,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Diagnostic[]> {
  const out: Diagnostic[] = [];
  // Providers whose settings may come from the environment: refused when neither gives them.
  if (config.experiment_tracker.type === 'mlflow') {
    const { NO_TRACKING_URI, trackingUri } = await import('../services/tracking/mlflow.js');
    if (trackingUri(config.experiment_tracker.config, env) === undefined)
      out.push(sectionDiagnostic(config.experiment_tracker, [], 'DAGC-CONFIG-MLFLOW-URI', NO_TRACKING_URI.message, NO_TRACKING_URI.hint, { fallbackFile: config.file ?? pipeline.file }));
  }
  const { getIntegrationRegistry } = await import('../integrations/builtin.js');
  const { SERVICES, maxParallelOf } = await import('../integrations/configured.js');
  const registry = getIntegrationRegistry();
  const parallel = maxParallelOf(config.executor) > 1;
  for (const service of SERVICES) {
    const section = config[service];
    const integration = registry.get(config.executor.type, service, section.type);
    for (const check of integration?.validate?.({ executor: config.executor, section, parallel }) ?? [])
      if (check.severity === 'error')
        out.push(sectionDiagnostic(section, [], 'DAGC-CONFIG-INTEGRATION', check.message, check.hint, { fallbackFile: config.file ?? pipeline.file }));
  }
  const { loadTarget, targetOfExecutor } = await import('./targets.js');
  const name = targetOfExecutor(config.executor.type);
  if (name !== undefined) {
    const target = await loadTarget(name);
    const options = {
      files: { pipeline: pipeline.file, config: config.file, varFiles: [] },
      outputName: target.defaultOutput('pipeline'),
      source: pipeline.file,
      dagcVersion: VERSION,
      parameters,
    };
    // The target's config rules without rendering when it has them (argo, asl), else what compile refuses.
    const found = target.checkConfig ? target.checkConfig(pipeline, config, options) : target.compile(pipeline, config, options).diagnostics;
    out.push(...found.filter((d) => d.severity === 'error'));
  }
  return out;
}
