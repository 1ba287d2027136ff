// The workspace one attempt runs in: the project as the image holds it, empty data folders, nothing shared
// between attempts, and a write into a project file through the workspace found.
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/types.js';
import { MAX_WORKSPACE_FILES, ProjectTooLargeError, openWorkspace, sharedWorkspace, storeFolders } from './workspace.js';

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
    expect(existsSync(ws.dir)).toBe(false);
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

  it('replacing or removing a project file touches only the workspace; writing into one is reported', async () => {
    const dir = project({ 'a.txt': 'a\n', 'b.txt': 'b\n', 'c.txt': 'c\n' });
    const ws = await openWorkspace({ project: dir, ...OPTS });
    // rm + create (what `sed -i`, editors and `mv` do) replaces the link, never the project's file.
    const { rmSync } = await import('node:fs');
    rmSync(path.join(ws.dir, 'a.txt'));
    writeFileSync(path.join(ws.dir, 'a.txt'), 'replaced\n');
    rmSync(path.join(ws.dir, 'b.txt'));
    expect(await ws.changedProjectFiles()).toEqual([]);
    appendFileSync(path.join(ws.dir, 'c.txt'), 'more\n');
    expect(await ws.changedProjectFiles()).toEqual(['c.txt']);
    await ws.dispose();
    expect(readFileSync(path.join(dir, 'a.txt'), 'utf8')).toBe('a\n');
    expect(existsSync(path.join(dir, 'b.txt'))).toBe(true);
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
