// Reachability in a directed graph given by a successor function: the one breadth-first search behind the
// front end's "never reached" warning (over raw step indices, before there is an IR) and the IR's own
// `reachable` / emitters' plans (src/ir/routes.ts). It lives at the bottom because the front end sits below the IR.

/**
 * Every key reachable from `starts` (starts included) by following `successors`, in breadth-first discovery
 * order (callers that turn the set into output rely on that order being deterministic). `undefined` successors
 * are skipped, so a caller can return "no such edge" as it is.
 */
export function reachableFrom<K>(starts: Iterable<K>, successors: (key: K) => Iterable<K | undefined>): Set<K> {
  const seen = new Set<K>(starts);
  // A Set iterates in insertion order and visits keys added during the iteration: it is the queue.
  for (const key of seen) for (const next of successors(key)) if (next !== undefined) seen.add(next);
  return seen;
}
