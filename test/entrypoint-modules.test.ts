// Issue 16: what a step's process loads and starts. `dagc exec` of a shell step loads no node:fs/promises
// (src/core/fs-async.ts gives the promise forms from fs's callback API), one that succeeds does not start libuv's
// thread pool (its workspace is removed on the main thread when the process exits: src/runtime/workspace.ts), and
// neither leaves a workspace or step folder behind. The promise forms are checked against
// node:fs/promises itself, and the bundles' import.meta.url (scripts/module-url-banner.mjs) against
// pathToFileURL.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as fsAsync from '../src/core/fs-async.js';
import { MODULE_URL_BANNER } from '../scripts/module-url-banner.mjs';
import { BIN, ROOT } from './helpers/paths.js';

const BUILT = fs.existsSync(path.join(ROOT, 'dist', 'entry', 'entry.cjs'));

// Written into the sandbox and preloaded (-r): at exit, the built-in modules the process loaded beyond a bare
// node's, and how many threads it has (libuv's pool adds four).
const PRELOAD = `
const fs = require('node:fs');
const before = new Set(process.moduleLoadList);
process.on('exit', () => {
  const threads = fs.existsSync('/proc/self/task') ? fs.readdirSync('/proc/self/task').length : -1;
  fs.writeFileSync(process.env.PROBE_OUT, JSON.stringify({ loaded: process.moduleLoadList.filter((m) => !before.has(m)), threads }));
});
`;

function pipeline(command: string): string {
  return [
    'dag:',
    '  start_at: s',
    '  steps:',
    '    s:',
    '      type: task',
    '      command_type: shell',
    `      command: ${JSON.stringify(command)}`,
    '      next: success',
    '    success: {type: success}',
    '    fail: {type: fail}',
    '',
  ].join('\n');
}

interface Probe {
  loaded: string[];
  threads: number;
}

