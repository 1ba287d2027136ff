// The conformance set run by the reference executor: `dagc run` for real, and each run log, scrubbed of times,
// ids and code identities, must equal the committed expected/run-log.<run>.json. Every other target is held
// to these same files.
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { caseNames, expectedFile, inputArgs, playCase } from './helpers/conformance.js';

describe.each(caseNames())('conformance %s (dagc run)', (name) => {
  it('runs and records the expected run log', async () => {
    await playCase(
      name,
      (dir, runId, run) => runCli(['run', 'pipeline.yaml', ...inputArgs(dir), '--run-id', runId, ...(run.args ?? [])], { cwd: dir, env: run.env }),
      async (runId, scrubbed) => expect(scrubbed).toMatchFileSnapshot(expectedFile(name, runId)),
    );
  });
});
