// `dagc validate` on a 10,000-step pipeline (a chain with a parallel, a map and a dag step every 1,000
// steps), against `node -e 0` measured in the same run: the front end's work beyond Node's own start.
// Run it with `node bench/validate.mjs` after `node scripts/build.mjs` (or through `npm run bench`).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;
const STEPS = 10_000;
const RUNS = 10;

const terminals = (indent) =>
  `${indent}success:\n${indent}  type: success\n${indent}fail:\n${indent}  type: fail\n`;
const subGraph = (indent) =>
  `${indent}start_at: inner\n${indent}steps:\n${indent}  inner:\n${indent}    type: task\n${indent}    command_type: shell\n` +
  `${indent}    command: echo inner\n${indent}    next: success\n${terminals(`${indent}  `)}`;

function step(i, next) {
  const head = `    s${i}:\n`;
  switch (i % 1000) {
    case 250:
      return `${head}      type: parallel\n      next: ${next}\n      branches:\n        a:\n${subGraph('          ')}        b:\n${subGraph('          ')}`;
    case 500:
      return `${head}      type: map\n      iterate_on: items\n      iterate_as: item\n      next: ${next}\n      branch:\n${subGraph('        ')}`;
    case 750:
      return `${head}      type: dag\n      dag_definition: sub.yaml\n      next: ${next}\n`;
    default:
      return i % 2
        ? `${head}      type: stub\n      next: ${next}\n`
        : `${head}      type: task\n      command: pipeline.step_${i}\n      retry: 2\n      catalog:\n        put: [out-${i}.csv]\n      next: ${next}\n`;
  }
}

function pipeline() {
  let text = `dag:\n  description: ${STEPS} steps\n  start_at: s0\n  steps:\n`;
  for (let i = 0; i < STEPS; i++) text += step(i, i === STEPS - 1 ? 'success' : `s${i + 1}`);
  return text + terminals('    ');
}

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-validate-'));
try {
  writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline());
  writeFileSync(path.join(dir, 'sub.yaml'), `dag:\n${subGraph('  ')}`);
  writeFileSync(
    path.join(dir, 'small.yaml'),
    `dag:\n  start_at: a\n  steps:\n    a:\n      type: stub\n      next: success\n${terminals('    ')}`,
  );
  // One untimed run first, so the compile cache and the file system are warm for every measured one.
  timeCommand([node, bin, 'validate', 'pipeline.yaml'], { cwd: dir, runs: 1 });
  const baseline = timeCommand([node, '-e', '0'], { cwd: dir, runs: RUNS });
  const small = timeCommand([node, bin, 'validate', 'small.yaml'], { cwd: dir, runs: RUNS });
  const big = timeCommand([node, bin, 'validate', 'pipeline.yaml'], { cwd: dir, runs: RUNS });
  const rows = [
    ['node -e 0', baseline.median, '1.00×', '—'],
    [
      'dagc validate (3 steps)',
      small.median,
      ratio(small.median, baseline.median),
      fmt(small.median - baseline.median),
    ],
    [
      `dagc validate (${STEPS} steps)`,
      big.median,
      ratio(big.median, baseline.median),
      fmt(big.median - baseline.median),
    ],
  ];
  console.log(`median of ${RUNS} runs each:`);
  for (const [name, ms, r, beyond] of rows)
    console.log(
      `  ${name.padEnd(28)} ${fmt(ms).padStart(10)}  ${r.padStart(6)}  beyond node start: ${beyond}`,
    );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
