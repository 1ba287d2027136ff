// The dependency direction of ARCHITECTURE.md, held: every import of src/ points down the order of rooms, no
// files load each other in a cycle, and nothing outside src/cli imports src/cli. The test of the test: the same
// checker on synthetic graphs and on a copy of src/ with one upward import (and one cycle) added finds them.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModuleGraph, Rooms } from './helpers/dependency-rule.js';
import { checkDependencies, importsOf, readModuleGraph } from './helpers/dependency-rule.js';
import { ROOT } from './helpers/paths.js';

const SRC = path.join(ROOT, 'src');

/**
 * The rooms of src/, top to bottom (ARCHITECTURE.md "Rooms and arrows"). Rooms in one tier are siblings and may
 * not import each other. Rooms are folders, except a few files placed by what they are (ARCHITECTURE.md): the
 * YAML reader every loader and the IR builder read documents with (`source`), and the config's model — its
 * types, its service sections (which a pipeline file may carry too), where their keys are in the file, the
 * magnus-era defaults, the executor names — which the IR and the front end read (`config-model`).
 */
const ROOMS: Rooms = {
  order: [
    ['cli'],
    ['index'],
    ['deploy'],
    ['library'],
    ['executors', 'emulate', 'report'],
    ['emit'],
    ['runtime'],
    ['integrations'],
    ['services'],
    ['config'],
    ['front-end'],
    ['ir'],
    ['config-model'],
    ['source'],
    ['core'],
  ],
  members: {
    'cli/': 'cli',
    'index.ts': 'index',
    'deploy/': 'deploy',
    'library/': 'library',
    'executors/': 'executors',
    'emulate/': 'emulate',
    'report/': 'report',
    'emit/': 'emit',
    'runtime/': 'runtime',
    'integrations/': 'integrations',
    'services/': 'services',
    'config/': 'config',
    'config/types.ts': 'config-model',
    'config/sections.ts': 'config-model',
    'config/source.ts': 'config-model',
    'config/magnus-era.ts': 'config-model',
    // The executor names (a plain list) that the service sections and the era defaults check against.
    'config/executors.ts': 'config-model',
    'front-end/': 'front-end',
    'front-end/load.ts': 'source',
    'front-end/yaml-fast.ts': 'source',
    'front-end/yaml-lines.ts': 'source',
    'ir/': 'ir',
    'core/': 'core',
    'version.ts': 'core',
  },
};

describe('the dependency rule', () => {
  it('holds for src/: no upward import, no cycle, every file in a room', () => {
    const violations = checkDependencies(readModuleGraph(SRC), ROOMS);
    expect(violations.map((v) => `${v.kind}: ${v.message}`)).toEqual([]);
  });

  it('nothing outside src/cli imports src/cli', () => {
    const graph = readModuleGraph(SRC);
    const intoCli = graph.edges.filter((e) => e.to.startsWith('cli/') && !e.from.startsWith('cli/'));
    expect(intoCli).toEqual([]);
  });
});

describe('the checker (the test of the test)', () => {
  const rooms: Rooms = { order: [['top'], ['left', 'right'], ['bottom']], members: { 'top/': 'top', 'left/': 'left', 'right/': 'right', 'bottom/': 'bottom', 'bottom/special.ts': 'top' } };
  const graph = (edges: [string, string, boolean?][]): ModuleGraph => ({
    files: [...new Set(edges.flatMap(([a, b]) => [a, b]))].sort(),
    edges: edges.map(([from, to, typeOnly]) => ({ from, to, typeOnly: typeOnly ?? false })),
  });

  it('passes a graph whose arrows point down', () => {
    expect(checkDependencies(graph([['top/a.ts', 'left/b.ts'], ['left/b.ts', 'bottom/c.ts'], ['top/a.ts', 'bottom/c.ts'], ['bottom/c.ts', 'bottom/d.ts']]), rooms)).toEqual([]);
  });

  it('fails an upward import, a sibling import and a type-only upward import', () => {
    const kinds = (edges: [string, string, boolean?][]) => checkDependencies(graph(edges), rooms).map((v) => v.kind);
    expect(kinds([['bottom/c.ts', 'top/a.ts']])).toEqual(['upward']);
    expect(kinds([['left/b.ts', 'right/e.ts']])).toEqual(['upward']);
    expect(kinds([['bottom/c.ts', 'left/b.ts', true]])).toEqual(['upward']);
    // A file placed in another room than its folder's is judged by its room.
    expect(kinds([['bottom/special.ts', 'left/b.ts']])).toEqual([]);
    expect(kinds([['bottom/c.ts', 'bottom/special.ts']])).toEqual(['upward']);
  });

  it('fails a cycle of files that load each other, not one made only of types', () => {
    const cycle = checkDependencies(graph([['left/a.ts', 'left/b.ts'], ['left/b.ts', 'left/c.ts'], ['left/c.ts', 'left/a.ts']]), rooms);
    expect(cycle.map((v) => v.message)).toEqual(['import cycle: left/a.ts → left/b.ts → left/c.ts']);
    expect(checkDependencies(graph([['left/a.ts', 'left/b.ts'], ['left/b.ts', 'left/a.ts', true]]), rooms)).toEqual([]);
  });

  it('fails a file in no room', () => {
    expect(checkDependencies(graph([['elsewhere/x.ts', 'bottom/c.ts']]), rooms).map((v) => v.kind)).toEqual(['unplaced']);
  });

  it('reads every kind of import, and nothing in comments or strings', () => {
    const text = [
      "import a from './a.js';",
      "import type { B } from './b.js';",
      "export { c } from './c.js';",
      "export type { D } from './d.js';",
      "const e = await import('./e.js');",
      "type F = import('./f.js').F;",
      "// import g from './g.js';",
      "const h = \"import('./h.js')\";",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { specifier: './a.js', typeOnly: false },
      { specifier: './b.js', typeOnly: true },
      { specifier: './c.js', typeOnly: false },
      { specifier: './d.js', typeOnly: true },
      { specifier: './e.js', typeOnly: false },
      { specifier: './f.js', typeOnly: true },
    ]);
  });

  it('finds an upward import and a cycle added to a copy of src/', () => {
    const copy = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-deps-')), 'src');
    cpSync(SRC, copy, { recursive: true });
    // core is the bottom room: importing the CLI from it is the upward import issue 11 was about.
    const errors = path.join(copy, 'core', 'errors.ts');
    writeFileSync(errors, `${readFileSync(errors, 'utf8')}\nexport type { Command } from '../cli/types.js';\n`);
    // And the cycle it had: the command table reached from a command that main.ts lists.
    const fan = path.join(copy, 'cli', 'fan.ts');
    writeFileSync(fan, `${readFileSync(fan, 'utf8')}\nexport const again = () => import('./main.js');\n`);
    const found = checkDependencies(readModuleGraph(copy), ROOMS).map((v) => `${v.kind}: ${v.message}`);
    expect(found).toContain('upward: core/errors.ts (core) imports cli/types.ts (cli), which is above it');
    expect(found.filter((f) => f.startsWith('cycle:'))).toHaveLength(1);
    expect(found.find((f) => f.startsWith('cycle:'))).toContain('cli/fan.ts');
  });
});
