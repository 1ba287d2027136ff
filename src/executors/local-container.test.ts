// The local-container executor's pure parts: the engine command line, the mounts, and each node's settings.
// The containers themselves run in test/local-container.test.ts.
import { describe, expect, it } from 'vitest';
import type { TaskNode } from '../ir/types.js';
import { arrangeMounts, containerRunArgs } from './local-container.js';
import { readContainerSettings, selectPassEnv } from './container/settings.js';
import { UserError } from '../cli/types.js';

const engine = { name: 'podman' as const, bin: 'podman', runFlags: ['--ulimit', 'nofile=1024:1024'] };

describe('containerRunArgs', () => {
  it('passes variables by name only, mounts as given, the image, then the command', () => {
    expect(
      containerRunArgs({
        engine,
        image: 'localhost/p:1',
        cwd: '/home/u/proj',
        mounts: [
          { source: '/home/u/proj', target: '/home/u/proj', readOnly: false },
          { source: '/srv/secrets.env', target: '/srv/secrets.env', readOnly: true },
        ],
        envNames: ['API_TOKEN', 'DAGC_CODE_IDENTITIES'],
        user: '1000:1000',
        runOptions: ['--memory', '2g'],
        command: ['dagc', 'exec', 'r1', 'step one'],
      }),
    ).toEqual([
      'run', '--rm', '--network', 'host', '--ulimit', 'nofile=1024:1024', '--user', '1000:1000', '-w', '/home/u/proj',
      '-v', '/home/u/proj:/home/u/proj', '-v', '/srv/secrets.env:/srv/secrets.env:ro',
      '-e', 'API_TOKEN', '-e', 'DAGC_CODE_IDENTITIES', '--memory', '2g', 'localhost/p:1', 'dagc', 'exec', 'r1', 'step one',
    ]);
  });
});

describe('arrangeMounts', () => {
  it('puts the working directory first, drops writable mounts inside it, keeps read-only files, sorts the rest', () => {
    expect(
      arrangeMounts('/p', [
        { source: '/p/.run_log_store', target: '/p/.run_log_store', readOnly: false },
        { source: '/z/catalog', target: '/z/catalog', readOnly: false },
        { source: '/p/secrets.env', target: '/p/secrets.env', readOnly: true },
        { source: '/a/logs', target: '/a/logs', readOnly: true },
        { source: '/a/logs', target: '/a/logs', readOnly: false },
      ]),
    ).toEqual([
      { source: '/p', target: '/p', readOnly: false },
      { source: '/a/logs', target: '/a/logs', readOnly: false },
      { source: '/p/secrets.env', target: '/p/secrets.env', readOnly: true },
      { source: '/z/catalog', target: '/z/catalog', readOnly: false },
    ]);
  });

  it('refuses a path with a colon, which -v cannot express', () => {
    expect(() => arrangeMounts('/p', [{ source: '/data:2024', target: '/data:2024', readOnly: false }])).toThrow(UserError);
  });
});

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
