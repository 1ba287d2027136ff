// Remembers which images have been probed (they start here and have dagc), so that a run does not start one
// container just to ask `dagc --version` each time: on this machine kind that probe, with the rlimit retry,
// costs ~3 s per run (bench/container.mjs). Keyed by engine, engine version, host and the image's id: a
// rebuilt image has a new id and is probed again. The cache is a convenience: unreadable or unwritable, it
// is ignored, and a container the engine refuses to start clears the engine's entry (local-container.ts).
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '../../core/write-file-atomic.js';
import type { Engine } from './engine.js';

interface CacheFile {
  version: 1;
  /** engine key → flags every run needs. */
  engines: Record<string, string[]>;
  /** engine key + image id → what `dagc --version` printed in it. */
  images: Record<string, string>;
}

/** $DAGC_CACHE_DIR, else $XDG_CACHE_HOME/dagc, else ~/.cache/dagc; undefined: no cache. */
export function cacheFile(env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (env.DAGC_CACHE_DIR === '') return undefined;
  const dir = env.DAGC_CACHE_DIR ?? (env.XDG_CACHE_HOME ? path.join(env.XDG_CACHE_HOME, 'dagc') : env.HOME ? path.join(env.HOME, '.cache', 'dagc') : undefined);
  return dir ? path.join(dir, 'container-probes.json') : undefined;
}

export function engineKey(engine: Engine): string {
  return `${engine.name} ${engine.version ?? '?'} ${hostname()}`;
}

export class ProbeCache {
  private constructor(
    private readonly file: string | undefined,
    private data: CacheFile,
  ) {}

  static async open(env: Readonly<Record<string, string | undefined>>): Promise<ProbeCache> {
    const file = cacheFile(env);
    const empty: CacheFile = { version: 1, engines: {}, images: {} };
    if (!file) return new ProbeCache(undefined, empty);
    try {
      const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
      if (parsed.version === 1 && parsed.engines && parsed.images) return new ProbeCache(file, parsed as CacheFile);
    } catch {
      /* absent or unreadable: start empty */
    }
    return new ProbeCache(file, empty);
  }

  /** The flags and dagc version of an image probed before with this engine, if it was. */
  lookup(engine: Engine, imageId: string): { runFlags: string[]; dagcVersion: string } | undefined {
    const key = engineKey(engine);
    const dagcVersion = this.data.images[`${key} ${imageId}`];
    const runFlags = this.data.engines[key];
    return dagcVersion !== undefined && runFlags !== undefined ? { runFlags, dagcVersion } : undefined;
  }

  remember(engine: Engine, imageId: string, runFlags: readonly string[], dagcVersion: string): void {
    const key = engineKey(engine);
    this.data.engines[key] = [...runFlags];
    this.data.images[`${key} ${imageId}`] = dagcVersion;
  }

  /** Forgets an engine (its flags stopped working) and every image probed with it. */
  forget(engine: Engine): void {
    const key = engineKey(engine);
    delete this.data.engines[key];
    for (const k of Object.keys(this.data.images)) if (k.startsWith(`${key} `)) delete this.data.images[k];
  }

  /** Writes the cache (temp file, then rename); failures are ignored. */
  async save(): Promise<void> {
    if (!this.file) return;
    try {
      await writeFileAtomic(this.file, JSON.stringify(this.data, null, 2) + '\n');
    } catch {
      /* a cache that cannot be written only costs the next run a probe */
    }
  }
}
