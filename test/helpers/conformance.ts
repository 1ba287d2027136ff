// The conformance cases (fixtures/conformance/<case>) and one way to play them through any runner, so every
// target is held to the same expected run logs (DESIGN.md §3 invariant 1).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runCli } from './cli.js';
import type { CliResult } from './cli.js';
import { copyFixture, readTree } from './fixture-dir.js';
import { ROOT } from './paths.js';
import { scrubbedText } from './run-log-compare.js';
import type { RunLog } from '../../src/services/run-log/types.js';

export interface CaseRun {
  runId?: string;
  exit: number;
  args?: string[];
  env?: Record<string, string>;
}

export interface CaseSpec {
  runs: CaseRun[];
  /** Values that must appear nowhere dagc writes or prints. */
  secrets?: string[];
  /** Files that must not exist afterwards (proof that no name or value ran as code). */
  absent?: string[];
}

export const CONFORMANCE = path.join(ROOT, 'fixtures', 'conformance');

export function caseNames(): string[] {
  return readdirSync(CONFORMANCE).sort();
}

export function caseSpec(name: string): CaseSpec {
  return JSON.parse(readFileSync(path.join(CONFORMANCE, name, 'case.json'), 'utf8')) as CaseSpec;
}

/** -c / -p as the case folder provides them. */
export function inputArgs(dir: string): string[] {
  const args: string[] = [];
  if (existsSync(path.join(dir, 'config.yaml'))) args.push('-c', 'config.yaml');
  if (existsSync(path.join(dir, 'parameters.yaml'))) args.push('-p', 'parameters.yaml');
  return args;
}

export function runIdOf(name: string, run: CaseRun, i: number): string {
  return run.runId ?? `${name}-${i + 1}`;
}

export function expectedFile(name: string, runId: string): string {
  return path.join(CONFORMANCE, name, 'expected', `run-log.${runId}.json`);
}

/** Runs one case's runs in a fresh copy of its folder with `runner`; checks exits, secrets and absent files. */
export async function playCase(
  name: string,
  runner: (dir: string, runId: string, run: CaseRun) => Promise<CliResult>,
  compare: (runId: string, scrubbed: string) => Promise<void>,
): Promise<void> {
  const spec = caseSpec(name);
  const dir = copyFixture(path.join(CONFORMANCE, name));
  let printed = '';
  for (const [i, run] of spec.runs.entries()) {
    const runId = runIdOf(name, run, i);
    const result = await runner(dir, runId, run);
    printed += result.stdout + result.stderr;
    expect(result.stderr, result.stderr).not.toMatch(/^\s+at .*\.(ts|js):\d+/m);
    expect(result.status, result.stdout + result.stderr).toBe(run.exit);
    const configArgs = existsSync(path.join(dir, 'config.yaml')) ? ['-c', 'config.yaml'] : [];
    const shown = await runCli(['runs', 'show', runId, '--json', ...configArgs], { cwd: dir });
    expect(shown.status, shown.stderr).toBe(0);
    await compare(runId, scrubbedText(JSON.parse(shown.stdout) as RunLog));
  }
  for (const file of spec.absent ?? []) expect(existsSync(path.join(dir, file)), `${file} was created`).toBe(false);
  for (const secret of spec.secrets ?? []) {
    expect(printed).not.toContain(secret);
    for (const [file, content] of readTree(dir)) {
      if (file.endsWith('.env') || file === 'case.json') continue;
      expect(content.includes(secret), `${secret} leaked into ${file}`).toBe(false);
    }
  }
}
