// What isolated workspaces cost per step (DESIGN.md §3 invariant 1): `dagc run` on a chain of shell tasks with
// each step in a fresh workspace, against the same chain with executor.config.shared_workspace (magnus's one
// folder), in a small project (the pipeline and a few files, like the quickstart) and in one with 200 source
// files. Reported as the extra time per step, as a ratio to `node -e 0` measured in the same run (target: at
// most 0.05 × a node start more than without). Runs alternate isolated/shared so machine load hits both alike.
// On a loaded machine wall-clock differences drown in noise, so the same runs are also measured in CPU time
// (user + system of dagc and its steps, as bash's `times` counts its children), against the CPU time of
// `node -e 0` counted the same way; and the workspace alone (open, check for writes through, remove) in this
// process, against the CPU time a `node -e 0` process counts for itself.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, timeCommand } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;
const STEPS = 100;

function chain(n) {
  const steps = [];
  for (let i = 0; i < n; i++)
    steps.push(`    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${i === n - 1 ? 'success' : `s${i + 1}`}`);
  return `dag:\n  start_at: s0\n  steps:\n${steps.join('\n')}\n    success:\n      type: success\n    fail:\n      type: fail\n`;
}

function project(files) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-iso-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), chain(STEPS));
  writeFileSync(path.join(dir, 'shared.yaml'), 'executor:\n  type: local\n  config:\n    shared_workspace: true\n');
  for (let i = 0; i < files; i++) {
    const sub = path.join(dir, 'src', `m${i % 10}`);
    mkdirSync(sub, { recursive: true });
    writeFileSync(path.join(sub, `f${i}.py`), `# module ${i}\n${'x = 1\n'.repeat(40)}`);
  }
  return dir;
}

/** CPU time (ms) of a `node -e 0`-like process, as the process itself counts it at exit. */
function nodeStartCpu() {
  const samples = [];
  for (let i = 0; i < 11; i++) {
    const { user, system } = JSON.parse(execFileSync(node, ['-e', 'process.stdout.write(JSON.stringify(process.cpuUsage()))'], { encoding: 'utf8' }));
    samples.push((user + system) / 1000);
  }
  return samples.sort((a, b) => a - b)[5];
}

/** CPU time (ms) of one workspace (open, check, remove), median of many, in this process. */
async function workspaceCpu(projectDir) {
  const { build } = await import('esbuild');
  const out = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-bench-ws-')), 'workspace.mjs');
  await build({ entryPoints: [path.join(root, 'src', 'runtime', 'workspace.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'warning' });
  const { openWorkspace } = await import(out);
  const opts = { project: projectDir, leaveOut: ['.run_log_store', '.catalog'], dataFolders: ['data'], withProject: true };
  await (await openWorkspace(opts)).dispose(); // the first one reads the project (once per process)
  const samples = [];
  for (let i = 0; i < 41; i++) {
    const before = process.cpuUsage();
    const ws = await openWorkspace(opts);
    await ws.changedProjectFiles();
    await ws.dispose();
    const { user, system } = process.cpuUsage(before);
    samples.push((user + system) / 1000);
  }
  return samples.sort((a, b) => a - b)[20];
}

export async function benchIsolationCpu() {
  const start = nodeStartCpu();
  const lines = [`node -e 0, CPU time                                    ${fmt(start)}`];
  for (const [label, files] of [['small project (quickstart-sized)', 3], ['project with 200 source files', 200]]) {
    const cpu = await workspaceCpu(project(files));
    lines.push(`${label.padEnd(34)} workspace CPU ${fmt(cpu).padStart(9)} = ${(cpu / start).toFixed(3)}× a node start`);
  }
  return lines.join('\n');
}

/** CPU time (ms, user + system) of a command and its children, as bash's `times` reports them. */
function childCpu(argv, cwd) {
  const r = spawnSync('bash', ['-c', '"$@" >/dev/null 2>&1 || exit 97; times', 'bash', ...argv], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status})`);
  const children = r.stdout.trim().split('\n')[1] ?? '';
  const seconds = [...children.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return 1000 * seconds.reduce((a, b) => a + b, 0);
}

export function benchIsolation() {
  const baseline = timeCommand([node, '-e', '0'], { runs: 11 }).median;
  const baselineCpu = Array.from({ length: 11 }, () => childCpu([node, '-e', '0'])).sort((a, b) => a - b)[5];
  const lines = [`node -e 0 (baseline)                                   ${fmt(baseline)}, CPU ${fmt(baselineCpu)}`];
  for (const [label, files] of [['small project (quickstart-sized)', 3], ['project with 200 source files', 200]]) {
    const dir = project(files);
    let id = 0;
    const once = (extra) => timeCommand([node, bin, 'run', 'pipeline.yaml', ...extra, '--run-id', `r${id++}`], { cwd: dir, runs: 1 }).samples[0];
    const isolated = [];
    const shared = [];
    const isolatedCpu = [];
    const sharedCpu = [];
    const cpuOnce = (extra) => childCpu([node, bin, 'run', 'pipeline.yaml', ...extra, '--run-id', `r${id++}`], dir);
    for (let i = 0; i < 7; i++) {
      isolated.push(once([]));
      shared.push(once(['-c', 'shared.yaml']));
      isolatedCpu.push(cpuOnce([]));
      sharedCpu.push(cpuOnce(['-c', 'shared.yaml']));
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const perStep = (median(isolated) - median(shared)) / STEPS;
    // The fastest run of each kind is the one the machine's load disturbed least.
    const perStepBest = (Math.min(...isolated) - Math.min(...shared)) / STEPS;
    const perStepCpu = (median(isolatedCpu) - median(sharedCpu)) / STEPS;
    lines.push(
      `${label.padEnd(34)} isolation per step ${fmt(perStep).padStart(9)} = ${(perStep / baseline).toFixed(3)}× a node start` +
        ` (run of ${STEPS} steps: ${fmt(median(isolated))} isolated, ${fmt(median(shared))} shared)`,
      `${''.padEnd(34)} fastest runs      ${fmt(perStepBest).padStart(9)} = ${(perStepBest / baseline).toFixed(3)}× a node start` +
        ` (${fmt(Math.min(...isolated))} isolated, ${fmt(Math.min(...shared))} shared)`,
      `${''.padEnd(34)} in CPU time       ${fmt(perStepCpu).padStart(9)} = ${(perStepCpu / baselineCpu).toFixed(3)}× a node start's CPU` +
        ` (run of ${STEPS} steps: ${fmt(median(isolatedCpu))} isolated, ${fmt(median(sharedCpu))} shared)`,
    );
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(benchIsolation());
  console.log(await benchIsolationCpu());
}
