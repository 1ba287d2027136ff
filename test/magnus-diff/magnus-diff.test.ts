// Issue 15's differential suite: magnus itself is the oracle. Every shared example (../shared/spec/magnus-examples)
// and every conformance fixture runs through each installed magnus version (scripts/magnus-venv.sh puts them in
// the machine's cache) and through `dagc run --magnus <version>`, with the same inputs and step interpreter; the
// run logs must be equal after the one normaliser (normalise.ts) and the exceptions listed with their reasons
// in exceptions.yaml. An exception that no longer removes anything fails the suite, so the list stays true.
// Skips with a printed notice without ../shared or without an installed magnus (no PyPI).
import { appendFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { sharedOrSkipNotice } from '../helpers/paths.js';
import type { DiffCase } from './cases.js';
import { exampleCases, fixtureCases, ownCases } from './cases.js';
import type { MagnusVenv, RunOutcome } from './harness.js';
import { installedVenvs, runDagc, runMagnus, venvRoot } from './harness.js';
import { appliesTo, applyExceptions, differences, loadExceptions, normalise } from './normalise.js';

const VENVS = installedVenvs();
if (VENVS.length === 0) {
  console.warn(`[skip] magnus differential tests: no magnus in ${venvRoot()} (run scripts/magnus-venv.sh; it needs PyPI)`);
}
const HAVE_SHARED = sharedOrSkipNotice('magnus differential tests of the shared examples');
const EXCEPTIONS = loadExceptions();
const used = new Set<string>();
const ran = new Set<string>();

/** What one side did, normalised: the exit code and the run log (or why there is none). */
function side(outcome: RunOutcome, runIds: string[]) {
  return { exit: outcome.exit, log: outcome.log ? normalise(outcome.log, runIds) : `no run log: ${outcome.lastError}` };
}

async function compare(venv: MagnusVenv, c: DiffCase): Promise<void> {
  const [m, d] = await Promise.all([runMagnus(venv, c), runDagc(venv, c)]);
  const runIds = c.runs.map((r) => r.runId);
  for (const [i, run] of c.runs.entries()) {
    const applicable = EXCEPTIONS.filter((e) => appliesTo(e, venv.version, c.id, run.runId));
    const whole = applicable.find((e) => e.paths.includes('run'));
    const magnus = side(m.runs[i]!, runIds);
    const dagc = side(d.runs[i]!, runIds);
    // DAGC_MDIFF_REPORT=<file>: one JSON line per run, with the exceptions that removed something and every
    // difference left (for review).
    const report = (line: object) => {
      if (process.env.DAGC_MDIFF_REPORT)
        appendFileSync(process.env.DAGC_MDIFF_REPORT, `${JSON.stringify({ version: venv.version, case: c.id, run: run.runId, ...line })}\n`);
    };
    if (whole) {
      // The exception says magnus cannot run this case; it must still be true.
      expect(typeof magnus.log, `${whole.id}: magnus ${venv.version} now writes a run log for ${c.id}`).toBe('string');
      used.add(whole.id);
      report({ refused: whole.id });
      continue;
    }
    const removedBy = applyExceptions(applicable, venv.version, c.id, run.runId, [magnus, dagc]);
    for (const id of removedBy) used.add(id);
    const diff = differences(magnus, dagc);
    report({ excepted: [...removedBy], diff });
    expect(diff, `${c.id} run ${run.runId} (magnus ${venv.version}, dirs ${m.dir} ${d.dir})`).toEqual([]);
  }
}

const cases = [...(HAVE_SHARED ? exampleCases() : []), ...fixtureCases(), ...ownCases()];

// Without magnus the suite still exists, skipped, so the notice above is not lost in "no tests found".
describe.skipIf(VENVS.length > 0)('magnus differential tests (no magnus installed)', () => {
  it.skip('needs scripts/magnus-venv.sh', () => {});
});

for (const venv of VENVS) {
  describe.concurrent(`magnus ${venv.version} and dagc record the same run`, () => {
    it.each(cases.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
      await compare(venv, c);
      ran.add(`${venv.version} ${c.id}`);
    }, 240_000);
  });
}

afterAll(() => {
  // Only a full pass can say that an exception is stale (a filtered run, or one without ../shared's examples,
  // sees part of the cases).
  if (!HAVE_SHARED || ran.size !== VENVS.length * cases.length) return;
  const stale = EXCEPTIONS.filter((e) => !used.has(e.id)).map((e) => e.id);
  expect(stale, 'exceptions in exceptions.yaml that no case needs any more').toEqual([]);
});
