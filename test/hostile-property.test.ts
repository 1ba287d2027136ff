// Property (fast-check, fixed seed, bounded budget): hostile step names, parameter values and map items go
// through `dagc run`, the rendered bash script, and both emulators (`dagc emulate --target argo`, the built-in
// Argo engine, and `--target asl`, aws-local-stepfunctions) (issue 19). For every generated pipeline: nothing in a
// name or value runs as a command (each hostile fragment would create a marker file), no file appears outside
// the sandbox, every run closes its run log SUCCESS, and all four record the same steps with the same statuses
// and the same parameters. A target may refuse a name it cannot carry at compile time (exit 2, a located
// message, nothing run); that is counted and said. The budget is CASES here; a longer run:
// DAGC_FUZZ_CASES=200 npx vitest run test/hostile-property.test.ts (scripts/fuzz-hostile.sh).
import { spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';

const CASES = Number(process.env.DAGC_FUZZ_CASES ?? 3);
const SEED = 19;
// The long run (scripts/fuzz-hostile.sh) notes each case it starts in this file, so a run stopped early still says how far it got.
const PROGRESS = process.env.DAGC_FUZZ_PROGRESS;
const MARK = 'PWNED';

function bash(script: string, args: string[], cwd: string, env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], { cwd, env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}`, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

// Fragments that run a command if any layer treats text as code; each one would create a marker file.
const injections = (k: number) => [
  `$(touch ${MARK}${k}a)`,
  `\`touch ${MARK}${k}b\``,
  `'; touch ${MARK}${k}c; '`,
  `"; touch ${MARK}${k}d; "`,
  `\ntouch ${MARK}${k}e\n`,
  `-${MARK}`,
  '../../..',
  '{{workflow.name}}',
  '/tmp/x',
  '%s%n',
  '__proto__',
];

const text = (k: number) =>
  fc
    .array(fc.oneof(fc.constantFrom(...injections(k)), fc.string({ minLength: 1, maxLength: 6 }).filter((s) => !s.includes('\u0000'))), { minLength: 1, maxLength: 3 })
    .map((parts) => parts.join(''));

// Step names: what validate accepts (no '.', '%', NUL; YAML keys written as JSON strings).
const stepName = (k: number) => text(k).map((s) => s.split('\u0000').join('_').replace(/[.%]/g, '_').trim()).filter((s) => s !== '' && !['success', 'fail'].includes(s));

const pipelineOf = (name: string) => `dag:
  start_at: ${JSON.stringify(name)}
  steps:
    ${JSON.stringify(name)}:
      type: task
      command_type: shell
      command: echo "$DAGC_PRM_value"
      next: m
    m:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: t
        steps:
          t:
            type: task
            command_type: shell
            command: printf '%s\\n' "$DAGC_PRM_item"
            next: success
          success: {type: success}
          fail: {type: fail}
      next: success
    success: {type: success}
    fail: {type: fail}
`;

interface Log {
  status: string;
  parameters: Record<string, unknown>;
  steps: Record<string, { status: string; branches: Record<string, { status: string; steps: Record<string, { status: string }> }> }>;
}

function shape(log: Log): unknown {
  const steps = Object.entries(log.steps).map(([k, s]) => [
    k,
    s.status,
    Object.entries(s.branches)
      .map(([b, br]) => [b, br.status, Object.entries(br.steps).map(([n, st]) => [n, st.status])])
      .sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)),
  ]);
  return { status: log.status, parameters: log.parameters, steps };
}

