// schemas/run-log.schema.json describes the document `dagc runs show --json` prints. Held to real run logs:
// every conformance case run with `dagc run` (the documents as written, times and code identities included),
// and every committed expected run log (fixtures/conformance/*/expected), which the comparison helper has
// scrubbed of exactly the fields listed in SCRUBBED below.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { CONFORMANCE, caseNames, caseSpec, inputArgs, runIdOf } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';

type Json = Record<string, unknown>;
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'run-log.schema.json'), 'utf8')) as Json;

/** What test/helpers/run-log-compare.ts scrubRunLog drops, by schema definition ('' for the root). */
const SCRUBBED: Readonly<Record<string, readonly string[]>> = {
  '': ['run_config'],
  step: ['code_identities'],
  attempt: ['start_time', 'end_time', 'duration'],
  catalog_entry: ['catalog_handler_location'],
};

/** The same schema with the scrubbed fields optional (still refused when present with a wrong shape). */
function scrubbedSchema(): Json {
  const copy = structuredClone(schema) as Json & { definitions: Record<string, Json> };
  copy.$id = 'run-log.scrubbed.schema.json';
  for (const [def, fields] of Object.entries(SCRUBBED)) {
    const target = def === '' ? copy : copy.definitions[def]!;
    target.required = (target.required as string[]).filter((f) => !fields.includes(f));
  }
  return copy;
}

const ajv = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true });
const validateFull = ajv.compile(schema);
const validateScrubbed = ajv.compile(scrubbedSchema());
const problems = (errors: ErrorObject[] | null | undefined) => (errors ?? []).map((e) => `${e.instancePath} ${e.message}`);

describe('schemas/run-log.schema.json', () => {
  const expected = caseNames().flatMap((name) =>
    readdirSync(path.join(CONFORMANCE, name, 'expected'))
      .filter((f) => /^run-log.*\.json$/.test(f))
      .map((f) => path.join(name, 'expected', f)),
  );

  it('has committed run logs to hold it to', () => {
    expect(expected.length).toBeGreaterThanOrEqual(10);
  });

  it.each(expected)('describes %s', (file) => {
    const log = JSON.parse(readFileSync(path.join(CONFORMANCE, file), 'utf8')) as unknown;
    expect(validateScrubbed(log) ? [] : problems(validateScrubbed.errors)).toEqual([]);
  });

  it.each(caseNames())('describes the run logs `dagc run` writes for %s, as `dagc runs show --json` prints them', async (name) => {
    const dir = copyFixture(path.join(CONFORMANCE, name));
    for (const [i, run] of caseSpec(name).runs.entries()) {
      const runId = runIdOf(name, run, i);
      const r = await runCli(['run', 'pipeline.yaml', ...inputArgs(dir), '--run-id', runId, ...(run.args ?? [])], { cwd: dir, env: run.env });
      expect(r.status, r.stderr).toBe(run.exit);
      const configArgs = existsSync(path.join(dir, 'config.yaml')) ? ['-c', 'config.yaml'] : [];
      const shown = await runCli(['runs', 'show', runId, '--json', ...configArgs], { cwd: dir });
      expect(shown.status, shown.stderr).toBe(0);
      const log = JSON.parse(shown.stdout) as unknown;
      expect(validateFull(log) ? [] : problems(validateFull.errors)).toEqual([]);
    }
  });

  it('refuses a document that is not a run log (the schema can fail)', () => {
    const log = JSON.parse(readFileSync(path.join(CONFORMANCE, expected[0]!), 'utf8')) as Json;
    expect(validateScrubbed({ ...log, status: 'DONE' })).toBe(false);
    expect(validateScrubbed({ ...log, extra: 1 })).toBe(false);
  });
});
