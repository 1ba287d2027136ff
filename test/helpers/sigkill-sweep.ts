// The SIGKILL sweep of issue 19: a run is killed with SIGKILL (no handler runs: a lost machine, an OOM kill) at
// kill points spread over its life, then closed (`dagc runs close`) or re-run directly from the PROCESSING
// record, and `--use-cached` must resume it to SUCCESS with nothing left PROCESSING. A kill point is "right
// after the k-th change the file system reports in the run log store" (fs.watch, recursive): k runs from the
// first write of the run record to the last write of a complete run, so the kills land before the first task,
// inside tasks (they sleep), between the record writes of one step, inside a fan-out and a fan-in. Oracles: the
// run log as `dagc runs show --json` prints it, the exit codes, and the steps' own record that the final step
// ran (each leaf appends to a file outside the project).
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { FSWatcher } from 'node:fs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCli } from './cli.js';
import type { CliResult } from './cli.js';
import { BIN } from './paths.js';

export type SweepMode = 'chunked-fs' | 'file-system' | 'bash';

// A stub, a task, a parallel of three two-step branches, a map over three items, a catalog put and get, and a
// last task: every kind of record write. Tasks sleep a little so that some kills land inside them.
export const SWEEP_PIPELINE = `dag:
  start_at: stub
  steps:
    stub:
      type: stub
      next: first
    first:
      type: task
      command_type: shell
      command: sleep 0.1; echo first >> "$COUNT_FILE"; echo "items=[1, 2, 3]" >> "$DAGC_OUTPUT"
      next: p
    p:
      type: parallel
      branches:
${['a', 'b', 'c']
  .map(
    (b) => `        ${b}:
          start_at: one
          steps:
            one:
              type: task
              command_type: shell
              command: sleep 0.05; echo p.${b}.one >> "$COUNT_FILE"
              next: two
            two:
              type: task
              command_type: shell
              command: echo p.${b}.two >> "$COUNT_FILE"
              next: success
            success: {type: success}
            fail: {type: fail}
`,
  )
  .join('')}      next: m
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
            command: sleep 0.05; echo "m.$DAGC_PRM_item" >> "$COUNT_FILE"
            next: success
          success: {type: success}
          fail: {type: fail}
      next: put
    put:
      type: task
      command_type: shell
      command: mkdir -p data && echo made > data/out.txt && echo put >> "$COUNT_FILE"
      catalog:
        put: [out.txt]
      next: last
    last:
      type: task
      command_type: shell
      command: grep -q made data/out.txt && echo last >> "$COUNT_FILE"
      catalog:
        get: [out.txt]
      next: success
    success: {type: success}
    fail: {type: fail}
`;

export interface Project {
  readonly dir: string;
  readonly mode: SweepMode;
  readonly config: string;
}

export async function makeProject(mode: SweepMode): Promise<Project> {
  const dir = mkdtempSync(path.join(tmpdir(), `dagc-sweep-${mode}-`));
  writeFileSync(path.join(dir, 'pipeline.yaml'), SWEEP_PIPELINE);
  const store = mode === 'file-system' ? 'file-system' : 'chunked-fs';
  writeFileSync(path.join(dir, 'config.yaml'), `run_log_store: {type: ${store}}\n`);
  mkdirSync(path.join(dir, '.run_log_store'), { recursive: true });
  if (mode === 'bash') {
    const compiled = await runCli(['compile', 'pipeline.yaml', '-c', 'config.yaml', '--target', 'bash', '-o', 'pipeline.sh'], { cwd: dir });
    if (compiled.status !== 0) throw new Error(compiled.stderr);
  }
  return { dir, mode, config: 'config.yaml' };
}

