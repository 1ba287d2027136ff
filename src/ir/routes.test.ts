import { describe, expect, it } from 'vitest';
import { fail, graph, stub, success, task } from './diagram-fixtures.js';
import { failureRoute, reachable, routeAfter, successPath } from './routes.js';
import type { Graph, Node } from './types.js';
import { getNode } from './types.js';

const g = graph('', 'a', [
  task('a', { next: 'b', onFailure: 'c' }),
  stub('b', { next: 'success' }),
  task('c', { next: 'fail' }),
  task('orphan', { next: 'success' }),
  success(),
  fail(),
]);
const at = (name: string): Node => getNode(g, name)!;

describe('routes', () => {
  it('goes to next on success, to on_failure or the fail node on failure, nowhere after a terminal', () => {
    expect(routeAfter(g, at('a'), 'success')).toBe('b');
    expect(routeAfter(g, at('a'), 'failure')).toBe('c');
    expect(routeAfter(g, at('b'), 'failure')).toBe('fail');
    expect(routeAfter(g, at('success'), 'success')).toBeUndefined();
    expect(routeAfter(g, at('fail'), 'failure')).toBeUndefined();
    expect(failureRoute(g, at('c') as Node & { next: string })).toBe('fail');
  });
});

describe('successPath', () => {
  it('follows next until a terminal, or until `take` refuses a node', () => {
    expect(successPath(g, 'a').taken.map((n) => n.name)).toEqual(['a', 'b', 'success']);
    expect(successPath(g, 'a').stop).toBeUndefined();
    const pure = successPath(g, 'b', (n) => n.type !== 'task');
    expect(pure.taken.map((n) => n.name)).toEqual(['b', 'success']);
    const refused = successPath(g, 'a', (n) => n.type !== 'stub');
    expect(refused.taken.map((n) => n.name)).toEqual(['a']);
    expect(refused.stop?.name).toBe('b');
  });
});

describe('reachable', () => {
  it('follows both routes; a node that cannot fail only its next', () => {
    expect([...reachable(g)].sort()).toEqual(['a', 'b', 'c', 'fail', 'success']);
    const onlyNext = reachable(g, { canFail: () => false });
    expect([...onlyNext].sort()).toEqual(['a', 'b', 'success']);
  });

  // Property: for random small graphs (cycles and self-loops included: reachability must not care), the
  // answer equals a transitive closure computed by brute force (relax every edge until nothing changes).
  it('agrees with a brute-force closure on random graphs', () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 500; round++) {
      const size = 1 + random(7);
      const names = Array.from({ length: size }, (_, i) => `s${i}`).concat('success', 'fail');
      const pick = () => names[random(names.length)]!;
      const makers = Array.from({ length: size }, (_, i) => {
        const chain = random(2) ? { next: pick(), onFailure: pick() } : { next: pick() };
        return random(3) ? task(`s${i}`, chain) : stub(`s${i}`, chain);
      });
      const start = pick();
      const graphOf: Graph = graph('', start, [...makers, success(), fail()]);
      const canFail = (n: Node) => n.type !== 'stub';

      const edges = (n: Node): string[] => {
        if (n.type === 'success' || n.type === 'fail') return [];
        const out = [n.next];
        if (canFail(n)) out.push(n.onFailure ?? 'fail');
        return out;
      };
      const seen = new Set([start]);
      for (let changed = true; changed; ) {
        changed = false;
        for (const n of graphOf.nodes)
          if (seen.has(n.name))
            for (const to of edges(n))
              if (!seen.has(to)) {
                seen.add(to);
                changed = true;
              }
      }
      expect([...reachable(graphOf, { canFail })].sort(), `round ${round}`).toEqual([...seen].sort());
    }
  });
});
