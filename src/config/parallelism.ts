// How many branches or map items may run at once, as the executor config says: magnus's `enable_parallel`
// (false, or the string "false" in any case as 2022 wrote it, means one at a time), else `max_parallel`.
// undefined: not capped by the config (the runner uses the CPU count).
import type { ServiceSection } from './types.js';

export function configuredParallelism(executor: ServiceSection): number | undefined {
  const c = executor.config;
  const enable = c.enable_parallel;
  if (enable === false || (typeof enable === 'string' && enable.toLowerCase() === 'false')) return 1;
  const max = c.max_parallel;
  return typeof max === 'number' && max >= 1 ? Math.floor(max) : undefined;
}
