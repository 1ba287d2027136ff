// The SIGKILL sweep (issue 19), small: a few kill points on each file store and through the bash script; the
// full one (20 kill points each) is test/sigkill-sweep-full.test.ts in the engine suite. How kill points are
// chosen and what is checked: test/helpers/sigkill-sweep.ts.
import { describe, expect, it } from 'vitest';
import { sweep } from './helpers/sigkill-sweep.js';
import type { SweepMode } from './helpers/sigkill-sweep.js';

const POINTS = Number(process.env.DAGC_SWEEP_POINTS ?? 2);

describe('SIGKILL sweep, then --use-cached', () => {
  it.each<SweepMode>(['chunked-fs', 'file-system', 'bash'])(`%s: ${POINTS} kill points resume to SUCCESS`, async (mode) => {
    const results = await sweep(mode, POINTS, (line) => console.log(line));
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(POINTS);
  }, 600_000);
});
