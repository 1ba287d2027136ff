// `dagc check --target argo`: the manifest is compiled, then measured against Argo's and Kubernetes' limits
// (budget.ts). Exceeding a limit is what this reports; any other compile error means there is nothing to measure.
import type { DagcConfig } from '../../config/types.js';
import type { Pipeline } from '../../ir/types.js';
import { DiagnosticError } from '../../core/diagnostics.js';
import type { Budget, CheckOptions } from '../types.js';
import { compileArgo } from './emit-argo.js';
import { formatBudget, podsPerRun } from './budget.js';

const LIMIT_CODES = new Set(['DAGC-ARGO-TOO-LARGE', 'DAGC-ARGO-VALUE-TOO-LARGE', 'DAGC-ARGO-TOO-MANY-TEMPLATES', 'DAGC-ARGO-TOO-MANY-TASKS']);

export function checkArgo(ir: Pipeline, config: DagcConfig, options: CheckOptions): Budget {
  const compiled = compileArgo(ir, config, options);
  const blocking = compiled.diagnostics.filter((d) => d.severity === 'error' && !LIMIT_CODES.has(d.code));
  if (blocking.length || !compiled.stats) throw new DiagnosticError(blocking);
  const report = formatBudget(options.source, compiled, podsPerRun(ir, options.mapWidth), options.mapWidth);
  // The preview notice says the manifest needs an image; the budget is measured all the same.
  const diagnostics = compiled.diagnostics.filter((d) => d.code !== 'DAGC-ARGO-PREVIEW');
  return { report, exceeded: diagnostics.some((d) => d.severity === 'error'), diagnostics };
}
