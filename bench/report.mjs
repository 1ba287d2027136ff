// The cost of the commands issue 18 added or changed, as ratios to `node -e 0` measured in the same run: `dagc
// graph --format dot` (no Graphviz) against `--format svg` (loads Graphviz in WebAssembly, lazily), `dagc report`
// of a run of the quickstart (run log, outputs, two drawings), `runs show --logs`, and `compile --target argo`
// (prettier's standalone json/yaml printers, now bundled instead of loaded from node_modules).
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';

const BIN = fileURLToPath(new URL('../bin/dagc.js', import.meta.url));
const QUICKSTART = fileURLToPath(new URL('../examples/quickstart', import.meta.url));

export function benchReport(runs = 7) {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-bench-report-')), 'quickstart');
  cpSync(QUICKSTART, dir, { recursive: true, filter: (s) => !/[\\/](\.run_log_store|\.catalog|data)$/.test(s) });
  const first = spawnSync(process.execPath, [BIN, 'run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'bench'], { cwd: dir });
  if (first.status !== 0) throw new Error(`the quickstart run failed: ${first.stderr}`);
  const t = (argv) => timeCommand(argv, { cwd: dir, runs }).median;
  const base = t([process.execPath, '-e', '0']);
  const rows = [
    ['node -e 0', base],
    ['dagc graph --format dot', t([process.execPath, BIN, 'graph', 'pipeline.yaml', '--format', 'dot'])],
    ['dagc graph --format svg', t([process.execPath, BIN, 'graph', 'pipeline.yaml', '--format', 'svg'])],
    ['dagc graph --format svg --run bench', t([process.execPath, BIN, 'graph', 'pipeline.yaml', '--format', 'svg', '--run', 'bench'])],
    ['dagc report bench', t([process.execPath, BIN, 'report', 'bench', '-o', 'r.html'])],
    ['dagc runs show bench --logs', t([process.execPath, BIN, 'runs', 'show', 'bench', '--logs'])],
    ['dagc compile --target argo', t([process.execPath, BIN, 'compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml'])],
  ];
  return rows.map(([name, ms]) => `${name.padEnd(38)} ${fmt(ms).padStart(10)}  ${ratio(ms, base)}`).join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(benchReport());
