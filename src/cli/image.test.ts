// `dagc image dockerfile`: the Dockerfile is pinned byte for byte (goldens), deterministic, never
// overwritten without --force, installs python3 exactly when the project needs it, and holds only
// instructions Docker knows, whose COPY sources exist in the build context. No test builds the image: no
// registry (Docker Hub, npm's) is reachable from the tests.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostics.js';
import { VERSION } from '../version.js';
import { commandTypes, renderDockerfile } from './image.js';
import { main } from './main.js';
import type { Io } from './types.js';

const scratch = mkdtempSync(path.join(tmpdir(), 'dagc-image-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

/** A fresh build context holding `files` ({relative path: content}). */
function project(files: Record<string, string> = {}): string {
  const dir = path.join(scratch, `p${dirs++}`);
  mkdirSync(dir);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), content);
  }
  return dir;
}

interface Ran {
  status: number;
  stdout: string;
  stderr: string;
  diagnostics: Diagnostic[];
}

async function dagc(cwd: string, args: string[]): Promise<Ran> {
  const ran: Ran = { status: -1, stdout: '', stderr: '', diagnostics: [] };
  const io: Io = {
    out: (t) => void (ran.stdout += t),
    err: (t) => void (ran.stderr += t),
    diagnostics: async (d) => void ran.diagnostics.push(...d),
    isTTY: false,
    cwd,
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  };
  ran.status = await main(['image', ...args], io);
  return ran;
}

const read = (dir: string, file = 'Dockerfile') => readFileSync(path.join(dir, file), 'utf8');

const PIPELINE = (steps: string) =>
  `dag:\n  start_at: first\n  steps:\n${steps}    success:\n      type: success\n    fail:\n      type: fail\n`;
const SHELL_ONLY = PIPELINE(
  '    first:\n      type: task\n      command_type: shell\n      command: echo hi\n      next: success\n',
);
// A python task (the default command_type) hidden in a map inside a parallel branch, and a notebook at the top.
const NESTED_PYTHON = PIPELINE(
  [
    '    first:',
    '      type: task',
    '      command_type: shell',
    '      command: echo hi',
    '      next: nb',
    '    nb:',
    '      type: task',
    '      command_type: notebook',
    '      command: analysis.ipynb',
    '      next: par',
    '    par:',
    '      type: parallel',
    '      next: success',
    '      branches:',
    '        a:',
    '          start_at: m',
    '          steps:',
    '            m:',
    '              type: map',
    '              iterate_on: xs',
    '              iterate_as: x',
    '              next: success',
    '              branch:',
    '                start_at: train',
    '                steps:',
    '                  train:',
    '                    type: task',
    '                    command: functions.train',
    '                    next: success',
    '                  success:',
    '                    type: success',
    '                  fail:',
    '                    type: fail',
    '            success:',
    '              type: success',
    '            fail:',
    '              type: fail',
    '',
  ].join('\n'),
);

