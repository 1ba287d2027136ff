// Limiting concurrency: p-limit (sindresorhus; one dependency, yocto-queue; about 1 KB in the bundle, so it costs
// `dagc exec` nothing measurable). Work starts in call order and a finishing piece hands its slot to the next one
// waiting, so newcomers never slip past the queue. Every limit in dagc goes through here: the local executor's
// leaf tasks and branches, the run log stores' parallel reads, the Argo emulator's parallelism.
import pLimit from 'p-limit';

export type Limiter = <T>(work: () => Promise<T>) => Promise<T>;

/** At most `max` pieces of work at once; undefined, 0 or less: no limit (Argo's unset `parallelism`). */
export function createLimiter(max?: number): Limiter {
  const limit = pLimit(max !== undefined && max >= 1 ? max : Infinity);
  return (work) => limit(work);
}

/** `fn` over `items` with at most `max` at once (reading thousands of records must not hit EMFILE); results in item order. */
export function mapLimit<T, R>(items: readonly T[], max: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return pLimit(Math.max(1, max)).map(items, fn);
}
