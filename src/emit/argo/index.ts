// The Argo Workflows target's compiler: a Workflow, WorkflowTemplate or CronWorkflow that runs every step
// through the dagc entrypoint (DESIGN.md §6), and its limits budget. Its emulator is src/emulate/argo/.
import type { Compiler } from '../types.js';
import { emitArgo } from './emit-argo.js';
import { checkArgo } from './check-argo.js';

export const compiler: Compiler = {
  name: 'argo',
  configSchema: 'config.schema.json#/definitions/argo_executor_config',
  defaultOutput: (base) => `${base}.argo.yaml`,
  compile: emitArgo,
  check: checkArgo,
};
