// `dagc validate` warns about a catalog get that no step able to run before it puts (ir/catalog-flow.ts).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';
import { mayOverlap } from './catalog-flow.js';

async function warnings(yaml: string): Promise<string[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-flow-'));
  writeFileSync(path.join(dir, 'p.yaml'), yaml);
  const ran = await runCli(['validate', 'p.yaml', '--json'], { cwd: dir });
  expect(ran.status, ran.stderr).toBe(0);
  const out = JSON.parse(ran.stdout) as { diagnostics: { code: string; message: string; pointer: string }[] };
  return out.diagnostics.filter((d) => d.code === 'DAGC-CATALOG-GET-NEVER-PUT').map((d) => d.pointer).sort();
}

const task = (name: string, next: string, catalog: string, extra = '') =>
  `    ${name}:\n      type: task\n      command_type: shell\n      command: "true"\n${catalog ? `      catalog: ${catalog}\n` : ''}${extra}      next: ${next}\n`;
const ends = '    success:\n      type: success\n    fail:\n      type: fail\n';

describe('catalog flow', () => {
  it('a get of what an earlier step puts is fine; one nothing earlier puts is reported at the get', async () => {
    const yaml = `dag:\n  start_at: a\n  steps:\n${task('a', 'b', '{put: [x.csv, "m-*.txt"]}')}${task('b', 'success', '{get: [x.csv, m-1.txt, y.csv, "*.json"]}')}${ends}`;
    expect(await warnings(yaml)).toEqual(['/dag/steps/b/catalog/get/2', '/dag/steps/b/catalog/get/3']);
  });

  it('a later step, or a step reached only after it, is not earlier; a failure route is', async () => {
    const yaml = `dag:\n  start_at: a\n  steps:\n${task('a', 'b', '{get: [late.csv]}', '      on_failure: rescue\n')}${task('b', 'success', '{put: [late.csv]}')}${task('rescue', 'after', '{put: [r.csv]}')}${task('after', 'success', '{get: [r.csv]}')}${ends}`;
    expect(await warnings(yaml)).toEqual(['/dag/steps/a/catalog/get/0']);
  });

  it('branches of one parallel run side by side; steps before the parallel and inside earlier composites count', async () => {
    const branch = (name: string, body: string) =>
      `        ${name}:\n          start_at: s\n          steps:\n${body.trimEnd().replace(/^/gm, '        ')}\n            success:\n              type: success\n            fail:\n              type: fail\n`;
    const yaml =
      `dag:\n  start_at: first\n  steps:\n${task('first', 'par', '{put: [seed.csv]}')}` +
      `    par:\n      type: parallel\n      next: last\n      branches:\n` +
      branch('left', task('s', 'success', '{put: [left.csv]}')) +
      branch('right', task('s', 'success', '{get: [left.csv, seed.csv]}')) +
      task('last', 'success', '{get: [left.csv]}') +
      ends;
    expect(await warnings(yaml)).toEqual(['/dag/steps/par/branches/right/steps/s/catalog/get/0']);
  });

  it('glob against name', () => {
    expect(mayOverlap('data/m-*.txt', 'data/m-1.txt')).toBe(true);
    expect(mayOverlap('data/m-1.txt', 'data/*.txt')).toBe(true);
    expect(mayOverlap('data/m-1.txt', 'data/*.csv')).toBe(false);
    expect(mayOverlap('data/sub/a.txt', 'data/*.txt')).toBe(false);
    expect(mayOverlap('data/sub/a.txt', 'data/**/a.txt')).toBe(true);
    expect(mayOverlap('other/a.txt', 'data/a.txt')).toBe(false);
  });
});

describe('two globs', () => {
  it('overlap unless their literal heads or tails disagree', () => {
    expect(mayOverlap('data/m-*.txt', 'data/*.json')).toBe(false);
    expect(mayOverlap('data/m-*.txt', 'data/*.txt')).toBe(true);
    expect(mayOverlap('data/m-*', 'data/n-*')).toBe(false);
    expect(mayOverlap('data/*', 'data/x?y')).toBe(true);
  });
});
