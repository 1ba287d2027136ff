// The target registry (Prettier's manifest): names are known before anything loads; a target's code is
// imported only when asked for.
import type { Emitter } from './types.js';

export const TARGETS: Readonly<Record<string, () => Promise<{ emitter: Emitter }>>> = {
  bash: () => import('./bash/index.js'),
  asl: () => import('./asl/index.js'),
  argo: () => import('./argo/index.js'),
};

/** Executor type in a config → target name (magnus's `demo-renderer` is our bash). */
export const EXECUTOR_TARGETS: Readonly<Record<string, string>> = {
  bash: 'bash',
  'demo-renderer': 'bash',
  asl: 'asl',
  'step-functions': 'asl',
  argo: 'argo',
};
