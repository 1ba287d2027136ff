// The Argo Workflows target: a Workflow, WorkflowTemplate or CronWorkflow that runs every step through the
// dagc entrypoint (DESIGN.md §6). `dagc emulate --target argo` runs the rendered manifest here
// (src/emulate/argo/).
import type { Emitter } from '../types.js';
import { emitArgo } from './emit-argo.js';

export const emitter: Emitter = {
  target: 'argo',
  executorTypes: ['argo'],
  defaultOutput: (base) => `${base}.argo.yaml`,
  emit: emitArgo,
};
