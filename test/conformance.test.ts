// The conformance set (fixtures/conformance/<case>): each pipeline runs with `dagc run` for real, and its run
// log, scrubbed of times, ids and code identities, must equal the committed expected/run-log.<run>.json.
// Later targets (bash, Argo, ASL) compare their runs against the same files.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { copyFixture, readTree } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { RunLog } from '../src/services/run-log/types.js';

interface CaseRun {
  runId?: string;
  exit: number;
  args?: string[];
  env?: Record<string, string>;
}
interface CaseSpec {
  runs: CaseRun[];
  /** Values that must appear nowhere dagc writes or prints. */
  secrets?: string[];
}

const CONFORMANCE = path.join(ROOT, 'fixtures', 'conformance');
const cases = readdirSync(CONFORMANCE).sort();

function caseArgs(dir: string): string[] {
  const args: string[] = [];
  if (existsSync(path.join(dir, 'config.yaml'))) args.push('-c', 'config.yaml');
  if (existsSync(path.join(dir, 'parameters.yaml'))) args.push('-p', 'parameters.yaml');
  return args;
}

describe.each(cases)('conformance %s', (name) => {
  const source = path.join(CONFORMANCE, name);
  const spec = JSON.parse(readFileSync(path.join(source, 'case.json'), 'utf8')) as CaseSpec;

  it('runs with dagc run and records the expected run log', async () => {
    const dir = copyFixture(source);
    let printed = '';
    for (const [i, run] of spec.runs.entries()) {
      const runId = run.runId ?? `${name}-${i + 1}`;
      const result = await runCli(['run', 'pipeline.yaml', ...caseArgs(dir), '--run-id', runId, ...(run.args ?? [])], {
        cwd: dir,
        env: run.env,
      });
      printed += result.stdout + result.stderr;
      expect(result.stderr, result.stderr).not.toMatch(/^\s+at /m);
      expect(result.status, result.stdout + result.stderr).toBe(run.exit);
      const configArgs = existsSync(path.join(dir, 'config.yaml')) ? ['-c', 'config.yaml'] : [];
      const shown = await runCli(['runs', 'show', runId, '--json', ...configArgs], { cwd: dir });
      expect(shown.status, shown.stderr).toBe(0);
      const log = JSON.parse(shown.stdout) as RunLog;
      await expect(scrubbedText(log)).toMatchFileSnapshot(path.join(source, 'expected', `run-log.${runId}.json`));
    }
    for (const secret of spec.secrets ?? []) {
      expect(printed).not.toContain(secret);
      for (const [file, content] of readTree(dir)) {
        if (file.endsWith('.env')) continue;
        expect(content.includes(secret), `${secret} leaked into ${file}`).toBe(false);
      }
    }
  });
});
