// Issue 16, runtime part, as ratios to `node -e 0` measured in the same run:
// - `dagc exec` of a shell step beyond the step's own process ((exec − sh -c true) / node), with the run's built
//   pipeline, without the entry's V8 code cache (DAGC_NO_CODE_CACHE=1) and without the built pipeline
//   (DAGC_NO_BUILT=1: the files loaded, as every step did before), in wall time (medians, and the fastest runs)
//   and in CPU time;
// - a rendered bash script's cost per step ((chain of 40 − chain of 1) / 39 / node, node -e 0 timed between the scripts);
// Commands whose figures are compared take turns, round after round (lib.mjs timeInterleaved).
// - a map of DAGC_BENCH_MAP_ITEMS items (default 100,000, stub leaf) under `dagc run`: run log size (bytes of
//   its files, and the disk they take), peak memory (ratio to node -e 0's), and `runs show --json` streaming it.
// The load average is printed: on a shared machine the wall-clock ratios move with it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXTRA_CA_CERTS, WITHOUT_EXTRA_CA_CERTS, fmt, ratio, timeInterleaved } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;
const TIME = '/usr/bin/time';

function chain(n) {
  const steps = [];
  for (let i = 0; i < n; i++)
    steps.push(`    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${i === n - 1 ? 'success' : `s${i + 1}`}`);
  return `dag:\n  start_at: s0\n  steps:\n${steps.join('\n')}\n    success:\n      type: success\n    fail:\n      type: fail\n`;
}

function stubMap() {
  return [
    'dag:',
    '  start_at: M',
    '  steps:',
    '    M:',
    '      type: map',
    '      iterate_on: items',
    '      iterate_as: item',
    '      branch:',
    '        start_at: leaf',
    '        steps:',
    '          leaf: {type: stub, next: success}',
    '          success: {type: success}',
    '          fail: {type: fail}',
    '      next: success',
    '    success: {type: success}',
    '    fail: {type: fail}',
    '',
  ].join('\n');
}

function must(r, what) {
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stderr}`);
  return r;
}

/** Peak resident memory (KB) and wall time (ms) of a command, through /usr/bin/time -f %M. */
function measured(argv, cwd, stdout = 'ignore') {
  const start = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-f', '%M', ...argv], { cwd, stdio: ['ignore', stdout, 'pipe'], encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  must(r, argv.join(' '));
  const kb = Number(r.stderr.trim().split('\n').pop());
  return { ms, kb };
}

function treeBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const st = statSync(path.join(dir, name));
    if (st.isFile()) total += st.size;
  }
  return total;
}

const mb = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`;

// CPU time (user + system, the command's children included) moves far less with the machine's load than wall
// time does. Node cannot read a child's rusage; Python's resource module can, so it is used where installed.
const CPU_SCRIPT = `
import json, os, resource, subprocess, sys
argv, runs, env = json.loads(sys.argv[1]), int(sys.argv[2]), {**os.environ, **json.loads(sys.argv[3])}
out = []
for _ in range(runs):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    out.append((r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime) * 1000)
print(sorted(out)[len(out) // 2])
`;

/** Median CPU milliseconds of a command, or undefined without python3. */
function cpuMedian(argv, cwd, env = {}, runs = 15) {
  const r = spawnSync('python3', ['-c', CPU_SCRIPT, JSON.stringify(argv), String(runs), JSON.stringify(env)], { cwd, encoding: 'utf8' });
  return r.status === 0 ? Number(r.stdout.trim()) : undefined;
}

