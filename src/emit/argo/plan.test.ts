import { describe, expect, it } from 'vitest';
import { LINEAR, NESTED, fail, graph, stub, success, task } from '../../ir/diagram-fixtures.js';
import { planGraph } from './plan.js';
import type { GraphPlan } from './plan.js';

const summary = (plan: GraphPlan) =>
  plan.tasks.map((t) => ({
    task: t.node.name,
    after: t.incoming.map((e) => `${e.from}.${e.outcome}`),
    then: t.then.map((n) => n.name),
    else: t.else.map((n) => n.name),
    ...(t.requiresOmitted ? { omitted: t.requiresOmitted } : {}),
  }));

describe('planGraph', () => {
  it('keeps the root terminals as tasks, folds a stub, and makes success wait for fail to be Omitted', () => {
    expect(summary(planGraph(LINEAR.root, true))).toEqual([
      { task: 'prepare', after: [], then: [], else: [] },
      { task: 'train', after: ['prepare.Succeeded'], then: ['skip me'], else: [] },
      { task: 'notify', after: ['train.Failed'], then: [], else: [] },
      { task: 'success', after: ['train.Succeeded'], then: [], else: [], omitted: 'fail' },
      { task: 'fail', after: ['prepare.Failed', 'notify.Succeeded', 'notify.Failed'], then: [], else: [] },
    ]);
  });

  it('folds the terminals of a branch graph into the steps before them, but never a failure route', () => {
    const branch = graph('P.b', 'first', [
      task('first', { next: 'second', onFailure: 'cleanup' }),
      stub('second', { next: 'success' }),
      stub('cleanup', { next: 'fail' }),
      success(),
      fail(),
    ]);
    // The failure chain gets tasks of its own: a pod cannot know that Argo will not retry it (issue 13).
    expect(summary(planGraph(branch, false))).toEqual([
      { task: 'first', after: [], then: ['second', 'success'], else: [] },
      { task: 'cleanup', after: ['first.Failed'], then: ['fail'], else: [] },
      { task: 'fail', after: ['cleanup.Failed'], then: [], else: [] },
    ]);
  });

  it('gives a stub that starts its graph, or declares a catalog, a task of its own', () => {
    const g = graph('', 'begin', [
      stub('begin', { next: 'data' }),
      (prefix) => ({ ...stub('data', { next: 'success' })(prefix), catalog: { get: [], put: ['out.csv'] } }),
      success(),
      fail(),
    ]);
    expect(summary(planGraph(g, true)).map((t) => t.task)).toEqual(['begin', 'data', 'success', 'fail']);
  });

  it('routes a composite like a step: on_failure to a task off the next chain (magnus 0.5 left it dangling)', () => {
    const plan = summary(planGraph(NESTED.root, true));
    const cleanup = plan.find((t) => t.task === 'cleanup');
    expect(cleanup?.after).toEqual(['fan.Failed']);
  });
});