describe('the Dockerfile (goldens)', () => {
  it('node only, dagc from the npm registry', async () => {
    const dir = project();
    const ran = await dagc(dir, ['dockerfile', '--dagc-from', 'npm']);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    await expect(read(dir)).toMatchFileSnapshot('./__goldens__/Dockerfile.node-npm');
  });

  it('python3 for the requirements and a notebook task, dagc packed into the context', async () => {
    const dir = project({ 'requirements.txt': 'pandas==2.2.3\n', 'pipeline.yaml': NESTED_PYTHON });
    const ran = await dagc(dir, ['dockerfile', '-f', 'pipeline.yaml', '--base', 'node:20.11-bookworm']);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    await expect(read(dir)).toMatchFileSnapshot('./__goldens__/Dockerfile.python-pack');
  });

  it('pyproject.toml alone: python3, and a note instead of guessing how to install the project', async () => {
    const dir = project({ 'pyproject.toml': '[tool.ruff]\nline-length = 110\n' });
    const ran = await dagc(dir, ['dockerfile', '--dagc-from', 'npm', '-o', 'docker/Dockerfile.steps']);
    expect(ran.status).toBe(0);
    expect(existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
    await expect(read(dir, 'docker/Dockerfile.steps')).toMatchFileSnapshot(
      './__goldens__/Dockerfile.pyproject',
    );
  });

  it('is the same bytes for the same inputs, and says what it wrote', async () => {
    const dir = project({ 'requirements.txt': 'numpy\n' });
    const first = await dagc(dir, ['dockerfile', '--dagc-from', 'npm']);
    const before = read(dir);
    const again = await dagc(dir, ['dockerfile', '--dagc-from', 'npm', '--force']);
    expect(again.status).toBe(0);
    expect(read(dir)).toBe(before);
    expect(first.stdout).toBe(
      [
        'wrote .dockerignore',
        'wrote Dockerfile',
        'python3: yes (requirements.txt)',
        'build it: docker build -t IMAGE -f Dockerfile .   (or podman build)',
        '',
      ].join('\n'),
    );
    // The second time the .dockerignore is there already, and is left as it is.
    expect(again.stdout.startsWith('wrote Dockerfile\n')).toBe(true);
  });
});

describe('overwriting', () => {
  it('refuses an existing Dockerfile without --force (exit 2, a hint), before packing anything', async () => {
    const dir = project({ Dockerfile: 'FROM mine\n' });
    const ran = await dagc(dir, ['dockerfile']);
    expect(ran.status).toBe(2);
    expect(ran.stderr).toBe(
      'dagc image: Dockerfile already exists\nhint: pass --force to overwrite it, or -o FILE to write the Dockerfile elsewhere\n',
    );
    expect(read(dir)).toBe('FROM mine\n');
    expect(existsSync(path.join(dir, '.dagc'))).toBe(false);
    expect(existsSync(path.join(dir, '.dockerignore'))).toBe(false);
  });

  it('overwrites it with --force, and never touches an existing .dockerignore', async () => {
    const dir = project({ Dockerfile: 'FROM mine\n', '.dockerignore': 'secrets/\n' });
    const ran = await dagc(dir, ['dockerfile', '--force', '--dagc-from', 'npm']);
    expect(ran.status).toBe(0);
    expect(
      read(dir)
        .split('\n')
        .find((l) => l.startsWith('FROM ')),
    ).toBe('FROM node:20-bookworm-slim');
    expect(read(dir, '.dockerignore')).toBe('secrets/\n');
  });
});

describe('python detection', () => {
  const cases: [string, Record<string, string>, string[], string | null][] = [
    ['nothing python', { 'pipeline.yaml': SHELL_ONLY }, ['-f', 'pipeline.yaml'], null],
    ['--python', {}, ['--python'], '--python'],
    ['requirements.txt', { 'requirements.txt': 'x\n' }, [], 'requirements.txt'],
    [
      '--requirements elsewhere in the context',
      { 'env/req.txt': 'x\n' },
      ['--requirements', 'env/req.txt'],
      'env/req.txt',
    ],
    ['pyproject.toml', { 'pyproject.toml': '' }, [], 'pyproject.toml'],
    [
      'a python task nested in a map in a parallel branch',
      { 'pipeline.yaml': NESTED_PYTHON },
      ['-f', 'pipeline.yaml'],
      'notebook, python tasks in pipeline.yaml',
    ],
  ];
  it.each(cases)('%s', async (_name, files, args, why) => {
    const dir = project(files);
    const ran = await dagc(dir, ['dockerfile', '--dagc-from', 'npm', ...args]);
    expect(ran.status).toBe(0);
    const line = ran.stdout.split('\n').find((l) => l.startsWith('python3: '));
    expect(line).toBe(
      why === null
        ? 'python3: no (pass --python, or -f PIPELINE to detect Python tasks)'
        : `python3: yes (${why})`,
    );
    expect(read(dir).includes('apt-get install -y --no-install-recommends python3 python3-venv')).toBe(
      why !== null,
    );
    expect(read(dir).includes('RUN pip install --no-cache-dir papermill ipykernel')).toBe(
      why?.includes('notebook') === true,
    );
  });

  it('finds every task kind of a pipeline, composites included', () => {
    // The IR shape commandTypes walks; only what it reads is filled in.
    const leaf = (name: string, commandType: string) => ({ type: 'task', name, commandType }) as never;
    const graph = (nodes: unknown[]) => ({ nodes }) as never;
    const root = graph([
      leaf('a', 'shell'),
      { type: 'parallel', branches: [graph([leaf('b', 'python-lambda')])] },
      { type: 'dag', branch: graph([{ type: 'map', branch: graph([leaf('c', 'notebook')]) }]) },
    ]);
    expect([...commandTypes(root)].sort()).toEqual(['notebook', 'python-lambda', 'shell']);
  });
});

describe('packing dagc into the build context', () => {
  it('writes .dagc/dagc-<version>.tgz, a package that runs, named by the Dockerfile', async () => {
    const dir = project();
    const ran = await dagc(dir, ['dockerfile']);
    expect(ran.stderr).toBe('');
    expect(ran.status).toBe(0);
    const tarball = `.dagc/dagc-${VERSION}.tgz`;
    expect(ran.stdout).toContain(`packed dagc ${VERSION} into ${tarball}\n`);
    expect(read(dir).split('\n')).toContain(`COPY ["${tarball}", "/tmp/dagc.tgz"]`);
    const listed = execFileSync('tar', ['-tzf', path.join(dir, tarball)], { encoding: 'utf8' }).split('\n');
    for (const f of [
      'bin/dagc.js',
      'dist/main.js',
      'python/dagc_shim.py',
      'templates/docker/Dockerfile.hbs',
      'schemas/pipeline.schema.json',
    ])
      expect(listed, f).toContain(`package/${f}`);
    execFileSync('tar', ['-xzf', path.join(dir, tarball), '-C', dir]);
    const version = execFileSync(
      process.execPath,
      [path.join(dir, 'package', 'bin', 'dagc.js'), '--version'],
      { encoding: 'utf8' },
    );
    expect(version).toBe(`${VERSION}\n`);
  });
});

/** Docker's instructions (docs.docker.com/reference/dockerfile); MAINTAINER is deprecated and not used. */
const INSTRUCTIONS = new Set([
  'FROM',
  'RUN',
  'CMD',
  'LABEL',
  'EXPOSE',
  'ENV',
  'ADD',
  'COPY',
  'ENTRYPOINT',
  'VOLUME',
  'USER',
  'WORKDIR',
  'ARG',
  'ONBUILD',
  'STOPSIGNAL',
  'HEALTHCHECK',
  'SHELL',
]);

/** Logical instructions (continuation lines joined), comments and blank lines left out. */
function instructions(text: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (!current && (line.trim() === '' || line.trimStart().startsWith('#'))) continue;
    current += line.replace(/\\$/, '');
    if (!line.endsWith('\\')) {
      out.push(current);
      current = '';
    }
  }
  expect(current, 'a continuation runs off the end of the file').toBe('');
  return out;
}

