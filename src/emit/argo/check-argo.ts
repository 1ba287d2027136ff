// `dagc check --target argo`: the manifest is compiled, then measured against Argo's and Kubernetes' limits
// (budget.ts). Exceeding a limit is what this reports; any other compile error means there is nothing to measure.
import type { DagcConfig } from '../../config/types.js';
import type { Pipeline } from '../../ir/types.js';
import { DiagnosticError } from '../../core/diagnostics.js';
import type { Budget, BudgetFigure, CheckOptions } from '../types.js';
import { compileArgo } from './emit-argo.js';
import { formatBudget, podsPerRun } from './budget.js';
import { MANIFEST_LIMIT, TASKS_LIMIT, TEMPLATES_LIMIT, VALUE_LIMIT } from './limits.js';

const LIMIT_CODES = new Set(['DAGC-ARGO-TOO-LARGE', 'DAGC-ARGO-VALUE-TOO-LARGE', 'DAGC-ARGO-TOO-MANY-TEMPLATES', 'DAGC-ARGO-TOO-MANY-TASKS']);

export function checkArgo(ir: Pipeline, config: DagcConfig, options: CheckOptions): Budget {
  const compiled = compileArgo(ir, config, options);
  const blocking = compiled.diagnostics.filter((d) => d.severity === 'error' && !LIMIT_CODES.has(d.code));
  if (blocking.length || !compiled.stats) throw new DiagnosticError(blocking);
  const pods = podsPerRun(ir, options.mapWidth);
  const report = formatBudget(options.source, compiled, pods, options.mapWidth);
  // The same numbers as the report's table (budget.ts formatBudget), unformatted.
  const s = compiled.stats;
  const figures: Record<string, BudgetFigure> = {
    manifest_size: { value: s.bytes, unit: 'bytes', limit: MANIFEST_LIMIT },
    largest_value: { value: s.largestValue.bytes, unit: 'bytes', limit: VALUE_LIMIT, where: s.largestValue.where },
    templates: { value: s.templates, unit: 'templates', limit: TEMPLATES_LIMIT },
    largest_dag: { value: s.largestDag.tasks, unit: 'tasks', limit: TASKS_LIMIT, where: s.largestDag.template },
    longest_name: { value: s.longestName.length, unit: 'characters', limit: s.longestName.limit, where: s.longestName.name },
    pods_per_run: { value: pods.successful, unit: 'pods' },
    pods_at_most: { value: pods.withRetries, unit: 'pods' },
  };
  // The preview notice says the manifest needs an image; the budget is measured all the same.
  const diagnostics = compiled.diagnostics.filter((d) => d.code !== 'DAGC-ARGO-PREVIEW');
  return { report, figures, exceeded: diagnostics.some((d) => d.severity === 'error'), diagnostics };
}
