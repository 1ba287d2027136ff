// `dagc graph --format svg` and `--run RUN`: the pipeline drawn by Graphviz (in WebAssembly, in this process),
// optionally coloured by the statuses one run recorded.
import type { Pipeline } from '../ir/types.js';
import type { RunLogStore } from '../services/run-log/types.js';
import { applyStatuses, combineStatuses, diagramFromIr, diagramToDot } from './diagram.js';
import type { DiagramStatus } from './diagram.js';
import { MAP_PLACEHOLDER } from '../ir/types.js';
import { readRun } from './index.js';
import { renderSvg } from './svg.js';

export interface DrawingRun {
  readonly store: RunLogStore;
  /** A run id or `latest`. */
  readonly id: string;
  readonly listHint: string;
}

export interface Drawing {
  readonly text: string;
  /** Set when the run was made from another version of the pipeline (its statuses may not fit). */
  readonly warning?: string;
}

/** The pipeline as DOT or SVG; with `run`, every node filled with the combined status of its instances. */
export async function drawPipeline(pipeline: Pipeline, format: 'dot' | 'svg', run?: DrawingRun): Promise<Drawing> {
  const diagram = diagramFromIr(pipeline);
  let warning: string | undefined;
  if (run) {
    const { log } = await readRun(run.store, run.id, run.listHint);
    if (log.dag_hash && log.dag_hash !== pipeline.dagHash)
      warning = `run ${log.run_id} was made from another version of this pipeline (dag hash ${log.dag_hash}, now ${pipeline.dagHash}): statuses are matched by step name`;
    const instances = new Map<string, DiagramStatus[]>();
    const visit = (steps: typeof log.steps, template: string) => {
      for (const step of Object.values(steps)) {
        const key = template ? `${template}.${step.name}` : step.name;
        instances.set(key, [...(instances.get(key) ?? []), step.status as DiagramStatus]);
        for (const b of Object.values(step.branches)) {
          const own = b.internal_name.startsWith(`${step.internal_name}.`) ? b.internal_name.slice(step.internal_name.length + 1) : b.internal_name;
          visit(b.steps, `${key}.${step.step_type === 'map' ? MAP_PLACEHOLDER : own}`);
        }
      }
    };
    visit(log.steps, '');
    applyStatuses(diagram, (key) => combineStatuses(instances.get(key) ?? []));
  }
  const { dot } = diagramToDot(diagram, { statuses: run !== undefined });
  const text = format === 'dot' ? `// dag_hash ${pipeline.dagHash}\n${dot}` : await renderSvg(dot);
  return warning ? { text, warning } : { text };
}
