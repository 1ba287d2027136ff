// Small timing helpers for the benches: wall-clock medians of real processes, reported as ratios to a
// baseline measured in the same run (never absolute thresholds: machines differ).
import { spawnSync } from 'node:child_process';

export function timeCommand(argv, { cwd, runs = 7, env } = {}) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
    samples.push(ms);
  }
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], min: samples[0], samples };
}

export const fmt = (ms) => `${ms.toFixed(1)} ms`;

/**
 * NODE_EXTRA_CA_CERTS makes every node process read and parse that file of certificates before it runs any
 * JavaScript: with a system bundle (~150 certificates), more than half of a bare `node -e 0`. Where it is set,
 * the benches also time the headline figures without it (this env, to merge into a command's), so that a
 * ratio is not flattered by a baseline the machine's settings made slow.
 */
export const EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS || undefined;
export const WITHOUT_EXTRA_CA_CERTS = { NODE_EXTRA_CA_CERTS: undefined };
export const ratio = (a, b) => `${(a / b).toFixed(2)}×`;

/**
 * Several commands timed in turn, round after round (A B C A B C …), so that a change of the machine's load
 * during the bench falls on all of them alike: a ratio of two figures from one call compares like with like.
 * `commands`: { name: { argv, env? } }; returns { name: { median, min, samples } }.
 */
export function timeInterleaved(commands, { cwd, runs = 15 } = {}) {
  const samples = Object.fromEntries(Object.keys(commands).map((name) => [name, []]));
  for (let i = 0; i < runs; i++)
    for (const [name, { argv, env }] of Object.entries(commands)) {
      const start = process.hrtime.bigint();
      const r = spawnSync(argv[0], argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (r.status !== 0 && r.status !== 1) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
      samples[name].push(ms);
    }
  return Object.fromEntries(
    Object.entries(samples).map(([name, list]) => {
      list.sort((a, b) => a - b);
      return [name, { median: list[Math.floor(list.length / 2)], min: list[0], samples: list }];
    }),
  );
}
