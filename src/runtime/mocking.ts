// Steps recorded without running (issue 15), as magnus did in two ways:
// - the `mocked` executor (magnus 2023+, extensions/executor/mocked): dagc traverses as `local` does, every
//   task is recorded `mock: true`, SUCCESS, with one successful attempt and without running its command; stubs,
//   success/fail and composites run as usual (composites traverse their branches, whose tasks are mocked too);
// - `execute_step` (magnus 2022–23, spec §1.6), `dagc run|execute --step NAME`: the root-level step NAME runs
//   for real, everything else at the root is recorded `mock: true`, SUCCESS, without attempts and, for a
//   composite, without traversing it; success/fail nodes always execute.
import { UserError } from '../core/errors.js';
import type { Pipeline } from '../ir/types.js';
import type { Mocking } from './context.js';

export function mockedExecutor(): Mocking {
  return {
    message: 'mocked: the mocked executor runs no task',
    mocks: (_internal, nodeType) => nodeType === 'task',
    withAttempt: true,
  };
}

export function onlyStep(pipeline: Pipeline, name: string): Mocking {
  const names = pipeline.root.nodes.map((n) => n.name);
  if (!names.includes(name))
    throw new UserError(
      `--step ${name}: the pipeline has no root-level step of that name`,
      `--step takes one of: ${names.filter((n) => !['success', 'fail'].includes(pipeline.root.nodes.find((x) => x.name === n)!.type)).join(', ')}`,
    );
  return {
    message: `mocked: only "${name}" runs (--step)`,
    // The root segment of an internal name is the root-level step it belongs to (names hold no ".").
    mocks: (internal) => internal.split('.')[0] !== name,
    withAttempt: false,
  };
}
