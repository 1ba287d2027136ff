// Test support for the diagram goldens (to-mermaid.test.ts, to-dot.test.ts): small IR values built by hand,
// so the drawings are pinned independently of the front end. Not imported by any production module.
import type { DagNode, Graph, MapNode, Node, ParallelNode, Pipeline, StubNode, TaskNode } from './types.js';
import { DAG_BRANCH_NAME, MAP_PLACEHOLDER } from './types.js';

const FILE = 'pipeline.yaml';

type Make = (prefix: string) => Node;
type Chain = { next: string; onFailure?: string };

const base = (name: string, prefix: string) => ({
  name,
  internalName: prefix ? `${prefix}.${name}` : name,
  source: { file: FILE, start: { line: 1, column: 1 }, pointer: `/dag/steps/${name}` },
  overrides: {},
});

export const task =
  (name: string, chain: Chain): Make =>
  (prefix) =>
    ({
      ...base(name, prefix),
      ...chain,
      type: 'task',
      command: 'echo hi',
      commandType: 'shell',
      commandConfig: {},
      retry: 1,
    }) satisfies TaskNode;

export const stub =
  (name: string, chain: Chain): Make =>
  (prefix) =>
    ({
      ...base(name, prefix),
      ...chain,
      type: 'stub',
      spelledAs: 'stub',
      commandConfig: {},
    }) satisfies StubNode;

export const success =
  (name = 'success'): Make =>
  (prefix) => ({ ...base(name, prefix), type: 'success' });

export const fail =
  (name = 'fail'): Make =>
  (prefix) => ({ ...base(name, prefix), type: 'fail' });

export function graph(internalName: string, startAt: string, nodes: Make[]): Graph {
  return { internalName, startAt, maxTime: 86400, nodes: nodes.map((m) => m(internalName)), file: FILE };
}

export const parallel =
  (name: string, chain: Chain, branches: Record<string, { startAt: string; nodes: Make[] }>): Make =>
  (prefix) => {
    const b = base(name, prefix);
    return {
      ...b,
      ...chain,
      type: 'parallel',
      branches: Object.entries(branches).map(([k, g]) => graph(`${b.internalName}.${k}`, g.startAt, g.nodes)),
    } satisfies ParallelNode;
  };

export const map =
  (name: string, chain: Chain, iterateOn: string, iterateAs: string, startAt: string, nodes: Make[]): Make =>
  (prefix) => {
    const b = base(name, prefix);
    return {
      ...b,
      ...chain,
      type: 'map',
      iterateOn,
      iterateAs,
      branch: graph(`${b.internalName}.${MAP_PLACEHOLDER}`, startAt, nodes),
    } satisfies MapNode;
  };

export const dag =
  (name: string, chain: Chain, dagDefinition: string, startAt: string, nodes: Make[]): Make =>
  (prefix) => {
    const b = base(name, prefix);
    return {
      ...b,
      ...chain,
      type: 'dag',
      dagDefinition,
      dagFile: dagDefinition,
      branch: graph(`${b.internalName}.${DAG_BRANCH_NAME}`, startAt, nodes),
    } satisfies DagNode;
  };

export function pipeline(root: Graph): Pipeline {
  return {
    file: FILE,
    dagHash: '0123456789abcdef0123456789abcdef01234567',
    root,
    variables: {},
    dag: {},
    serviceSections: {},
  };
}

/** A straight chain with a stub and an on_failure edge. */
export const LINEAR = pipeline(
  graph('', 'prepare', [
    task('prepare', { next: 'train' }),
    task('train', { next: 'skip me', onFailure: 'notify' }),
    stub('skip me', { next: 'success' }),
    task('notify', { next: 'fail' }),
    success(),
    fail(),
  ]),
);

/** Every composite, nested, with names that are syntax in one format or the other. */
export const NESTED = pipeline(
  graph('', 'start', [
    task('start', { next: 'fan' }),
    parallel(
      'fan',
      { next: 'each', onFailure: 'cleanup' },
      {
        'branch "a"': {
          startAt: 'end',
          nodes: [task('end', { next: 'success' }), success(), fail()],
        },
        'b#1;<x>&`y`': {
          startAt: 'a -> b',
          nodes: [
            task('a -> b', { next: 'sub dag', onFailure: 'fail' }),
            dag('sub dag', { next: 'success' }, 'tests/scenarios/inner.yaml', 'inner', [
              task('inner', { next: 'success' }),
              success(),
              fail(),
            ]),
            success(),
            fail(),
          ],
        },
      },
    ),
    map('each', { next: 'success' }, 'items', 'item', 'back\\slash \\N', [
      task('back\\slash \\N', { next: 'line\nbreak' }),
      stub('line\nbreak', { next: 'success' }),
      success('success'),
      fail('fail'),
    ]),
    task('cleanup', { next: 'fail' }),
    task('café ✓ 😀', { next: 'success' }),
    success(),
    fail(),
  ]),
);
