// The build's precompiled asl-validator schema (ajv standalone code, asl-schema.ts standaloneAslSource) against
// the schema compiled at run time by the same setup: the same verdict and the same errors on every conformance
// golden and on broken copies of them. validate-asl.test.ts compares the run-time one with asl-validator itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { build } from 'esbuild';
import type { ValidateFunction } from 'ajv';
import { compileAslValidator, standaloneAslSource } from './asl-schema.js';
import { aslGoldens } from '../../../test/helpers/asl-goldens.js';
import type { Definition } from '../../../test/helpers/asl-goldens.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The standalone code bundled as scripts/build.mjs bundles it (its require() of asl-schema.ts resolved here). */
async function precompiled(): Promise<ValidateFunction> {
  const here = path.resolve('src/emit/asl');
  const outfile = path.join(dir, 'asl-schema.cjs');
  await build({
    stdin: {
      contents: standaloneAslSource('./asl-schema.ts'),
      resolveDir: here,
      loader: 'js',
      sourcefile: 'precompiled-asl-schema.js',
    },
    outfile,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    logLevel: 'silent',
  });
  return (createRequire(import.meta.url)(outfile) as { validate: ValidateFunction }).validate;
}

/** As validator.js hands definitions to the schema: every state with its QueryLanguage (the machine's, else JSONPath). */
function withQueryLanguage(input: unknown): unknown {
  const d = structuredClone(input) as { QueryLanguage?: string };
  const language = d.QueryLanguage ?? 'JSONPath';
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, v] of Object.entries(value)) {
      if (key === 'States' && v && typeof v === 'object')
        for (const state of Object.values(v as Record<string, Record<string, unknown>>))
          if (state && typeof state === 'object') state.QueryLanguage ??= language;
      visit(v);
    }
  };
  visit(d);
  return d;
}

function mutants(d: Definition): [string, unknown][] {
  const names = Object.keys(d.States);
  const task = names.find((n) => d.States[n]!.Type === 'Task') ?? names[0]!;
  const withState = (change: (s: Record<string, unknown>) => void) => {
    const copy = structuredClone(d);
    change(copy.States[task]!);
    return copy;
  };
  return [
    ['unknown type', withState((s) => (s.Type = 'Nope'))],
    ['bad path (asl-path-validator)', withState((s) => (s.ResultPath = '$$..[bad'))],
    ['bad ARN (asl_arn)', withState((s) => (s.Resource = 'not-an-arn'))],
    [
      'bad JSONata (jsonata_string)',
      withState((s) => ((s.QueryLanguage = 'JSONata'), (s.Output = '{% $$$ ( %}'))),
    ],
    ['negative timeout', withState((s) => (s.TimeoutSeconds = -1))],
    ['unknown top-level key', { ...structuredClone(d), Extra: 1 }],
    ['no States', { StartAt: d.StartAt }],
  ];
}

describe('precompiled asl-validator schema', () => {
  it(
    'gives the run-time schema verdict and errors on goldens and broken copies',
    { timeout: 120_000 },
    async () => {
      const standalone = await precompiled();
      const runtime = compileAslValidator();
      const cases = aslGoldens();
      expect(cases.length).toBeGreaterThan(5);
      let rejected = 0;
      for (const [name, golden] of cases)
        for (const [what, given] of [['as rendered', golden] as [string, unknown], ...mutants(golden)]) {
          const definition = withQueryLanguage(given);
          const ok = runtime(definition);
          expect(standalone(definition), `${name}: ${what}`).toBe(ok);
          expect(standalone.errors ?? null, `${name}: ${what}`).toEqual(runtime.errors ?? null);
          if (!ok) rejected++;
        }
      // Every broken copy is refused (the formats reached: paths, ARNs, JSONata), and no golden is.
      expect(rejected).toBe(cases.length * mutants(cases[0]![1]).length);
    },
  );
});
