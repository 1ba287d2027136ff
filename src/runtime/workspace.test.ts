// The workspace one attempt runs in: the project as the image holds it, empty data folders, nothing shared
// between attempts, and no write in a workspace reaching the project or another workspace.
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/types.js';
import { MAX_HELD_FILE_BYTES, MAX_WORKSPACE_FILES, ProjectTooLargeError, openWorkspace, sharedWorkspace, storeFolders } from './workspace.js';

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-project-'));
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  }
  return dir;
}

/** Every path below dir (files and folders), sorted. */
function tree(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((p) => p.split(path.sep).join('/')).sort();
}

const OPTS = { leaveOut: ['.run_log_store', '.catalog'], dataFolders: ['data'], withProject: true };

describe('openWorkspace', () => {
  it('holds the image files (.dockerignore honoured), leaves out data and stores, and makes an empty data folder', async () => {
    const dir = project({
      'functions.py': 'x = 1\n',
      'pkg/mod.py': 'y = 2\n',
      'notes/skip.md': 'no\n',
      'notes/keep.md': 'yes\n',
      '.dockerignore': 'notes\n!notes/keep.md\n',
      'data/prepared.csv': 'x,y\n',
      '.run_log_store/r/run.json': '{}',
      '.catalog/r/data/prepared.csv': 'x,y\n',
    });
    symlinkSync('functions.py', path.join(dir, 'alias.py'));
    const ws = await openWorkspace({ project: dir, ...OPTS });
    try {
      expect(tree(ws.dir)).toEqual(['.dockerignore', 'alias.py', 'data', 'functions.py', 'notes', 'notes/keep.md', 'pkg', 'pkg/mod.py']);
      expect(readFileSync(path.join(ws.dir, 'alias.py'), 'utf8')).toBe('x = 1\n');
    } finally {
      await ws.dispose();
    }
    // Disposed: gone, or kept idle for a later attempt, holding the image again.
    if (existsSync(ws.dir)) expect(tree(ws.dir)).toEqual(['.dockerignore', 'alias.py', 'data', 'functions.py', 'notes', 'notes/keep.md', 'pkg', 'pkg/mod.py']);
  });

  it("without a .dockerignore leaves out what dagc image's .dockerignore does", async () => {
    const dir = project({ 'a.py': '', '.git/HEAD': 'ref\n', 'node_modules/x/index.js': '', 'sub/__pycache__/a.pyc': '', '.env': 'T=1\n' });
    const ws = await openWorkspace({ project: dir, ...OPTS });
    expect(tree(ws.dir)).toEqual(['a.py', 'data', 'sub']);
    await ws.dispose();
  });

  it('gives every attempt a fresh folder: what one attempt wrote, the next does not see', async () => {
    const dir = project({ 'a.py': '' });
    const first = await openWorkspace({ project: dir, ...OPTS });
    writeFileSync(path.join(first.dir, 'data', 'marker'), '1');
    writeFileSync(path.join(first.dir, 'new.txt'), '1');
    await first.dispose();
    const second = await openWorkspace({ project: dir, ...OPTS });
    expect(tree(second.dir)).toEqual(['a.py', 'data']);
    await second.dispose();
    expect(tree(dir)).toEqual(['a.py']);
  });

  it('a write into a file of one workspace reaches neither the project nor another workspace, open or later', async () => {
    const dir = project({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n', 'pkg/run.sh': 'echo hi\n' });
    chmodSync(path.join(dir, 'pkg/run.sh'), 0o755);
    const oracle = Object.fromEntries(['a.txt', 'b.txt', 'c.txt', 'pkg/run.sh'].map((rel) => [rel, readFileSync(path.join(dir, rel), 'utf8')]));
    const first = await openWorkspace({ project: dir, ...OPTS, run: 'r1' });
    const parallel = await openWorkspace({ project: dir, ...OPTS, run: 'r1' });
    // In place (what `echo x >> f`, `truncate`, `chmod` and an mmap-ed write do: the same inode) …
    appendFileSync(path.join(first.dir, 'c.txt'), 'more\n');
    truncateSync(path.join(first.dir, 'b.txt'), 0);
    chmodSync(path.join(first.dir, 'pkg/run.sh'), 0o600);
    writeFileSync(path.join(first.dir, 'pkg/run.sh'), 'rm -rf /\n', { flag: 'r+' });
    // … and by replacing (rm + create: `sed -i`, editors, `mv`).
    rmSync(path.join(first.dir, 'a.txt'));
    writeFileSync(path.join(first.dir, 'a.txt'), 'replaced\n');
    expect(readFileSync(path.join(first.dir, 'c.txt'), 'utf8')).toBe('c\nmore\n');
    expect(await first.changedProjectFiles()).toEqual([]);
    const later = await openWorkspace({ project: dir, ...OPTS, run: 'r1' });
    for (const other of [dir, parallel.dir, later.dir]) {
      for (const [rel, text] of Object.entries(oracle)) expect(readFileSync(path.join(other, rel), 'utf8'), `${other}/${rel}`).toBe(text);
      expect(statSync(path.join(other, 'pkg/run.sh')).mode & 0o777).toBe(0o755);
    }
    await Promise.all([first.dispose(), parallel.dispose(), later.dispose()]);
    expect(tree(dir)).toEqual(['a.txt', 'b.txt', 'c.txt', 'pkg', 'pkg/run.sh']);
  });

  it("keeps the image files' mode and modification time, as COPY in an image does", async () => {
    const dir = project({ 'tool.sh': '#!/bin/sh\n', 'odd.txt': 'x' });
    chmodSync(path.join(dir, 'tool.sh'), 0o750);
    chmodSync(path.join(dir, 'odd.txt'), 0o666);
    utimesSync(path.join(dir, 'tool.sh'), new Date('2020-01-02T03:04:05Z'), new Date('2021-02-03T04:05:06Z'));
    const ws = await openWorkspace({ project: dir, ...OPTS });
    expect(statSync(path.join(ws.dir, 'tool.sh')).mode & 0o7777).toBe(0o750);
    expect(statSync(path.join(ws.dir, 'odd.txt')).mode & 0o7777).toBe(0o666);
    expect(statSync(path.join(ws.dir, 'tool.sh')).mtime.toISOString()).toBe('2021-02-03T04:05:06.000Z');
    await ws.dispose();
  });

  it('an absolute symbolic link into the project points into the workspace; others are kept as they are', async () => {
    const dir = project({ 'a.txt': 'a\n' });
    symlinkSync(path.join(dir, 'a.txt'), path.join(dir, 'abs.txt'));
    symlinkSync('/etc/hostname', path.join(dir, 'outside'));
    const ws = await openWorkspace({ project: dir, ...OPTS });
    expect(readlinkSync(path.join(ws.dir, 'abs.txt'))).toBe(path.join(ws.dir, 'a.txt'));
    expect(readlinkSync(path.join(ws.dir, 'outside'))).toBe('/etc/hostname');
    appendFileSync(path.join(ws.dir, 'abs.txt'), 'through the link\n');
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a\n');
    await ws.dispose();
  });

  it('takes the image once per run: a file edited between two runs is read again, within a run it is not', async () => {
    const dir = project({ 'a.txt': 'one\n' });
    const first = await openWorkspace({ project: dir, ...OPTS, run: 'ra' });
    writeFileSync(path.join(dir, 'a.txt'), 'two\n');
    const sameRun = await openWorkspace({ project: dir, ...OPTS, run: 'ra' });
    const nextRun = await openWorkspace({ project: dir, ...OPTS, run: 'rb' });
    expect(readFileSync(path.join(first.dir, 'a.txt'), 'utf8')).toBe('one\n');
    expect(readFileSync(path.join(sameRun.dir, 'a.txt'), 'utf8')).toBe('one\n');
    expect(readFileSync(path.join(nextRun.dir, 'a.txt'), 'utf8')).toBe('two\n');
    await Promise.all([first.dispose(), sameRun.dispose(), nextRun.dispose()]);
  });

  it('copies a file too large to hold from the project, with its mode and time', async () => {
    const dir = project({});
    const big = Buffer.alloc(MAX_HELD_FILE_BYTES + 1, 7);
    writeFileSync(path.join(dir, 'big.bin'), big);
    chmodSync(path.join(dir, 'big.bin'), 0o700);
    utimesSync(path.join(dir, 'big.bin'), new Date('2020-01-01T00:00:00Z'), new Date('2020-01-01T00:00:00Z'));
    const ws = await openWorkspace({ project: dir, ...OPTS, run: 'big' });
    appendFileSync(path.join(ws.dir, 'big.bin'), 'x');
    expect(readFileSync(path.join(dir, 'big.bin')).equals(big)).toBe(true);
    expect(statSync(path.join(ws.dir, 'big.bin')).mode & 0o7777).toBe(0o700);
    expect(statSync(path.join(ws.dir, 'big.bin')).mtime.getTime()).not.toBe(new Date('2020-01-01T00:00:00Z').getTime());
    await ws.dispose();
    const again = await openWorkspace({ project: dir, ...OPTS, run: 'big' });
    expect(statSync(path.join(again.dir, 'big.bin')).size).toBe(big.length);
    expect(statSync(path.join(again.dir, 'big.bin')).mtime.toISOString()).toBe('2020-01-01T00:00:00.000Z');
    await again.dispose();
  });

  it('a used workspace kept for a later attempt is the image again: changed, removed and added files undone', async () => {
    const dir = project({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'sub/c.sh': 'echo c\n', 'sub/d.txt': 'd\n' });
    symlinkSync('a.txt', path.join(dir, 'link'));
    const files = ['a.txt', 'b.txt', 'sub/c.sh', 'sub/d.txt'];
    const oracle = Object.fromEntries(files.map((rel) => [rel, { text: readFileSync(path.join(dir, rel), 'utf8'), mode: statSync(path.join(dir, rel)).mode }]));
    const first = await openWorkspace({ project: dir, ...OPTS, run: 'restore' });
    const before = tree(first.dir);
    const w = (rel: string) => path.join(first.dir, rel);
    appendFileSync(w('a.txt'), 'x\n'); // in place
    writeFileSync(w('b.txt'), 'B\n', { flag: 'r+' }); // same size, in place
    rmSync(w('sub/d.txt'));
    chmodSync(w('sub/c.sh'), 0o777);
    rmSync(w('link'));
    writeFileSync(w('link'), 'not a link\n');
    writeFileSync(w('new.txt'), 'new\n');
    writeFileSync(w('data/out.csv'), '1\n');
    await first.dispose();
    const second = await openWorkspace({ project: dir, ...OPTS, run: 'restore' });
    expect(second.dir).toBe(first.dir); // kept and restored, not made anew
    expect(tree(second.dir)).toEqual(before);
    for (const rel of files) {
      expect(readFileSync(path.join(second.dir, rel), 'utf8'), rel).toBe(oracle[rel]!.text);
      expect(statSync(path.join(second.dir, rel)).mode, rel).toBe(oracle[rel]!.mode);
    }
    expect(readlinkSync(path.join(second.dir, 'link'))).toBe('a.txt');
    // A folder the step made: that workspace is removed, never handed on.
    mkdirSync(path.join(second.dir, 'made'));
    const secondDir = second.dir;
    await second.dispose();
    expect(existsSync(secondDir)).toBe(false);
    const third = await openWorkspace({ project: dir, ...OPTS, run: 'restore' });
    expect(tree(third.dir)).toEqual(before);
    await third.dispose();
    for (const rel of files) expect(readFileSync(path.join(dir, rel), 'utf8')).toBe(oracle[rel]!.text);
  });

  it('removes every folder a step made, however deep', async () => {
    const dir = project({ 'a/b/c.txt': 'c\n' });
    const ws = await openWorkspace({ project: dir, ...OPTS });
    mkdirSync(path.join(ws.dir, 'x/y/z/w'), { recursive: true });
    writeFileSync(path.join(ws.dir, 'x/y/z/w/f'), '1');
    symlinkSync(dir, path.join(ws.dir, 'x/to-project'));
    await ws.dispose();
    expect(existsSync(ws.dir)).toBe(false);
    expect(tree(dir)).toEqual(['a', 'a/b', 'a/b/c.txt']);
  });

  it('a stub workspace holds only the data folders', async () => {
    const dir = project({ 'a.py': '' });
    const ws = await openWorkspace({ project: dir, ...OPTS, dataFolders: ['data', 'other/d'], withProject: false });
    expect(tree(ws.dir)).toEqual(['data', 'other', 'other/d']);
    await ws.dispose();
  });

  it('refuses to mirror a folder larger than any image (dagc started from /tmp or a home folder), naming the ways out', async () => {
    const dir = project({});
    mkdirSync(path.join(dir, 'many'));
    for (let i = 0; i <= MAX_WORKSPACE_FILES; i++) writeFileSync(path.join(dir, 'many', `f${i}`), '');
    const opening = openWorkspace({ project: dir, ...OPTS });
    await expect(opening).rejects.toBeInstanceOf(ProjectTooLargeError);
    await expect(opening).rejects.toThrow(/\.dockerignore.*shared_workspace/);
    // Left out by .dockerignore, the same files cost nothing.
    writeFileSync(path.join(dir, '.dockerignore'), 'many\n');
    const ws = await openWorkspace({ project: dir, ...OPTS, leaveOut: [...OPTS.leaveOut, 'x'] });
    expect(tree(ws.dir)).toEqual(['.dockerignore', 'data']);
    await ws.dispose();
  });
});

describe('config', () => {
  it('shared_workspace is opt-in; the stores named by the config are left out', () => {
    expect(sharedWorkspace(DEFAULT_CONFIG)).toBe(false);
    expect(sharedWorkspace({ ...DEFAULT_CONFIG, executor: { type: 'local', config: { shared_workspace: true } } })).toBe(true);
    expect(storeFolders(DEFAULT_CONFIG)).toEqual(['.run_log_store', '.catalog']);
    const custom = { ...DEFAULT_CONFIG, run_log_store: { type: 'file-system', config: { log_folder: 'logs' } }, catalog: { type: 'do-nothing', config: {} } };
    expect(storeFolders(custom)).toEqual(['logs']);
  });
});
