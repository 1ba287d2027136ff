// The local-container executor's settings of one task node, read from the executor config and the node's
// override, and checked where the node is.
import { describe, expect, it } from 'vitest';
import type { TaskNode } from '../ir/types.js';
import { readContainerSettings, selectPassEnv } from './container-settings.js';

function task(name: string, overrides: Record<string, unknown> = {}): TaskNode {
  return {
    type: 'task',
    name,
    internalName: name,
    overrides,
    source: { file: 'pipeline.yaml', start: { line: 4, column: 5 }, pointer: `/dag/steps/${name}` },
  } as unknown as TaskNode;
}

describe('readContainerSettings', () => {
  const executor = { type: 'local-container', config: { docker_image: 'img:1', environment: { LEVEL: 3, ON: true }, overrides: { gpu: { docker_image: 'img:gpu' } } } };

  it('merges the node override (magnus 0.5 names and mode_config spellings) into the global config', () => {
    expect(readContainerSettings(task('a'), executor).settings).toEqual({
      runInLocal: false,
      image: 'img:1',
      environment: { LEVEL: '3', ON: 'true' },
      runOptions: [],
      passEnv: [],
      user: 'host',
      secretNames: [],
    });
    expect(readContainerSettings(task('b', { 'local-container': 'gpu' }), executor).settings?.image).toBe('img:gpu');
    expect(readContainerSettings(task('c', { 'local-container': { run_in_local: 'True' } }), executor).settings?.runInLocal).toBe(true);
  });

  it('reports a step without an image at the step, with the fix', () => {
    const { diagnostics } = readContainerSettings(task('train'), { type: 'local-container', config: {} });
    expect(diagnostics).toEqual([
      {
        code: 'DAGC-CONTAINER-NO-IMAGE',
        severity: 'error',
        message: 'step "train": the local-container executor has no image to run it in',
        hint: "set executor.config.docker_image in the config (or docker_image in this step's local-container override), or run_in_local: true to run it on this machine",
        file: 'pipeline.yaml',
        start: { line: 4, column: 5 },
        pointer: '/dag/steps/train',
      },
    ]);
    expect(readContainerSettings(task('t', { 'local-container': { run_in_local: true } }), { type: 'local-container', config: {} }).diagnostics).toEqual([]);
  });

  it('checks what an override sets', () => {
    const { diagnostics } = readContainerSettings(
      task('x', { 'local-container': { environment: { 'BAD-NAME': 1 }, run_options: '--memory 2g', user: 'root' } }),
      executor,
    );
    expect(diagnostics.map((d) => d.message)).toEqual([
      'step "x": environment variable name "BAD-NAME" is not valid',
      'step "x": run_options must be a list of texts',
      'step "x": user must be "host", "image" or UID[:GID]',
    ]);
  });
});

describe('selectPassEnv', () => {
  it('takes exact names and prefixes, only those set, sorted', () => {
    expect(selectPassEnv(['FIX', 'AWS_*', 'UNSET'], { FIX: '1', AWS_REGION: 'eu', AWS_PROFILE: 'p', OTHER: 'x' })).toEqual([
      'AWS_PROFILE',
      'AWS_REGION',
      'FIX',
    ]);
  });
});