function probe(
  dir: string,
  argv: string[],
  temp: string,
): { status: number | null; stderr: string; probe: Probe } {
  const out = path.join(dir, `probe-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, ['-r', path.join(dir, 'preload.cjs'), ...argv], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', PROBE_OUT: out, TMPDIR: temp },
  });
  const result = JSON.parse(fs.readFileSync(out, 'utf8')) as Probe;
  fs.rmSync(out);
  return { status: r.status, stderr: r.stderr, probe: result };
}

describe.skipIf(!BUILT)('dagc exec: what a step process loads and leaves', () => {
  if (!BUILT) console.warn('[skip] entrypoint-modules: dist/ is not built (node scripts/build.mjs)');

  for (const [name, command, code] of [
    ['succeeds', 'echo hello > out.txt', 0],
    ['fails', 'echo partial > out.txt; exit 3', 1],
  ] as const)
    it(`a shell step that ${name}: no fs/promises, no thread pool, nothing left in TMPDIR`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'dagc-modules-'));
      const temp = mkdtempSync(path.join(tmpdir(), 'dagc-modules-tmp-'));
      writeFileSync(path.join(dir, 'preload.cjs'), PRELOAD);
      writeFileSync(path.join(dir, 'p.yaml'), pipeline(command));
      writeFileSync(path.join(dir, 'data.txt'), 'project file\n');
      const open = spawnSync(process.execPath, [BIN, 'fan', 'open', 'r1', '-f', 'p.yaml'], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, TMPDIR: temp },
      });
      expect(open.status, open.stderr).toBe(0);

      const bare = probe(dir, ['-e', '0'], temp);
      const exec = probe(dir, [BIN, 'exec', 'r1', 's', '-f', 'p.yaml', '--attempt', '1'], temp);
      expect(exec.status, exec.stderr).toBe(code);
      expect(exec.probe.loaded).toContain('NativeModule child_process');
      expect(exec.probe.loaded.filter((m) => /fs\/promises/.test(m))).toEqual([]);
      // A step that fails may (its hint looks in the project's data folder for what the step missed, off the thread).
      if (bare.probe.threads > 0 && code === 0) expect(exec.probe.threads).toBe(bare.probe.threads);
      // The workspace and the step's files are gone: the step ran in its own folder, not in the project.
      expect(readdirSync(temp)).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'out.txt'))).toBe(false);
    });
});

// `dagc compile --target asl` validates with asl-validator's schema precompiled by the build: ajv's own modules
// (its compiler, ajv-formats' keywords, the standalone writer) stay unloaded (src/emit/asl/asl-schema.ts), only
// the runtime helpers the precompiled code requires are loaded. Each require() the process makes is recorded.
const REQUIRES = `
const fs = require('node:fs');
const Module = require('node:module');
const load = Module._load;
const asked = [];
Module._load = function (request, ...rest) {
  asked.push(request);
  return load.call(this, request, ...rest);
};
process.on('exit', () => fs.writeFileSync(process.env.PROBE_OUT, JSON.stringify(asked)));
`;

/** A built `dagc compile --target asl` of `yaml`: its exit, the require() calls it made, and the JSON it wrote. */
function compileAsl(yaml: string): {
  status: number | null;
  stderr: string;
  requires: string[];
  json: string;
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-modules-asl-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), yaml);
  writeFileSync(path.join(dir, 'requires.cjs'), REQUIRES);
  const out = path.join(dir, 'requires.json');
  const r = spawnSync(
    process.execPath,
    [
      '-r',
      path.join(dir, 'requires.cjs'),
      BIN,
      'compile',
      'pipeline.yaml',
      '--target',
      'asl',
      '-c',
      path.join(ROOT, 'fixtures', 'asl', 'config.yaml'),
      '-o',
      'out.json',
    ],
    { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PROBE_OUT: out } },
  );
  const requires = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, 'utf8')) as string[]) : [];
  const json = r.status === 0 ? fs.readFileSync(path.join(dir, 'out.json'), 'utf8') : '';
  fs.rmSync(dir, { recursive: true, force: true });
  return { status: r.status, stderr: r.stderr, requires, json };
}

describe.skipIf(!fs.existsSync(path.join(ROOT, 'dist', 'entry', 'compile.cjs')))(
  'dagc compile --target asl: what it loads',
  () => {
    it("loads ajv's runtime helpers only, not ajv itself", () => {
      const r = compileAsl(pipeline('echo hi'));
      expect(r.status, r.stderr).toBe(0);
      const ajv = r.requires.filter((m) => /^ajv(-formats)?(\/|$)/.test(m));
      // The probe sees the bundle's requires: the precompiled validator's helper was loaded through it.
      expect(ajv).toContain('ajv/dist/runtime/ucs2length');
      expect(
        ajv.filter((m) => !m.startsWith('ajv/dist/runtime/') && m !== 'ajv-formats/dist/formats.js'),
      ).toEqual([]);
    });

    // prettier is a set of files beside the bundle (scripts/build.mjs), required only for the JSON that
    // json-text.ts leaves to it: here step names of CJK characters and an emoji, which prettier may count two
    // columns wide. The oracle is the prettier package itself, formatting the same JSON.
    it('requires prettier only for JSON that needs it, and prints what prettier prints', async () => {
      const plain = compileAsl(pipeline('echo hi'));
      expect(plain.status, plain.stderr).toBe(0);
      expect(plain.requires.filter((m) => m.includes('prettier'))).toEqual([]);
      const wide = compileAsl(
        [
          'dag:',
          '  start_at: 数据准备',
          '  steps:',
          '    数据准备: {type: task, command_type: shell, command: echo 🚀, next: 训练模型🚀}',
          '    训练模型🚀: {type: stub, next: success}',
          '    success: {type: success}',
          '    fail: {type: fail}',
          '',
        ].join('\n'),
      );
      expect(wide.status, wide.stderr).toBe(0);
      expect(wide.requires).toEqual(
        expect.arrayContaining([
          './prettier/standalone.cjs',
          './prettier/babel.cjs',
          './prettier/estree.cjs',
        ]),
      );
      const prettier = await import('prettier');
      expect(wide.json).toBe(
        await prettier.format(JSON.stringify(JSON.parse(wide.json)), { parser: 'json' }),
      );
    });
  },
);

describe('src/core/fs-async.ts: the same as node:fs/promises', () => {
  // Each call, on the same paths, gives what fs/promises gives: the value, or an error with the same code,
  // syscall, path and message.
  const settle = async (p: Promise<unknown>) =>
    p.then(
      (value) => ({
        value:
          value instanceof fs.Stats
            ? { size: value.size, ino: value.ino, isDir: value.isDirectory() }
            : value,
      }),
      (e: NodeJS.ErrnoException & { dest?: string }) => ({
        error: { code: e.code, syscall: e.syscall, path: e.path, dest: e.dest, message: e.message },
      }),
    );

  it('gives the same values and errors, call by call', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'dagc-fs-async-'));
    const at = (name: string) => path.join(root, name);
    writeFileSync(at('file'), 'content\n');
    fs.mkdirSync(at('folder/inner'), { recursive: true });
    writeFileSync(at('folder/inner/x'), 'x');
    fs.symlinkSync(at('folder'), at('link'));

    // Read-only calls, run by both on the same paths.
    const readOnly: [string, (m: typeof fsp) => Promise<unknown>][] = [
      ['readFile utf8', (m) => m.readFile(at('file'), 'utf8')],
      ['readFile buffer', (m) => m.readFile(at('file'))],
      ['readFile missing', (m) => m.readFile(at('missing'))],
      ['readFile folder', (m) => m.readFile(at('folder'))],
      ['readdir', (m) => m.readdir(at('folder'))],
      [
        'readdir types',
        (m) =>
          m
            .readdir(at('folder'), { withFileTypes: true })
            .then((d) => d.map((e) => [e.name, e.isDirectory()])),
      ],
      ['readdir missing', (m) => m.readdir(at('missing'))],
      ['stat', (m) => m.stat(at('file'))],
      ['stat missing', (m) => m.stat(at('missing'))],
      ['realpath link', (m) => m.realpath(at('link/inner'))],
      ['realpath missing', (m) => m.realpath(at('link/missing'))],
      ['access', (m) => m.access(at('file'))],
      ['access missing', (m) => m.access(at('missing'))],
    ];
    for (const [what, call] of readOnly) {
      const ours = await settle(call(fsAsync as unknown as typeof fsp));
      const theirs = await settle(call(fsp));
      expect(ours, what).toEqual(theirs);
    }

    // Calls that change the tree, each in a fresh copy for either side.
    const changing: [string, (m: typeof fsp, base: string) => Promise<unknown>][] = [
      [
        'mkdir recursive',
        (m, b) => m.mkdir(path.join(b, 'a/b/c'), { recursive: true }).then((v) => v && path.relative(b, v)),
      ],
      ['mkdir exists', (m, b) => m.mkdir(path.join(b, 'folder'))],
      [
        'writeFile',
        (m, b) =>
          m.writeFile(path.join(b, 'new'), 'data').then(() => fs.readFileSync(path.join(b, 'new'), 'utf8')),
      ],
      ['writeFile wx exists', (m, b) => m.writeFile(path.join(b, 'file'), 'data', { flag: 'wx' })],
      [
        'rename',
        (m, b) => m.rename(path.join(b, 'file'), path.join(b, 'moved')).then(() => fs.readdirSync(b).sort()),
      ],
      ['rename missing', (m, b) => m.rename(path.join(b, 'missing'), path.join(b, 'moved'))],
      [
        'rm recursive',
        (m, b) => m.rm(path.join(b, 'folder'), { recursive: true }).then(() => fs.readdirSync(b).sort()),
      ],
      ['rm folder', (m, b) => m.rm(path.join(b, 'folder'))],
      ['rm force missing', (m, b) => m.rm(path.join(b, 'missing'), { force: true })],
      ['rmdir not empty', (m, b) => m.rmdir(path.join(b, 'folder'))],
      ['unlink', (m, b) => m.unlink(path.join(b, 'file')).then(() => fs.existsSync(path.join(b, 'file')))],
      [
        'link',
        (m, b) =>
          m
            .link(path.join(b, 'file'), path.join(b, 'hard'))
            .then(() => fs.statSync(path.join(b, 'hard')).nlink),
      ],
      [
        'chmod',
        (m, b) =>
          m.chmod(path.join(b, 'file'), 0o600).then(() => fs.statSync(path.join(b, 'file')).mode & 0o777),
      ],
      [
        'utimes',
        (m, b) =>
          m.utimes(path.join(b, 'file'), 1000, 2000).then(() => fs.statSync(path.join(b, 'file')).mtimeMs),
      ],
    ];
    for (const [what, call] of changing) {
      const results = [];
      for (const m of [fsAsync as unknown as typeof fsp, fsp]) {
        const base = mkdtempSync(path.join(tmpdir(), 'dagc-fs-async-'));
        writeFileSync(path.join(base, 'file'), 'content\n');
        fs.mkdirSync(path.join(base, 'folder/inner'), { recursive: true });
        const r = await settle(call(m, base));
        results.push(JSON.parse(JSON.stringify(r).split(base).join('<base>')));
        fs.rmSync(base, { recursive: true, force: true });
      }
      expect(results[0], what).toEqual(results[1]);
    }
    fs.rmSync(root, { recursive: true, force: true });
  });
});

describe("the bundles' import.meta.url", () => {
  const urlOf = (file: string, require: (id: string) => unknown) =>
    (
      new Function('__filename', 'require', `${MODULE_URL_BANNER}\nreturn __dagcMeta.url;`) as (
        f: string,
        r: unknown,
      ) => string
    )(file, require);

  it('is pathToFileURL of the bundle, without the URL parser for a plain path', () => {
    const chars = [
      'a',
      'Z',
      '0',
      '_',
      '.',
      '-',
      '/',
      ' ',
      '%',
      '#',
      '?',
      '~',
      'é',
      '\\',
      '\n',
      ':',
      '@',
      '[',
      ']',
      '+',
      ',',
      ';',
      '=',
    ];
    let fast = 0;
    let seed = 7;
    const next = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed);
    for (let i = 0; i < 5000; i++) {
      let raw = '/';
      const length = next() % 24;
      for (let j = 0; j < length; j++) raw += chars[next() % (i % 2 ? 6 : chars.length)];
      // __filename is an absolute, normalised path.
      const file = path.resolve(raw);
      let required = 0;
      const url = urlOf(file, (id: string) => (required++, createRequire(import.meta.url)(id)));
      expect(url, file).toBe(pathToFileURL(file).href);
      if (required === 0) fast++;
    }
    // Most paths of plain characters took the fast way; the others went through pathToFileURL.
    expect(fast).toBeGreaterThan(1000);
    expect(
      urlOf('/usr/lib/node_modules/dagc/dist/entry/entry.cjs', () => {
        throw new Error('no URL parser for a plain path');
      }),
    ).toBe('file:///usr/lib/node_modules/dagc/dist/entry/entry.cjs');
  });
});

// `dagc compile` and `dagc validate` ask the integrations only whether the config's services suit the target
// (src/integrations/configured.ts): the runtime's modules stay unloaded, and with them git's code identity and
// node:child_process and node:fs/promises (issue 16: ~17 million instructions of a 500-step compile to
// argo, ~3% of what dagc adds to a node start).
describe.skipIf(!fs.existsSync(path.join(ROOT, 'dist', 'entry', 'compile.cjs')))(
  'dagc compile and validate: no run-time modules',
  () => {
    const ARGO_CONFIG = [
      'executor:',
      '  type: argo',
      '  config:',
      '    image: registry.example.com/p:1',
      '    persistent_volumes: [{name: pvc, mount_path: /mnt}]',
      'run_log_store: {type: chunked-fs, config: {log_folder: /mnt/runs}}',
      'catalog: {type: file-system, config: {catalog_location: /mnt/catalog}}',
      '',
    ].join('\n');
    for (const [name, argv] of [
      ['validate', ['validate', 'p.yaml']],
      ['compile --target bash', ['compile', 'p.yaml', '--target', 'bash', '-o', 'out/']],
      ['compile --target argo', ['compile', 'p.yaml', '--target', 'argo', '-c', 'argo.yaml', '-o', 'out/']],
      [
        'compile --target asl',
        [
          'compile',
          'p.yaml',
          '--target',
          'asl',
          '-c',
          path.join(ROOT, 'fixtures', 'asl', 'config.yaml'),
          '-o',
          'out/',
        ],
      ],
    ] as const)
      it(`${name} loads no child_process or fs/promises`, () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'dagc-modules-compile-'));
        writeFileSync(path.join(dir, 'preload.cjs'), PRELOAD);
        writeFileSync(path.join(dir, 'p.yaml'), pipeline('echo hi'));
        writeFileSync(path.join(dir, 'argo.yaml'), ARGO_CONFIG);
        const r = probe(dir, [BIN, ...argv], tmpdir());
        fs.rmSync(dir, { recursive: true, force: true });
        expect(r.status, r.stderr).toBe(0);
        // (node:net is there when stdout is a pipe, as here: process.stdout is a socket then.)
        expect(r.probe.loaded.filter((m) => /^NativeModule (child_process|fs\/promises)$/.test(m))).toEqual(
          [],
        );
      });
  },
);
