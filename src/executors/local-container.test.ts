// The local-container executor's pure parts: the engine command line and the mounts (each node's settings:
// src/config/container-settings.test.ts).
// The containers themselves run in test/local-container.test.ts.
import { describe, expect, it } from 'vitest';
import { arrangeMounts, containerRunArgs, userFlags } from './local-container.js';
import { UserError } from '../core/errors.js';

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
        user: ['--user', '1000:1000'],
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

describe('userFlags', () => {
  const docker = { name: 'docker' as const, bin: 'docker', runFlags: [] };
  it('runs as the host user: --user with a rootful engine, keep-id with rootless podman', () => {
    expect(userFlags('host', docker, 1000, 1000)).toEqual(['--user', '1000:1000']);
    expect(userFlags('host', engine, 0, 0)).toEqual(['--user', '0:0']);
    expect(userFlags('host', engine, 1000, 100)).toEqual(['--userns=keep-id']);
    expect(userFlags('image', engine, 1000, 100)).toEqual([]);
    expect(userFlags('33:33', docker, 1000, 1000)).toEqual(['--user', '33:33']);
  });
});
