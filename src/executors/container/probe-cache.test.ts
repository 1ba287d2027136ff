// The probe cache: what is remembered is keyed by engine, engine version, host and image id; it survives a
// reload, forgetting an engine drops its images, and a broken file is an empty cache, never an error.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ProbeCache, cacheFile } from './probe-cache.js';

const podman = { name: 'podman' as const, bin: 'podman', runFlags: [], version: '4.3.1' };
const docker = { name: 'docker' as const, bin: 'docker', runFlags: [], version: '28.2.2' };

describe('ProbeCache', () => {
  it('finds the cache folder from DAGC_CACHE_DIR, XDG_CACHE_HOME or HOME; an empty DAGC_CACHE_DIR turns it off', () => {
    expect(cacheFile({ DAGC_CACHE_DIR: '/c', HOME: '/h' })).toBe('/c/container-probes.json');
    expect(cacheFile({ XDG_CACHE_HOME: '/x', HOME: '/h' })).toBe('/x/dagc/container-probes.json');
    expect(cacheFile({ HOME: '/h' })).toBe('/h/.cache/dagc/container-probes.json');
    expect(cacheFile({ DAGC_CACHE_DIR: '', HOME: '/h' })).toBeUndefined();
  });

  it('remembers probed images per engine across a reload and forgets an engine with its images', async () => {
    const env = { DAGC_CACHE_DIR: mkdtempSync(path.join(tmpdir(), 'dagc-cache-')) };
    const first = await ProbeCache.open(env);
    expect(first.lookup(podman, 'abc')).toBeUndefined();
    first.remember(podman, 'abc', ['--ulimit', 'nofile=1024:1024'], '0.1.0');
    first.remember(docker, 'abc', [], '0.1.0');
    await first.save();
    const again = await ProbeCache.open(env);
    expect(again.lookup(podman, 'abc')).toEqual({ runFlags: ['--ulimit', 'nofile=1024:1024'], dagcVersion: '0.1.0' });
    expect(again.lookup({ ...podman, version: '5.0.0' }, 'abc')).toBeUndefined();
    expect(again.lookup(podman, 'other-id')).toBeUndefined();
    again.forget(podman);
    expect(again.lookup(podman, 'abc')).toBeUndefined();
    expect(again.lookup(docker, 'abc')).toEqual({ runFlags: [], dagcVersion: '0.1.0' });
  });

  it('takes a broken file for an empty cache and overwrites it whole', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-cache-'));
    writeFileSync(path.join(dir, 'container-probes.json'), '{"version": 1, "engines": {');
    const cache = await ProbeCache.open({ DAGC_CACHE_DIR: dir });
    expect(cache.lookup(podman, 'abc')).toBeUndefined();
    cache.remember(podman, 'abc', [], '0.1.0');
    await cache.save();
    expect(JSON.parse(readFileSync(path.join(dir, 'container-probes.json'), 'utf8')).version).toBe(1);
  });
});
