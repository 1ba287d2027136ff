// Runs one case through magnus (from a virtual environment made by scripts/magnus-venv.sh) and through dagc, each
// in its own fresh working directory laid out the same way, with the same config, parameters, run ids and step
// interpreter, and returns both run logs.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseJson } from '../../src/core/py-float.js';
import { ROOT } from '../helpers/paths.js';
import type { DiffCase } from './cases.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- run logs of several magnus versions are foreign JSON */
type Json = any;

export interface MagnusVenv {
  version: string;
  /** Its interpreter: magnus's steps run with it, and so do dagc's (DAGC_PYTHON). */
  python: string;
  magnus: string;
}

/** Where scripts/magnus-venv.sh puts them: $DAGC_MAGNUS_VENVS, else $XDG_CACHE_HOME/dagc, else ~/.cache/dagc. */
export function venvRoot(env: NodeJS.ProcessEnv = process.env): string {
  return env.DAGC_MAGNUS_VENVS || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'dagc');
}

/** Every venv whose install finished (it holds .dagc-ready), newest version first. */
export function installedVenvs(root = venvRoot()): MagnusVenv[] {
  if (!existsSync(root)) return [];
  const parse = (v: string) => v.split('.').map(Number);
  return readdirSync(root)
    .filter((name) => name.startsWith('magnus-venv-') && existsSync(path.join(root, name, '.dagc-ready')))
    .map((name) => {
      const dir = path.join(root, name);
      return { version: name.slice('magnus-venv-'.length), python: path.join(dir, 'bin', 'python'), magnus: path.join(dir, 'bin', 'magnus') };
    })
    .sort((a, b) => {
      const [x, y] = [parse(a.version), parse(b.version)];
      for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (y[i] ?? 0) - (x[i] ?? 0);
      return 0;
    });
}

/** Before 36d00ec (2023-03) the executor section was called `mode` (magnus-spec.md §2.1). */
const usesModeKey = (version: string) => /^0\.[0-3]\./.test(version);

/**
 * The config both tools get: the case's own config.yaml (if any) with a file-system run log store, whose
 * `<run_id>.json` every magnus version writes and dagc reads back (spec §3.6). It is written beside the working
 * directory, not in it, so that no catalog pattern can pick it up.
 */
function writeConfig(dir: string, version: string): string {
  const own = path.join(dir, 'config.yaml');
  const config: Json = existsSync(own) ? (parseYaml(readFileSync(own, 'utf8')) ?? {}) : {};
  config.run_log_store = { type: 'file-system' };
  if (usesModeKey(version) && config.executor) {
    config.mode = config.executor;
    delete config.executor;
  }
  const file = `${dir}.config.yaml`;
  writeFileSync(file, stringifyYaml(config));
  return file;
}

/** Parameters and variables of the test runner's own environment must reach neither tool (spec §1.8, §4.1). */
function cleanEnv(extra: Record<string, string> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { PYTHONDONTWRITEBYTECODE: '1', NO_COLOR: '1', TERM: 'dumb', COLUMNS: '200' };
  for (const k of Object.keys(process.env)) if (/^(MAGNUS|DAGC)_(PRM|VAR|TRACK)_/.test(k)) env[k] = undefined;
  return { ...env, ...extra };
}

export interface RunOutcome {
  exit: number | null;
  /** The run log, or null when none was written (magnus refused the pipeline). */
  log: Json | null;
  /** The last line magnus or dagc printed to stderr (why there is no log). */
  lastError: string;
}

function spawnIn(cmd: string, args: string[], cwd: string, env: Record<string, string | undefined>): Promise<{ status: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const merged: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...env })) if (v !== undefined) merged[k] = v;
    const child = spawn(cmd, args, { cwd, env: merged, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The end of what a tool printed to stderr: why there is no run log (a traceback's last lines). */
const lastLine = (text: string) => text.trim().split('\n').slice(-4).join(' | ');

/** The working directory of one side: the case's layout in a fresh temp dir. */
export function caseDir(c: DiffCase, side: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), `dagc-mdiff-${side}-`));
  c.setup(dir);
  return dir;
}

export async function runMagnus(venv: MagnusVenv, c: DiffCase): Promise<{ dir: string; runs: RunOutcome[] }> {
  const dir = caseDir(c, `m${venv.version}`);
  const config = writeConfig(dir, venv.version);
  const runs: RunOutcome[] = [];
  for (const run of c.runs) {
    run.before?.(dir);
    const args = run.step
      ? ['execute_step', run.step, '--file', c.pipeline, '--config-file', config, '--run-id', run.runId]
      : ['execute', '--file', c.pipeline, '--config-file', config, '--run-id', run.runId];
    if (existsSync(path.join(dir, 'parameters.yaml'))) args.push('--parameters-file', 'parameters.yaml');
    const result = await spawnIn(venv.magnus, [...args, ...(run.args ?? [])], dir, cleanEnv(run.env));
    const file = path.join(dir, '.run_log_store', `${run.runId}.json`);
    runs.push({
      exit: result.status,
      log: existsSync(file) ? parseJson(readFileSync(file, 'utf8')) : null,
      lastError: lastLine(result.stderr),
    });
  }
  return { dir, runs };
}

let snapshot: string | undefined;

/**
 * dagc as built when the suite started, copied aside: a long suite must not see dist/ rebuilt under it by
 * another test run in the same working tree (chunk names change with every build).
 */
function dagcBin(): string {
  if (!snapshot) {
    snapshot = mkdtempSync(path.join(tmpdir(), 'dagc-mdiff-dagc-'));
    for (const part of ['bin', 'dist', 'python', 'schemas', 'templates', 'package.json'])
      if (existsSync(path.join(ROOT, part))) cpSync(path.join(ROOT, part), path.join(snapshot, part), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(snapshot, 'node_modules'));
  }
  return path.join(snapshot, 'bin', 'dagc.js');
}

function runCli(args: string[], opts: { cwd: string; env: Record<string, string | undefined> }) {
  return spawnIn(process.execPath, [dagcBin(), ...args], opts.cwd, { NO_COLOR: '1', ...opts.env });
}

export async function runDagc(venv: MagnusVenv, c: DiffCase): Promise<{ dir: string; runs: RunOutcome[] }> {
  const dir = caseDir(c, `d${venv.version}`);
  const config = writeConfig(dir, venv.version);
  const runs: RunOutcome[] = [];
  for (const run of c.runs) {
    run.before?.(dir);
    const args = ['run', c.pipeline, '-c', config, '--run-id', run.runId, '--magnus', venv.version, ...(run.step ? ['--step', run.step] : [])];
    if (existsSync(path.join(dir, 'parameters.yaml'))) args.push('-p', 'parameters.yaml');
    const env = cleanEnv({ ...run.env, DAGC_PYTHON: venv.python });
    const result = await runCli([...args, ...(run.args ?? [])], { cwd: dir, env });
    const shown = await runCli(['runs', 'show', run.runId, '--json', '-c', config], { cwd: dir, env });
    runs.push({
      exit: result.status,
      log: shown.status === 0 ? parseJson(shown.stdout) : null,
      lastError: lastLine(result.stderr),
    });
  }
  return { dir, runs };
}
