// The asl target: an AWS Step Functions state machine whose Task states run the dagc entrypoint on AWS Batch
// (default) or ECS (DESIGN.md §6).
import type { Emitter } from '../types.js';
import { emitAsl } from './emit-asl.js';

export const emitter: Emitter = {
  target: 'asl',
  executorTypes: ['asl', 'step-functions'],
  defaultOutput: (base) => `${base}.asl.json`,
  emit: emitAsl,
};
