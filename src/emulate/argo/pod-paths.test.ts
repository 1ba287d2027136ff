// The Argo emulator maps a pod's paths by prefix, not substring (issue 19): a step name or map item that
// contains `/tmp/` or a mount path inside it is data and reaches dagc unchanged.
import { describe, expect, it } from 'vitest';
import { mapPaths } from './pod.js';

const mounts = [['/mnt/data', '/work/.argo-volumes/claim']] as const;

describe('mapPaths', () => {
  it('maps paths that start an argument, an option value or a word of a script line', () => {
    expect(mapPaths('/tmp/dagc-fan.json', '/pod', mounts)).toBe('/pod/dagc-fan.json');
    expect(mapPaths('--output=/tmp/x', '/pod', mounts)).toBe('--output=/pod/x');
    expect(mapPaths(`printf '%s' "$J" > /tmp/dagc-config.json || exit 2`, '/pod', mounts)).toBe(`printf '%s' "$J" > /pod/dagc-config.json || exit 2`);
    expect(mapPaths('set -- "$@" -c /tmp/c.json', '/pod', mounts)).toBe('set -- "$@" -c /pod/c.json');
    expect(mapPaths('/mnt/data/run_logs', '/pod', mounts)).toBe('/work/.argo-volumes/claim/run_logs');
    expect(mapPaths('/mnt/data', '/pod', mounts)).toBe('/work/.argo-volumes/claim');
  });

  it('leaves /tmp/ and mount paths inside a name alone', () => {
    for (const name of ['step/tmp/x', 'm.s3://bucket/tmp/item.t', 'a/mnt/data/b', 'x/mnt/data', '/mnt/database'])
      expect(mapPaths(name, '/pod', mounts)).toBe(name);
  });
});

describe('runPod: the positional data of a dagc pod script', () => {
  it('reaches the script as given (a step named /tmp/x), while the script and the options after -f are mapped', async () => {
    const { mkdtempSync, readFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { runPod } = await import('./pod.js');
    const cwd = mkdtempSync(path.join(tmpdir(), 'dagc-pod-'));
    const script = 'printf "%s|%s|%s|%s\\n" "$2" "$3" "$5" "$TMPDIR" > "$PWD/said"; printf x > /tmp/dagc-fan.json';
    const ran = await runPod(
      { command: ['sh', '-c', script, 'dagc-step', 'task', 'r1', '/tmp/x', '-f', '/tmp/p.yaml'], env: {}, outputs: [{ name: 'fan', path: '/tmp/dagc-fan.json' }] },
      { cwd, baseEnv: { PATH: process.env.PATH ?? '' }, tmpRoot: cwd, dagc: ['node'], shimDir: cwd, out: () => undefined, err: () => undefined, signal: new AbortController().signal },
    );
    expect(ran.phase).toBe('Succeeded');
    const [run, name, pipeline, tmp] = readFileSync(path.join(cwd, 'said'), 'utf8').trim().split('|');
    expect([run, name]).toEqual(['r1', '/tmp/x']);
    expect(pipeline).toBe(`${tmp}/p.yaml`);
    expect(ran.outputs.fan).toBe('x');
  });
});
