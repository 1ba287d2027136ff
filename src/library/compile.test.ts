// compileLoaded and a compiler's deferred checks (EmitResult.deferred): started before the output is
// serialised, finished before anything is reported or returned; an error among them refuses the output as
// the compiler's own errors do, a warning is reported with the others.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostics.js';
import { DiagnosticError } from '../core/diagnostics.js';
import { loadInputFiles } from '../config/inputs.js';
import { compileLoaded } from './compile.js';
import { loadTarget } from './targets.js';
import type { Target } from './targets.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-compile-lib-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  path.join(dir, 'p.yaml'),
  'dag:\n  start_at: s\n  steps:\n    s: {type: stub, next: success}\n    success: {type: success}\n    fail: {type: fail}\n',
);
const files = { pipelineFile: 'p.yaml', cwd: dir, env: {} };

const finding = (severity: 'error' | 'warning'): Diagnostic => ({
  code: 'DAGC-TEST',
  severity,
  message: `a deferred ${severity}`,
  file: 'p.yaml',
  start: { line: 1, column: 1 },
});

/** The bash target, its compile returning `deferred` that records when it starts and finishes. */
async function withDeferred(found: Diagnostic[], events: string[]): Promise<Target> {
  const bash = await loadTarget('bash');
  return {
    ...bash,
    compile: (ir, config, options) => {
      expect(options.deferChecks).toBe(true);
      const result = bash.compile(ir, config, options);
      return {
        ...result,
        deferred: () => {
          events.push('started');
          return {
            finish: async () => {
              events.push('finished');
              return found;
            },
          };
        },
      };
    },
  };
}

/** compileLoaded of p.yaml with a target whose deferred checks find `found`: what it did, and what it reported. */
function compiling(found: Diagnostic[]) {
  const events: string[] = [];
  const reported: Diagnostic[][] = [];
  const run = (async () => {
    const inputs = await loadInputFiles(files);
    const target = await withDeferred(found, events);
    return compileLoaded(
      target,
      inputs,
      inputs.config,
      files,
      undefined,
      async (d) => void reported.push([...d]),
    );
  })();
  return { run, events, reported };
}

describe('deferred checks', () => {
  it('an error refuses the output, and nothing is reported before', async () => {
    const { run, events, reported } = compiling([finding('warning'), finding('error')]);
    await expect(run).rejects.toBeInstanceOf(DiagnosticError);
    await run.catch((e: DiagnosticError) =>
      expect(e.diagnostics.map((d) => d.message)).toEqual(['a deferred warning', 'a deferred error']),
    );
    expect(events).toEqual(['started', 'finished']);
    expect(reported).toEqual([]);
  });

  it('a warning is reported and returned with the output', async () => {
    const { run, events, reported } = compiling([finding('warning')]);
    const result = await run;
    expect(events).toEqual(['started', 'finished']);
    expect(result.files.length).toBe(1);
    expect(reported.flat().map((d) => d.message)).toEqual(['a deferred warning']);
    expect(result.diagnostics.map((d) => d.message)).toContain('a deferred warning');
  });
});
