// The Argo Workflows target's compiler: a Workflow, WorkflowTemplate or CronWorkflow that runs every step
// through the dagc entrypoint (DESIGN.md §6), and its limits budget. Its emulator is src/emulate/argo/.
import type { Compiler } from '../types.js';
import { emitArgo } from './emit-argo.js';
import { readArgoSettings } from './config.js';
import { PodResolver } from './pod-settings.js';
import { hasErrors } from '../../core/diagnostics.js';
import { walk } from '../../ir/walk.js';
import { checkArgo } from './check-argo.js';

export const compiler: Compiler = {
  name: 'argo',
  configSchema: 'config.schema.json#/definitions/argo_executor_config',
  defaultOutput: (base) => `${base}.argo.yaml`,
  compile: emitArgo,
  // The config rules of compileArgo without rendering: the settings, then every step's pod settings.
  checkConfig: (ir, config) => {
    const { settings, diagnostics } = readArgoSettings(config);
    if (hasErrors(diagnostics)) return diagnostics;
    const pods = new PodResolver(settings);
    for (const { node } of walk(ir.root)) pods.forNode(node);
    return [...diagnostics, ...pods.diagnostics];
  },
  check: checkArgo,
};
