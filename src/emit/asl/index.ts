// The asl target's compiler: an AWS Step Functions state machine whose Task states run the dagc entrypoint on
// AWS Batch (default) or ECS (DESIGN.md §6), and its quota budget. Its emulator is src/emulate/asl/.
import type { Compiler } from '../types.js';
import { emitAsl } from './emit-asl.js';
import { checkAsl } from './check-asl.js';
import { emulationConfig } from './emulation-config.js';

export const compiler: Compiler = {
  name: 'asl',
  configSchema: 'config.schema.json#/definitions/asl_executor_config',
  defaultOutput: (base) => `${base}.asl.json`,
  compile: emitAsl,
  check: checkAsl,
  emulationConfig,
};
