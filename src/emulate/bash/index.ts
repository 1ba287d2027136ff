// `dagc emulate --target bash`: the script `dagc compile --target bash` writes, run under real bash. The bash
// engine is bash itself, so emulating is running: the only stand-in is where the script lives. It finds the
// pipeline and config relative to its own folder, and was compiled to live in the working directory (as
// `dagc compile` without -o prints it), so it runs from a hidden file there, removed afterwards.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../core/write-file-atomic.js';
import { spawnPiped } from '../../core/spawn-piped.js';
import type { Emulator } from '../types.js';

export const emulator: Emulator = {
  async emulate(files, options) {
    const script = files[0];
    if (!script) throw new Error('the bash target compiled no script (dagc bug)');
    const at = path.join(path.dirname(script.path), `.dagc-emulate-${randomBytes(4).toString('hex')}-${path.basename(script.path)}`);
    await writeFileAtomic(at, script.text, 0o755);
    try {
      const ran = await spawnPiped('bash', [at, options.runId], {
        cwd: options.cwd,
        // The script runs `$DAGC_BIN` (split on spaces) where a machine would run `dagc` from the PATH.
        env: { ...options.env, DAGC_BIN: options.dagc.join(' '), ...(options.useCached ? { DAGC_USE_CACHED: options.useCached } : {}) },
        out: options.out,
        err: options.err,
      });
      if (ran.error !== undefined) throw new Error(`could not start bash: ${ran.error}`);
      return { exitCode: ran.code ?? 2, engine: ' (bash)' };
    } finally {
      await rm(at, { force: true });
    }
  },
};
