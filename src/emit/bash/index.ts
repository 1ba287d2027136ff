// The bash target: one self-contained script that runs the whole pipeline through the dagc entrypoint.
import type { Emitter } from '../types.js';
import { emitBash } from './emit-bash.js';

export const emitter: Emitter = {
  target: 'bash',
  executorTypes: ['bash', 'demo-renderer'],
  defaultOutput: (base) => `${base}.sh`,
  emit: emitBash,
};
