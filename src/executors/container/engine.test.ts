// Engine detection and the image probe against stand-in engine executables (small sh scripts that answer as
// docker and podman do), so the decisions are pinned on any machine, engine or not.
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { FALLBACK_ULIMITS, detectEngine, probeImage } from './engine.js';

function fakeBin(name: string, script: string): { dir: string; bin: string; log: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-fake-engine-'));
  const log = path.join(dir, 'calls.log');
  const bin = path.join(dir, name);
  writeFileSync(bin, `#!/bin/sh\necho "$*" >> '${log}'\n${script}\n`);
  chmodSync(bin, 0o755);
  return { dir, bin, log };
}

const env = (dir: string) => ({ PATH: `${dir}:/usr/bin:/bin` });

describe('detectEngine', () => {
  it('takes docker only when its daemon answers, else podman', async () => {
    const docker = fakeBin('docker', 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock." >&2; exit 1');
    writeFileSync(path.join(docker.dir, 'podman'), '#!/bin/sh\necho 4.3.1\n');
    chmodSync(path.join(docker.dir, 'podman'), 0o755);
    const engine = await detectEngine(undefined, undefined, env(docker.dir));
    expect(engine).toEqual({ name: 'podman', bin: 'podman', runFlags: [], version: '4.3.1' });
  });

  it('says what each engine answered when none works', async () => {
    const docker = fakeBin('docker', 'echo "Cannot connect to the Docker daemon" >&2; exit 1');
    const error = await detectEngine('auto', undefined, { PATH: docker.dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      'no container engine works here for the local-container executor (docker: Cannot connect to the Docker daemon; podman: not installed (not found on PATH))',
    );
    expect((error as UserError).hint).toMatch(/^start a Docker engine, or install podman/);
  });

  it('tries only the engine the config names', async () => {
    const docker = fakeBin('docker', 'echo 28.2.2');
    const error = await detectEngine('podman', undefined, { PATH: docker.dir }).catch((e: unknown) => e);
    expect((error as UserError).message).toBe(
      'no container engine works here for the local-container executor (podman: not installed (not found on PATH))',
    );
    expect(await detectEngine('docker', undefined, { PATH: docker.dir })).toEqual({ name: 'docker', bin: 'docker', runFlags: [], version: '28.2.2' });
  });
});

describe('probeImage', () => {
  const podman = (script: string) => {
    const fake = fakeBin('podman', script);
    return { fake, engine: { name: 'podman' as const, bin: fake.bin, runFlags: [] } };
  };

  it('falls back to explicit ulimits when runc cannot set the default rlimits', async () => {
    const { fake, engine } = podman(`case "$*" in
  "image inspect"*) echo sha256:abc123 ;;
  *--ulimit*) echo 0.1.0 ;;
  *) echo "Error: runc: runc create failed: error setting rlimits for ready process: error setting rlimit type 7: operation not permitted" >&2; exit 126 ;;
esac`);
    const probe = await probeImage(engine, 'localhost/x:1', [], env(fake.dir));
    expect(probe).toEqual({ info: { image: 'localhost/x:1', id: 'abc123', dagcVersion: '0.1.0' }, runFlags: [...FALLBACK_ULIMITS] });
    expect(readFileSync(fake.log, 'utf8').trim().split('\n')).toEqual([
      'image inspect --format {{.Id}} localhost/x:1',
      'run --rm localhost/x:1 dagc --version',
      'run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 localhost/x:1 dagc --version',
    ]);
  });

  it('switches to runc when crun is what fails, then to explicit limits if runc needs them', async () => {
    const { fake, engine } = podman(`case "$*" in
  "image inspect"*) echo sha256:abc ;;
  *"--runtime runc --ulimit"*) echo 0.1.0 ;;
  *"--runtime runc"*) echo "Error: runc: error setting rlimit type 7: operation not permitted" >&2; exit 126 ;;
  *) echo "Error: crun: cannot set cgroup: OCI runtime error" >&2; exit 126 ;;
esac`);
    writeFileSync(path.join(fake.dir, 'runc'), '#!/bin/sh\necho runc 1.1.5\n');
    chmodSync(path.join(fake.dir, 'runc'), 0o755);
    const probe = await probeImage(engine, 'img', [], env(fake.dir));
    expect(probe.runFlags).toEqual(['--runtime', 'runc', ...FALLBACK_ULIMITS]);
  });

  it('leaves the limits alone when the user set their own', async () => {
    const { fake, engine } = podman(`case "$*" in
  "image inspect"*) echo sha256:abc ;;
  *) echo "Error: error setting rlimit type 6: operation not permitted" >&2; exit 126 ;;
esac`);
    const error = await probeImage(engine, 'img', ['--ulimit', 'nofile=9:9'], env(fake.dir)).catch((e: unknown) => e);
    expect((error as UserError).message).toBe('podman cannot start the image "img" (Error: error setting rlimit type 6: operation not permitted)');
    expect(readFileSync(fake.log, 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('names a missing image and an image without dagc', async () => {
    const missing = podman('echo "Error: inspecting object: localhost/nope: image not known" >&2; exit 125');
    const e1 = (await probeImage(missing.engine, 'localhost/nope', [], env(missing.fake.dir)).catch((e: unknown) => e)) as UserError;
    expect(e1.message).toBe(`the image "localhost/nope" is not in podman's local images (Error: inspecting object: localhost/nope: image not known)`);
    expect(e1.hint).toMatch(/dagc image dockerfile/);
    const noDagc = podman(`case "$*" in
  "image inspect"*) echo sha256:abc ;;
  *) echo 'Error: crun: executable file not found in $PATH: No such file or directory: OCI runtime attempted to invoke a command that was not found' >&2; exit 127 ;;
esac`);
    const e2 = (await probeImage(noDagc.engine, 'busybox', [], env(noDagc.fake.dir)).catch((e: unknown) => e)) as UserError;
    expect(e2.message).toMatch(/^the image "busybox" has no dagc on its PATH, so it cannot run steps/);
  });
});
