// The asl target's compiler: an AWS Step Functions state machine whose Task states run the dagc entrypoint on
// AWS Batch (default) or ECS (DESIGN.md §6), and its quota budget. Its emulator is src/emulate/asl/.
import type { Compiler } from '../types.js';
import { emitAsl, storeOf } from './emit-asl.js';
import { readAslConfig } from './asl-config.js';
import { walk } from '../../ir/walk.js';
import { checkAsl } from './check-asl.js';
import { emulationConfig } from './emulation-config.js';

export const compiler: Compiler = {
  name: 'asl',
  configSchema: 'config.schema.json#/definitions/asl_executor_config',
  defaultOutput: (base) => `${base}.asl.json`,
  compile: emitAsl,
  // The config rules of renderAsl without rendering or asl-validator (which costs seconds to load).
  checkConfig: (ir, config, options) => [
    ...readAslConfig(config, { pipelineFile: options.source, defaultTimeout: ir.root.maxTime, nodes: [...walk(ir.root)].map((l) => l.node) }).diagnostics,
    ...storeOf(config, config.file ?? options.source).diagnostics,
  ],
  check: checkAsl,
  emulationConfig,
  // `dagc emulate -p`: in the execution input ({parameters}), as `dagc submit --target asl` passes them.
  parametersAtStart: true,
};
