// Per-step overhead of the runtime (issue: `dagc run` on a 200-step chain, and `dagc exec` as a separate
// process), as ratios to `node -e 0` measured in the same run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;

function chain(n, kind) {
  const steps = [];
  for (let i = 0; i < n; i++) {
    const next = i === n - 1 ? 'success' : `s${i + 1}`;
    steps.push(
      kind === 'stub'
        ? `    s${i}:\n      type: stub\n      next: ${next}`
        : `    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${next}`,
    );
  }
  return `dag:\n  start_at: s0\n  steps:\n${steps.join('\n')}\n    success:\n      type: success\n    fail:\n      type: fail\n`;
}

export function benchRuntime() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-'));
  for (const [name, n, kind] of [['one-stub', 1, 'stub'], ['chain-stub', 200, 'stub'], ['one-shell', 1, 'shell'], ['chain-shell', 200, 'shell']])
    writeFileSync(path.join(dir, `${name}.yaml`), chain(n, kind));

  const baseline = timeCommand([node, '-e', '0'], { cwd: dir, runs: 11 });
  const shSpawn = timeCommand(['sh', '-c', 'true'], { cwd: dir, runs: 11 });
  let id = 0;
  const run = (file) => timeCommand([node, bin, 'run', file, '--run-id', `b${id++}`], { cwd: dir, runs: 1 });
  // Each timed run needs a fresh run id, so runs are timed one by one.
  const runMany = (file, runs = 5) => {
    const samples = [];
    for (let i = 0; i < runs; i++) samples.push(run(file).samples[0]);
    samples.sort((a, b) => a - b);
    return samples[Math.floor(samples.length / 2)];
  };
  const oneStub = runMany('one-stub.yaml');
  const chainStub = runMany('chain-stub.yaml', 3);
  const oneShell = runMany('one-shell.yaml');
  const chainShell = runMany('chain-shell.yaml', 3);
  const perStubStep = (chainStub - oneStub) / 199;
  const perShellStep = (chainShell - oneShell) / 199;

  // dagc exec as its own process, the way rendered targets call it (one process per node).
  timeCommand([node, bin, 'run', 'one-shell.yaml', '--run-id', 'exec-bench'], { cwd: dir, runs: 1 });
  const exec = timeCommand([node, bin, 'exec', 'exec-bench', 's0', '-f', 'one-shell.yaml', '--attempt', '1'], { cwd: dir, runs: 11 });

  const b = baseline.median;
  return [
    `node -e 0 (baseline)                         ${fmt(b)}`,
    `sh -c true                                    ${fmt(shSpawn.median)}`,
    `dagc run, 1 stub step                         ${fmt(oneStub)}  = ${ratio(oneStub, b)} baseline`,
    `dagc run, per step of a 200-stub chain        ${fmt(perStubStep)}  = ${ratio(perStubStep, b)} baseline`,
    `dagc run, per step of a 200-shell-task chain  ${fmt(perShellStep)}  = ${ratio(perShellStep, b)} baseline`,
    `dagc exec (one shell task, own process)       ${fmt(exec.median)}  = ${ratio(exec.median, b)} baseline`,
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchRuntime());
