// The cases that decide how dagc lays out a graph (plan.ts): a handled failure makes an Omitted leaf Failed.
import { describe, expect, it } from 'vitest';
import type { DagTaskInfo } from './dag-phase.js';
import { assessDagPhase } from './dag-phase.js';

const t = (name: string, phase: DagTaskInfo['phase'], ...dependencies: string[]): DagTaskInfo => ({ name, phase, dependencies });

describe('assessDagPhase (argo dag.go assessDAGPhase)', () => {
  it('succeeds when every target succeeded', () => {
    expect(assessDagPhase([t('a', 'Succeeded'), t('b', 'Succeeded', 'a')])).toBe('Succeeded');
  });

  it('fails when a target failed', () => {
    expect(assessDagPhase([t('a', 'Succeeded'), t('b', 'Failed', 'a')])).toBe('Failed');
  });

  it('gives an Omitted target the phase of the branch that led to it, preferring Failed', () => {
    // a failed, b (a.Failed) ran and succeeded, c (a.Succeeded) was Omitted: c inherits Failed from a.
    expect(assessDagPhase([t('a', 'Failed'), t('b', 'Succeeded', 'a'), t('c', 'Omitted', 'a')])).toBe('Failed');
    // With c no longer a leaf (a sink waits for it and succeeded), the DAG succeeds: dagc's root layout.
    expect(assessDagPhase([t('a', 'Failed'), t('b', 'Succeeded', 'a'), t('c', 'Omitted', 'a'), t('end', 'Succeeded', 'b', 'c')])).toBe('Succeeded');
  });

  it('lets a completed task reset the branch phase for its descendants', () => {
    expect(assessDagPhase([t('a', 'Failed'), t('b', 'Succeeded', 'a'), t('c', 'Omitted', 'b')])).toBe('Succeeded');
  });

  it('uses dag.target instead of the leaves when given', () => {
    expect(assessDagPhase([t('a', 'Succeeded'), t('b', 'Failed', 'a')], 'a')).toBe('Succeeded');
  });

  it('fails when a target never started (fail-fast)', () => {
    expect(assessDagPhase([t('a', 'Failed'), t('b', undefined, 'a')])).toBe('Failed');
  });
});
