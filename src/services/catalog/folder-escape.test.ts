// A compute data folder that is a symbolic link out of the project is refused by get and put (issue 19: a get
// followed it and wrote outside). The oracle: the folder outside stays empty, and a real folder still works.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileSystemCatalog } from './file-system.js';

describe('file-system catalog: a compute data folder linked outside the project', () => {
  it('get and put refuse it; a real folder works', async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'dagc-cat-escape-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'dagc-cat-outside-'));
    const catalog = createFileSystemCatalog({ cwd: project, catalogLocation: '.catalog', computeDataFolder: 'data' });
    mkdirSync(path.join(project, 'data'));
    writeFileSync(path.join(project, 'data', 'x.txt'), 'x');
    expect((await catalog.put({ runId: 'r', computeDataFolder: 'data', pattern: '*.txt' })).length).toBe(1);

    const ws = path.join(project, 'ws');
    mkdirSync(ws);
    symlinkSync(outside, path.join(ws, 'data'));
    await expect(catalog.get({ runId: 'r', computeDataFolder: 'data', pattern: '*.txt', workspace: ws })).rejects.toThrow('links outside');
    expect(readdirSync(outside)).toEqual([]);
    writeFileSync(path.join(outside, 'secret.txt'), 's');
    await expect(catalog.put({ runId: 'r2', computeDataFolder: 'data', pattern: '*.txt', workspace: ws })).rejects.toThrow('links outside');
    expect(existsSync(path.join(project, '.catalog', 'r2'))).toBe(false);
  });

  it("a run's catalog folder planted as a link out of the catalog: put, get, putContent and a re-run's copy refuse it", async () => {
    const project = mkdtempSync(path.join(tmpdir(), 'dagc-cat-escape-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'dagc-cat-outside-'));
    writeFileSync(path.join(outside, 'host-file.txt'), 'h');
    const catalog = createFileSystemCatalog({ cwd: project, catalogLocation: '.catalog', computeDataFolder: 'data' });
    mkdirSync(path.join(project, 'data'));
    writeFileSync(path.join(project, 'data', 'x.txt'), 'x');
    expect((await catalog.put({ runId: 'good', computeDataFolder: 'data', pattern: '*.txt' })).length).toBe(1);
    // What a step (or a container writing in the mounted project) could leave behind.
    symlinkSync(outside, path.join(project, '.catalog', 'planted'));
    await expect(catalog.put({ runId: 'planted', computeDataFolder: 'data', pattern: '*.txt' })).rejects.toThrow('links outside the catalog');
    await expect(catalog.putContent('planted', 'y.txt', 'y')).rejects.toThrow('links outside the catalog');
    await expect(catalog.get({ runId: 'planted', computeDataFolder: '.', pattern: '*.txt' })).rejects.toThrow('links outside the catalog');
    await expect(catalog.copyRun('planted', 'rerun')).rejects.toThrow('links outside the catalog');
    await expect(catalog.copyRun('good', 'planted')).rejects.toThrow('links outside the catalog');
    expect(readdirSync(outside)).toEqual(['host-file.txt']);
    expect(existsSync(path.join(project, '.catalog', 'rerun'))).toBe(false);
  });
});