describe('sanity (no hadolint): every instruction is one Docker knows', () => {
  const variants: [string, Record<string, string>, string[]][] = [
    ['plain', {}, ['--dagc-from', 'npm']],
    [
      'python, requirements, notebook, packed dagc',
      { 'requirements.txt': 'x\n', 'p.yaml': NESTED_PYTHON },
      ['-f', 'p.yaml'],
    ],
    [
      'pyproject, odd names',
      { 'my reqs/"r".txt': 'x\n', 'pyproject.toml': '' },
      ['--requirements', 'my reqs/"r".txt', '--dagc-from', 'npm'],
    ],
  ];
  it.each(variants)('%s', async (_name, files, args) => {
    const dir = project(files);
    expect((await dagc(dir, ['dockerfile', ...args])).status).toBe(0);
    const text = read(dir);
    expect(text.startsWith('# syntax=docker/dockerfile:1\n')).toBe(true);
    expect(text.endsWith('\n') && !text.endsWith('\n\n')).toBe(true);
    const all = instructions(text);
    expect(all[0]!.split(' ')[0]).toBe('FROM');
    for (const line of all) {
      const [word] = line.split(' ');
      expect(INSTRUCTIONS.has(word!), line).toBe(true);
      // Every file COPY names (other than the context itself) is in the context, so the build can find it.
      if (word === 'COPY' && line !== 'COPY . .') {
        const [from] = JSON.parse(line.slice('COPY '.length)) as string[];
        expect(existsSync(path.join(dir, from!)), from).toBe(true);
      }
    }
    // The .dockerignore written beside it keeps the packed dagc in the context.
    expect(read(dir, '.dockerignore').split('\n')).not.toContain('.dagc');
  });

  it('keeps a file name with a newline inside its comment', () => {
    const text = renderDockerfile({
      base: 'node:20',
      workdir: '/app',
      pythonWhy: 'x tasks in evil\nRUN rm -rf /.yaml',
      notebook: false,
      pyprojectOnly: false,
      dagc: { from: 'npm' },
      dockerfile: 'Dockerfile\nRUN echo pwned',
    });
    expect(instructions(text).map((l) => l.split(' ')[0])).toEqual([
      'FROM',
      'RUN',
      'RUN',
      'ENV',
      'RUN',
      'RUN',
      'WORKDIR',
      'COPY',
      'CMD',
    ]);
    expect(text).not.toMatch(/^RUN (rm|echo pwned)/m);
  });
});