function start(project: Project, runId: string, env: Record<string, string>, useCached?: string): ChildProcess {
  const full = { ...process.env, NO_COLOR: '1', DAGC_BIN: `${process.execPath} ${BIN}`, ...env, ...(useCached && project.mode === 'bash' ? { DAGC_USE_CACHED: useCached } : {}) };
  const [file, args] =
    project.mode === 'bash'
      ? ['bash', ['pipeline.sh', runId]]
      : [process.execPath, [BIN, 'run', 'pipeline.yaml', '-c', project.config, '--run-id', runId, ...(useCached ? ['--use-cached', useCached] : [])]];
  // Its own process group: the kill takes dagc (and under bash the script and its current dagc call) at once.
  return spawn(file, args, { cwd: project.dir, env: full, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
}

/**
 * Calls `onChange` for every change under `root`, its folders as they appear included: one inotify watch per
 * folder. Node 20's `watch(root, {recursive: true})` on Linux lists a new folder when it appears, and throws
 * uncaught (ENOENT, out of its own event handler) when the folder is gone by then: the run log store's
 * `.creating-*` folder, renamed into place at once, did so in CI (stop 24's run).
 */
function watchTree(root: string, onChange: () => void): { close(): void } {
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    let watcher: FSWatcher;
    try {
      watcher = watch(dir, (_event, name) => {
        onChange();
        if (!name) return;
        const child = path.join(dir, String(name));
        try {
          if (statSync(child, { throwIfNoEntry: false })?.isDirectory()) add(child);
        } catch {
          /* replaced or gone in between */
        }
      });
    } catch {
      return; // gone already
    }
    watcher.on('error', () => watcher.close());
    watchers.set(dir, watcher);
    let entries: string[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    } catch {
      /* gone already */
    }
    for (const entry of entries) add(path.join(dir, entry));
  };
  if (!statSync(root).isDirectory()) throw new Error(`${root} is not a folder`);
  add(root);
  return {
    close() {
      for (const watcher of watchers.values()) watcher.close();
    },
  };
}

/**
 * Runs once to the end, killing it with SIGKILL right after the `killAt`-th file-system change in the run log
 * store (never, when undefined); resolves to how many changes were seen and whether the kill happened.
 */
export async function runUntil(
  project: Project,
  runId: string,
  env: Record<string, string>,
  killAt?: number,
  useCached?: string,
): Promise<{ changes: number; killed: boolean; code: number | null; stderr: string }> {
  let changes = 0;
  let killed = false;
  const child = start(project, runId, env, useCached);
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)));
  const watcher = watchTree(path.join(project.dir, '.run_log_store'), () => {
    changes++;
    if (killAt !== undefined && changes === killAt && child.exitCode === null && child.signalCode === null) {
      killed = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  watcher.close();
  return { changes, killed, code, stderr };
}

interface Shown {
  status: string;
  steps: Record<string, { status: string; branches?: Record<string, { status: string; steps: Shown['steps'] }> }>;
}

export function processing(log: Shown): string[] {
  const out: string[] = [];
  const walk = (steps: Shown['steps']) => {
    for (const [name, s] of Object.entries(steps)) {
      if (s.status === 'PROCESSING') out.push(name);
      for (const [bn, b] of Object.entries(s.branches ?? {})) {
        if (b.status === 'PROCESSING') out.push(bn);
        walk(b.steps);
      }
    }
  };
  walk(log.steps);
  return out;
}

export async function show(project: Project, runId: string): Promise<Shown | undefined> {
  for (let tries = 0; ; tries++) {
    const shown = await runCli(['runs', 'show', runId, '--json', '-c', project.config], { cwd: project.dir });
    if (shown.status === 0) return JSON.parse(shown.stdout) as Shown;
    // The shared tree's dist/ being rebuilt by another test run (a chunk missing for a moment) is not an answer.
    if (tries < 3 && /Cannot find module|ERR_MODULE_NOT_FOUND/.test(shown.stderr)) {
      await new Promise((r) => setTimeout(r, 2000));
      continue;
    }
    return undefined;
  }
}

export interface PointResult {
  readonly killAt: number;
  readonly ok: boolean;
  readonly why: string;
}

/**
 * One kill point: kill, then (when `close`) `dagc runs close`, then the re-run with --use-cached; ok when the
 * re-run ends SUCCESS with nothing PROCESSING, the killed run is closed (when asked) and the last step ran.
 */
export async function killAndResume(project: Project, killAt: number, close: boolean): Promise<PointResult> {
  const outside = mkdtempSync(path.join(tmpdir(), 'dagc-sweep-count-'));
  const countFile = path.join(outside, 'count');
  const env = { COUNT_FILE: countFile };
  const killedId = `killed-${killAt}`;
  const resumedId = `resumed-${killAt}`;
  const fail = (why: string): PointResult => ({ killAt, ok: false, why });
  await runUntil(project, killedId, env, killAt);
  const before = await show(project, killedId);
  if (!before) {
    // Killed before the run record was whole: there is nothing to resume from; the id must start afresh.
    const fresh = await runUntil(project, killedId, env);
    const log = await show(project, killedId);
    if (fresh.code !== 0 || log?.status !== 'SUCCESS') return fail(`a fresh run with the id exit ${fresh.code}: ${fresh.stderr.slice(-600)}`);
    return { killAt, ok: true, why: 'killed before the run record existed; the id started afresh' };
  }
  if (close) {
    const closed: CliResult = await runCli(['runs', 'close', killedId, '--reason', 'sigkill sweep', '-c', project.config], { cwd: project.dir });
    if (closed.status !== 0) return fail(`runs close exit ${closed.status}: ${closed.stderr}`);
    const after = await show(project, killedId);
    if (!after) return fail('runs show failed after runs close');
    if (after.status === 'PROCESSING' || processing(after).length) return fail(`still PROCESSING after runs close: ${processing(after).join(', ')}`);
  }
  const again = await runUntil(project, resumedId, env, undefined, killedId);
  const resumed = await show(project, resumedId);
  if (!resumed) return fail(`the re-run (exit ${again.code}) left no run log`);
  if (resumed.status !== 'SUCCESS') return fail(`re-run ${resumed.status}: ${again.stderr.slice(-600)}`);
  if (processing(resumed).length) return fail(`re-run left PROCESSING: ${processing(resumed).join(', ')}`);
  const counted = existsSync(countFile) ? readFileSync(countFile, 'utf8').trim().split('\n') : [];
  // At least once: a kill after a step's work but before its record makes the re-run execute it again.
  if (!counted.includes('last')) return fail('the last step never ran');
  return { killAt, ok: true, why: `killed ${before.status}` };
}

/** `points` kill points spread evenly over a complete run's changes (measured by one run first). */
export async function sweep(mode: SweepMode, points: number, log: (line: string) => void = () => {}): Promise<PointResult[]> {
  const project = await makeProject(mode);
  const outside = mkdtempSync(path.join(tmpdir(), 'dagc-sweep-count-'));
  const full = await runUntil(project, 'calibrate', { COUNT_FILE: path.join(outside, 'count') });
  if (full.code !== 0) throw new Error(`the calibration run exited ${full.code}: ${full.stderr}`);
  const results: PointResult[] = [];
  for (let i = 0; i < points; i++) {
    // Evenly inside the run: the first a few writes in (the record made, the first task not yet ended), the
    // last a few writes before its end.
    const killAt = Math.max(1, Math.round(((i + 1) * full.changes) / (points + 1)));
    const result = await killAndResume(project, killAt, i % 2 === 0);
    log(`${mode} kill after change ${killAt}/${full.changes}: ${result.ok ? 'resumed' : 'FAILED'} (${result.why})`);
    results.push(result);
  }
  return results;
}
