// The full SIGKILL sweep of issue 19 (engine suite: about ten minutes here): 20 kill points spread over a run's
// life on each file store (chunked-fs, file-system) and through the rendered bash script; after each kill the
// run is closed with `dagc runs close` (every other point) or re-run straight from its PROCESSING record, and
// `--use-cached` must resume it to SUCCESS: 20/20 each. How kill points are chosen and what is checked:
// test/helpers/sigkill-sweep.ts; the fast suite runs 2 points each (test/sigkill-sweep.test.ts).
import { describe, expect, it } from 'vitest';
import { sweep } from './helpers/sigkill-sweep.js';
import type { SweepMode } from './helpers/sigkill-sweep.js';

describe('SIGKILL sweep, 20 kill points, then --use-cached', () => {
  it.each<SweepMode>(['chunked-fs', 'file-system', 'bash'])('%s: 20/20 resume to SUCCESS', async (mode) => {
    const results = await sweep(mode, 20, (line) => console.log(line));
    console.log(`${mode}: ${results.filter((r) => r.ok).length}/${results.length} resumed`);
    expect(results.filter((r) => !r.ok)).toEqual([]);
    expect(results).toHaveLength(20);
  }, 1_800_000);
});