describe('bad input: exit 2 with a message, nothing written', () => {
  const cases: [string, Record<string, string>, string[], string][] = [
    ['no subcommand', {}, [], 'dagc image: missing the subcommand (dockerfile)\n'],
    [
      'a misspelt subcommand',
      {},
      ['dockerfle'],
      'dagc image: unknown subcommand "dockerfle"; did you mean "dockerfile"? (dockerfile)\n',
    ],
    [
      'a misspelt --dagc-from',
      {},
      ['dockerfile', '--dagc-from', 'npn'],
      'dagc image: unknown --dagc-from "npn"; did you mean "npm"? (pack or npm)\n',
    ],
    [
      'a base that is not an image reference',
      {},
      ['dockerfile', '--base', 'node:20\nRUN x'],
      'dagc image: --base "node:20\nRUN x" is not an image reference (e.g. node:20-bookworm-slim or registry.example.com/node:20)\n',
    ],
    [
      'a relative --workdir',
      {},
      ['dockerfile', '--workdir', 'app'],
      'dagc image: --workdir "app" must be an absolute path\n',
    ],
  ];
  it.each(cases)('%s', async (_name, files, args, message) => {
    const dir = project(files);
    const ran = await dagc(dir, args);
    expect(ran.status).toBe(2);
    expect(ran.stderr.split('usage: ')[0]).toBe(message);
    expect(ran.stderr).toMatch(/\nusage: dagc image dockerfile /);
    expect(existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
  });

  it('a requirements file that is missing, or outside the build context', async () => {
    const dir = project({ 'inner/.keep': '', 'outside.txt': 'x\n' });
    const missing = await dagc(path.join(dir, 'inner'), ['dockerfile', '--requirements', 'req.txt']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      'dagc image: the requirements file "req.txt" does not exist\nhint: give a pip requirements file, e.g. --requirements requirements.txt\n',
    );
    const outside = await dagc(path.join(dir, 'inner'), ['dockerfile', '--requirements', '../outside.txt']);
    expect(outside.status).toBe(2);
    expect(outside.stderr.split('\n')[0]).toBe(
      `dagc image: the requirements file "../outside.txt" is outside the build context (${path.join(dir, 'inner')})`,
    );
    expect(existsSync(path.join(dir, 'inner', 'Dockerfile'))).toBe(false);
  });

  it('a pipeline with errors: its diagnostics, and no Dockerfile', async () => {
    const dir = project({ 'p.yaml': 'dag:\n  start_at: nowhere\n  steps: {}\n' });
    const ran = await dagc(dir, ['dockerfile', '-f', 'p.yaml']);
    expect(ran.status).toBe(2);
    expect(ran.diagnostics.length).toBeGreaterThan(0);
    expect(ran.diagnostics.every((d) => d.file.endsWith('p.yaml'))).toBe(true);
    expect(existsSync(path.join(dir, 'Dockerfile'))).toBe(false);
  });
});