export function benchRuntimeScale() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-scale-'));
  writeFileSync(path.join(dir, 'one.yaml'), chain(1));
  writeFileSync(path.join(dir, 'chain.yaml'), chain(40));
  const lines = [`load average ${loadavg().map((l) => l.toFixed(1)).join(' ')} (2-core machines shared by others make every wall-clock figure move)`];

  // Each figure is given twice: from the medians, and from the fastest runs (the runs the machine's load
  // disturbed least; on 2 shared cores the medians move with everyone else's work).
  // exec: the run exists (fan open made it and kept its built pipeline), the node is run again as attempt 1.
  // The baseline, the step's own process and the three ways of running exec take turns, round after round.
  must(spawnSync(node, [bin, 'fan', 'open', 'x', '-f', 'one.yaml'], { cwd: dir, encoding: 'utf8' }), 'fan open');
  const execArgs = [node, bin, 'exec', 'x', 's0', '-f', 'one.yaml', '--attempt', '1'];
  const timed = timeInterleaved(
    {
      baseline: { argv: [node, '-e', '0'] },
      sh: { argv: ['sh', '-c', 'true'] },
      exec: { argv: execArgs },
      noCache: { argv: execArgs, env: { DAGC_NO_CODE_CACHE: '1' } },
      loaded: { argv: execArgs, env: { DAGC_NO_BUILT: '1' } },
    },
    { cwd: dir, runs: 21 },
  );
  const { baseline, sh, exec, noCache, loaded } = timed;
  const b = baseline.median;
  const both = (ms, fastestMs, what) => `${fmt(ms)}  = ${ratio(ms, b)} baseline (fastest: ${ratio(fastestMs, baseline.min)})${what ? ` ${what}` : ''}`;
  lines.push(
    `node -e 0 (baseline)                                  ${fmt(b)} (fastest ${fmt(baseline.min)})`,
    `sh -c true (the step's own process)                   ${fmt(sh.median)}`,
  );

  // exec: the run exists (fan open made it and kept its built pipeline), the node is run again as attempt 1.
  lines.push(
    `dagc exec, shell step, beyond its process             ${both(exec.median - sh.median, exec.min - sh.min, '(target 1.3×)')}`,
    `  without the code cache (DAGC_NO_CODE_CACHE=1)       ${both(noCache.median - sh.median, noCache.min - sh.min)}`,
    `  files loaded instead (DAGC_NO_BUILT=1)              ${both(loaded.median - sh.median, loaded.min - sh.min)}`,
  );
  if (EXTRA_CA_CERTS) {
    const bare = timeInterleaved(
      { baseline: { argv: [node, '-e', '0'], env: WITHOUT_EXTRA_CA_CERTS }, sh: { argv: ['sh', '-c', 'true'] }, exec: { argv: execArgs, env: WITHOUT_EXTRA_CA_CERTS } },
      { cwd: dir, runs: 21 },
    );
    lines.push(
      `  without NODE_EXTRA_CA_CERTS (set here)                ${fmt(bare.exec.median - bare.sh.median)}  = ${ratio(bare.exec.median - bare.sh.median, bare.baseline.median)} node -e 0 without it, ${fmt(bare.baseline.median)} (fastest: ${ratio(bare.exec.min - bare.sh.min, bare.baseline.min)})`,
    );
  }
  const cpuNode = cpuMedian([node, '-e', '0'], dir);
  if (cpuNode !== undefined) {
    const cpuSh = cpuMedian(['sh', '-c', 'true'], dir) ?? 0;
    const cpuExec = cpuMedian(execArgs, dir);
    const cpuNoCache = cpuMedian(execArgs, dir, { DAGC_NO_CODE_CACHE: '1' });
    const cpuLoaded = cpuMedian(execArgs, dir, { DAGC_NO_BUILT: '1' });
    lines.push(
      `  in CPU time: node -e 0 ${fmt(cpuNode)}; exec beyond sh ${fmt(cpuExec - cpuSh)} = ${ratio(cpuExec - cpuSh, cpuNode)}, no code cache ${ratio(cpuNoCache - cpuSh, cpuNode)}, files loaded ${ratio(cpuLoaded - cpuSh, cpuNode)}`,
    );
  } else lines.push('  (python3 is not installed: no CPU-time figures)');

  // bash: per step of a rendered chain (each step one dagc exec), the difference of two lengths.
  for (const f of ['one', 'chain']) must(spawnSync(node, [bin, 'compile', `${f}.yaml`, '--target', 'bash', '-o', `${f}.sh`], { cwd: dir, encoding: 'utf8' }), 'compile');
  // The two scripts and node -e 0 take turns (9 rounds: on two shared cores five left the median moving by ±0.1 between runs): the per-step ratio is to the baseline of this phase.
  let id = 0;
  const runScript = (f, env) => {
    const start = process.hrtime.bigint();
    must(spawnSync('bash', [`${f}.sh`, `b${id++}`], { cwd: dir, encoding: 'utf8', env: { ...process.env, DAGC_BIN: `${node} ${bin}`, ...env } }), `bash ${f}.sh`);
    return Number(process.hrtime.bigint() - start) / 1e6;
  };
  const med = (list) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
  const low = (list) => Math.min(...list);
  /** Per step of the 40-step chain, and the node -e 0 of this phase (five between the scripts of each round). */
  const perStepOf = (env = {}) => {
    const ones = [];
    const longs = [];
    const bases = [];
    for (let round = 0; round < 9; round++) {
      ones.push(runScript('one', env));
      longs.push(runScript('chain', env));
      for (let i = 0; i < 5; i++) bases.push(timeInterleaved({ node: { argv: [node, '-e', '0'], env } }, { cwd: dir, runs: 1 }).node.median);
    }
    return { perStep: (med(longs) - med(ones)) / 39, phaseBase: med(bases), fastest: (low(longs) - low(ones)) / 39 / low(bases) };
  };
  const { perStep, phaseBase, fastest } = perStepOf();
  lines.push(
    `bash script, per step of a 40-step shell chain        ${fmt(perStep)}  = ${ratio(perStep, phaseBase)} baseline of this phase, ${fmt(phaseBase)} (fastest: ${fastest.toFixed(2)}×) (target 1.5×)`,
  );
  if (EXTRA_CA_CERTS) {
    const bare = perStepOf(WITHOUT_EXTRA_CA_CERTS);
    lines.push(
      `  without NODE_EXTRA_CA_CERTS (set here)              ${fmt(bare.perStep)}  = ${ratio(bare.perStep, bare.phaseBase)} node -e 0 without it, ${fmt(bare.phaseBase)} (fastest: ${bare.fastest.toFixed(2)}×)`,
    );
  }

  // A wide map under dagc run.
  if (!existsSync(TIME)) {
    lines.push(`map: ${TIME} is not installed, so peak memory cannot be measured; skipped`);
    return lines.join('\n');
  }
  const items = Number(process.env.DAGC_BENCH_MAP_ITEMS || 100_000);
  writeFileSync(path.join(dir, 'map.yaml'), stubMap());
  writeFileSync(path.join(dir, 'items.yaml'), `items: [${[...Array(items).keys()].join(', ')}]\n`);
  const nodeRss = measured([node, '-e', '0'], dir).kb;
  const run = measured([node, bin, 'run', 'map.yaml', '-p', 'items.yaml', '--run-id', 'wide'], dir);
  const runDir = path.join(dir, '.run_log_store', 'wide');
  const bytes = treeBytes(runDir);
  const du = spawnSync('du', ['-sk', runDir], { encoding: 'utf8' });
  const disk = du.status === 0 ? Number(du.stdout.split('\t')[0]) * 1024 : NaN;
  const show = measured([node, bin, 'runs', 'show', 'wide', '--json'], dir, 'ignore');
  lines.push(
    `map of ${items} stub items under dagc run              ${(run.ms / 1000).toFixed(1)} s = ${ratio(run.ms / items, b)} baseline per item`,
    `  run log: ${mb(bytes)} in its files (${(bytes / items).toFixed(0)} bytes per item), ${mb(disk)} of disk (4 KB blocks, 3 files per item)`,
    `  peak memory ${mb(run.kb * 1024)} = ${ratio(run.kb, nodeRss)} node -e 0's ${mb(nodeRss * 1024)}`,
    `  runs show --json (streamed): ${(show.ms / 1000).toFixed(1)} s, peak memory ${mb(show.kb * 1024)} = ${ratio(show.kb, nodeRss)} node -e 0's`,
  );
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchRuntimeScale());
