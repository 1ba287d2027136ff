// The asl target at scale: definition size, states per pipeline step and compile time for pipelines of 500,
// 2,000 and 10,000 steps, in two shapes (a chain of tasks, and a mix with a parallel and a map every ten
// steps). The baseline is `dagc compile --target bash` of the same pipeline in the same run.
// Step Functions takes at most 1,048,576 characters; a definition over it is still measured (`dagc check`
// prints its size) and its compile reports DAGC-ASL-TOO-LARGE (exit 2), which is timed all the same.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio } from './lib.mjs';

const BIN = fileURLToPath(new URL('../bin/dagc.js', import.meta.url));
const CONFIG = fileURLToPath(new URL('../fixtures/asl/config.yaml', import.meta.url));

const task = (name, next, indent = '    ') =>
  `${indent}${name}:\n${indent}  type: task\n${indent}  command_type: shell\n${indent}  command: echo ${name}\n${indent}  next: ${next}\n`;

/** A chain of n tasks; with `mixed`, every tenth step is a parallel of two 2-task branches or a map of one task. */
function pipelineYaml(n, mixed) {
  const steps = [];
  for (let i = 0; i < n; i++) {
    const name = `s${i}`;
    const next = i === n - 1 ? 'success' : `s${i + 1}`;
    if (mixed && i % 20 === 10) {
      const branch = (b) =>
        `        ${b}:\n          start_at: a\n          steps:\n${task('a', 'b', '            ')}${task('b', 'success', '            ')}            success:\n              type: success\n            fail:\n              type: fail\n`;
      steps.push(`    ${name}:\n      type: parallel\n      next: ${next}\n      branches:\n${branch('left')}${branch('right')}`);
    } else if (mixed && i % 20 === 0 && i > 0) {
      steps.push(
        `    ${name}:\n      type: map\n      iterate_on: items\n      iterate_as: item\n      next: ${next}\n      branch:\n        start_at: work\n        steps:\n${task('work', 'success', '          ')}          success:\n            type: success\n          fail:\n            type: fail\n`,
      );
    } else steps.push(task(name, next));
  }
  return `dag:\n  start_at: s0\n  steps:\n${steps.join('')}    success:\n      type: success\n    fail:\n      type: fail\n`;
}

function timed(argv, cwd, runs) {
  const samples = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    last = spawnSync(process.execPath, [BIN, ...argv], { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (last.status !== 0 && last.status !== 1 && !last.stderr.includes('DAGC-ASL-TOO-LARGE'))
      throw new Error(`dagc ${argv.join(' ')} failed (${last.status}): ${last.stderr.slice(0, 2000)}`);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], result: last };
}

export function benchAsl({ sizes = [500, 2000, 10000] } = {}) {
  const rows = [];
  for (const mixed of [false, true]) {
    for (const n of sizes) {
      const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-asl-'));
      writeFileSync(path.join(dir, 'pipeline.yaml'), pipelineYaml(n, mixed));
      const runs = n >= 10000 ? 1 : 3;
      const check = timed(['check', 'pipeline.yaml', '--target', 'asl', '-c', CONFIG], dir, 1).result.stdout;
      const size = /definition\s+([\d,]+) bytes as written \(([\d,]+) minified\)/.exec(check);
      const states = /states\s+([\d,]+) .* for ([\d,]+) pipeline nodes: ([\d.]+) states per node/.exec(check);
      const asl = timed(['compile', 'pipeline.yaml', '--target', 'asl', '-c', CONFIG, '-o', 'p.asl.json'], dir, runs);
      const bash = timed(['compile', 'pipeline.yaml', '--target', 'bash', '-o', 'p.sh'], dir, runs);
      const written = Number(size[1].replace(/,/g, ''));
      rows.push(
        `${mixed ? 'mixed' : 'chain'} ${String(n).padStart(6)} steps: ${size[1].padStart(11)} bytes as written (${size[2]} minified)` +
          `${written > 1_048_576 ? ' OVER 1 MB' : ''}, ${states[1]} states for ${states[2]} nodes (${states[3]}/node); ` +
          `compile ${fmt(asl.median)} (${ratio(asl.median, bash.median)} bash's ${fmt(bash.median)})`,
      );
    }
  }
  return rows.join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(benchAsl());