describe('hostile names, parameters and map items (property)', () => {
  it(`${CASES} generated pipelines: nothing injected, nothing outside, same closed run log under dagc run, bash, argo and asl`, async () => {
    let tried = 0;
    let refused = 0;
    const targetRefused = { argo: 0, asl: 0 };
    const emulatedOk = { argo: 0, asl: 0 };
    await fc.assert(
      fc.asyncProperty(stepName(1), fc.uniqueArray(text(2), { minLength: 1, maxLength: 3 }), text(3), async (name, items, value) => {
        tried++;
        if (PROGRESS) appendFileSync(PROGRESS, `case ${tried} started ${new Date().toISOString()}\n`);
        // The sandbox: the project and the runs' TMPDIR side by side; nothing else may appear in it.
        const root = mkdtempSync(path.join(tmpdir(), 'dagc-fuzz-'));
        const dir = path.join(root, 'project');
        const env = { TMPDIR: path.join(root, 'tmp') };
        mkdirSync(dir);
        mkdirSync(env.TMPDIR);
        writeFileSync(path.join(dir, 'pipeline.yaml'), pipelineOf(name));
        writeFileSync(path.join(dir, 'params.json'), JSON.stringify({ items, value }));
        writeFileSync(path.join(dir, 'params.yaml'), `items: ${JSON.stringify(items)}\nvalue: ${JSON.stringify(value)}\n`);
        const valid = await runCli(['validate', 'pipeline.yaml', '-p', 'params.yaml'], { cwd: dir, env });
        if (valid.status !== 0) {
          // Refused with a located message (exit 2, never a crash): nothing runs.
          expect(valid.status, valid.stderr).toBe(2);
          expect(valid.stderr).toMatch(/:\d+:\d+ error DAGC-/);
          refused++;
          return;
        }
        const ran = await runCli(['run', 'pipeline.yaml', '-p', 'params.yaml', '--run-id', 'a'], { cwd: dir, env });
        const compiled = await runCli(['compile', 'pipeline.yaml', '-p', 'params.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir, env });
        expect(compiled.status, compiled.stderr).toBe(0);
        const scripted = await bash('p.sh', ['b'], dir, env);
        const marks = readdirSync(root, { recursive: true }).map(String).filter((f) => new RegExp(`^${MARK}\\d[a-e]$`).test(path.basename(f)));
        expect(marks, 'a name or value ran as code').toEqual([]);
        expect(readdirSync(root).sort()).toEqual(['project', 'tmp']);
        expect(ran.status, ran.stderr).toBe(0);
        expect(scripted.status, scripted.stderr).toBe(0);
        const a = JSON.parse((await runCli(['runs', 'show', 'a', '--json'], { cwd: dir })).stdout) as Log;
        const b = JSON.parse((await runCli(['runs', 'show', 'b', '--json'], { cwd: dir })).stdout) as Log;
        expect(a.status).toBe('SUCCESS');
        expect(shape(b)).toEqual(shape(a));
        for (const [target, runId] of [['argo', 'c'], ['asl', 'd']] as const) {
          const emulated = await runCli(['emulate', 'pipeline.yaml', '-p', 'params.yaml', '--target', target, '--run-id', runId], {
            cwd: dir,
            env,
            timeoutMs: 180_000,
          });
          const marksNow = readdirSync(root, { recursive: true }).map(String).filter((f) => new RegExp(`^${MARK}\\d[a-e]$`).test(path.basename(f)));
          expect(marksNow, `${target}: a name or value ran as code`).toEqual([]);
          expect(readdirSync(root).sort(), `${target}: a file outside the sandbox's project and tmp`).toEqual(['project', 'tmp']);
          const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
          if (emulated.status === 2 && shown.status !== 0) {
            // The target refused what it cannot carry before anything ran: said with a location, no stack.
            expect(emulated.stderr, `${target} refused`).toMatch(/error|DAGC-/);
            expect(emulated.stderr).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
            targetRefused[target]++;
            continue;
          }
          expect(emulated.status, `${target}: ${emulated.stderr}`).toBe(0);
          expect(shape(JSON.parse(shown.stdout) as Log), target).toEqual(shape(a));
          emulatedOk[target]++;
        }
      }),
      { seed: SEED, numRuns: CASES, endOnFailure: true },
    );
    console.warn(
      `[hostile-property] tried ${tried} generated pipelines (seed ${SEED}): ${tried - refused} ran under dagc run and bash, ${refused} refused by validate; ` +
        `argo emulator ${emulatedOk.argo} equal run logs, ${targetRefused.argo} refused at compile; asl emulator ${emulatedOk.asl} equal, ${targetRefused.asl} refused`,
    );
    expect(tried).toBe(CASES);
  }, Math.max(1_800_000, CASES * 30_000));
});
