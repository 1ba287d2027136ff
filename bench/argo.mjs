// Argo target at scale: compile time and manifest size for 500, 2,000 and 10,000 steps in nested composites
// (fixtures/argo/large-pipeline.mjs). magnus 0.5 took 4.3 s for 500 steps and crashed at 1,000 (issue 5).
// `dagc compile` writes the YAML; `dagc check` builds the same manifest in memory and reports its JSON size,
// also when a limit is exceeded (10,000 steps is over 1 MiB, so compile refuses it).
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';
import { largePipeline } from '../fixtures/argo/large-pipeline.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;

const SHAPES = [
  { sections: 2, branches: 5, perBranch: 50 },
  { sections: 8, branches: 5, perBranch: 50 },
  { sections: 20, branches: 10, perBranch: 50 },
];

export function benchArgo() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-argo-'));
  const baseline = timeCommand([node, '-e', '0'], { cwd: dir, runs: 11 }).median;
  const lines = [`node -e 0 (baseline)  ${fmt(baseline)}`];
  for (const shape of SHAPES) {
    const { yaml, steps } = largePipeline(shape);
    const file = `p${steps}.yaml`;
    writeFileSync(path.join(dir, file), yaml);
    const check = timeCommand([node, bin, 'check', file, '--target', 'argo'], { cwd: dir, runs: 3 });
    const report = spawnSync(node, [bin, 'check', file, '--target', 'argo'], { cwd: dir, encoding: 'utf8' });
    const json = /manifest size\s+([\d,]+) bytes/.exec(report.stdout)?.[1] ?? '?';
    const out = path.join(dir, `p${steps}.argo.yaml`);
    const probe = spawnSync(node, [bin, 'compile', file, '--target', 'argo', '-o', out], { cwd: dir, encoding: 'utf8' });
    let compile = 'refused (over a limit: see dagc check)';
    if (probe.status === 0) {
      const t = timeCommand([node, bin, 'compile', file, '--target', 'argo', '-o', out], { cwd: dir, runs: 3 }).median;
      compile = `${fmt(t)} = ${ratio(t, baseline)} baseline, YAML ${statSync(out).size.toLocaleString('en-US')} bytes`;
    } else {
      const codes = [...new Set(probe.stderr.match(/DAGC-ARGO-[A-Z-]+/g) ?? [])].filter((c) => c !== 'DAGC-ARGO-PREVIEW');
      compile = `refused: ${codes.join(', ')}`;
    }
    lines.push(`${String(steps).padStart(6)} steps  check ${fmt(check.median)} (JSON ${json} bytes)  compile ${compile}`);
  }
  return lines.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchArgo());
