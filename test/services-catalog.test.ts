// The catalog providers (spec §5, with dagc's decisions): real files in temp folders.
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog, CATALOG_PROVIDERS } from '../src/services/catalog/index.js';
import type { Catalog } from '../src/services/catalog/types.js';
import { CatalogError } from '../src/services/catalog/types.js';
import type { DataCatalogEntry } from '../src/services/run-log/types.js';
import { UserError } from '../src/cli/types.js';

const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

function write(root: string, rel: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), content);
}

/** Every file below dir, relative, sorted. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) visit(full);
      else out.push(path.relative(dir, full));
    }
  };
  visit(dir);
  return out.sort();
}

function put(name: string, content: string, runId = 'run1'): DataCatalogEntry {
  return {
    name,
    data_hash: sha(content),
    catalog_relative_path: `${runId}/${name}`,
    catalog_handler_location: '.catalog',
    stage: 'put',
  };
}

async function caught(promise: Promise<unknown>): Promise<CatalogError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return error as CatalogError;
  }
  throw new Error('expected a CatalogError');
}

describe('file-system catalog', () => {
  let cwd: string;
  let catalog: Catalog;
  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'dagc-catalog-'));
    catalog = createCatalog({ type: 'file-system', config: {} }, { cwd });
    write(cwd, 'data/b.txt', 'bee');
    write(cwd, 'data/a.txt', 'ay');
    write(cwd, 'data/.hidden.txt', 'hidden');
    write(cwd, 'data/sub/c.txt', 'sea');
    write(cwd, 'data/sub/d.csv', 'd,e');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('has the magnus defaults', () => {
    expect([catalog.name, catalog.location, catalog.computeDataFolder]).toEqual([
      'file-system',
      '.catalog',
      'data',
    ]);
  });

  it('puts matching files, named relative to the working directory, sorted', async () => {
    const entries = await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.txt' });
    // `*` matches hidden files and does not cross '/' (pathlib glob semantics).
    expect(entries).toEqual([
      put('data/.hidden.txt', 'hidden'),
      put('data/a.txt', 'ay'),
      put('data/b.txt', 'bee'),
    ]);
    expect(tree(path.join(cwd, '.catalog'))).toEqual([
      'run1/data/.hidden.txt',
      'run1/data/a.txt',
      'run1/data/b.txt',
    ]);
    expect(readFileSync(path.join(cwd, '.catalog/run1/data/b.txt'), 'utf8')).toBe('bee');
  });

  it('recurses with ** and matches only files', async () => {
    expect(
      (await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*.csv' })).map(
        (e) => e.name,
      ),
    ).toEqual(['data/sub/d.csv']);
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub' })).toEqual([]);
    expect(
      (await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*' })).map((e) => e.name),
    ).toEqual(['data/.hidden.txt', 'data/a.txt', 'data/b.txt', 'data/sub/c.txt', 'data/sub/d.csv']);
  });

  it('puts nothing, without error, when nothing matches or the folder is missing', async () => {
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.parquet' })).toEqual([]);
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'nowhere', pattern: '*' })).toEqual([]);
    expect(existsSync(path.join(cwd, '.catalog'))).toBe(false);
  });

  it('uses a step compute data folder', async () => {
    write(cwd, 'other/x.csv', 'x');
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'other', pattern: '*.csv' })).toEqual([
      put('other/x.csv', 'x'),
    ]);
  });

  it('gets files back from the run catalog into the compute data folder', async () => {
    await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*.txt' });
    rmSync(path.join(cwd, 'data'), { recursive: true });
    const entries = await catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub/*' });
    // magnus records a get with the path relative to the run's compute data folder (f81dcf8 three-local.json).
    expect(entries).toEqual([
      {
        name: 'sub/c.txt',
        data_hash: sha('sea'),
        catalog_relative_path: 'sub/c.txt',
        catalog_handler_location: '.catalog',
        stage: 'get',
      },
    ]);
    expect(tree(path.join(cwd, 'data'))).toEqual(['sub/c.txt']);
    expect(readFileSync(path.join(cwd, 'data/sub/c.txt'), 'utf8')).toBe('sea');
  });

  it('fails a get that finds nothing, saying what was looked for where', async () => {
    const missing = await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '*.txt' }));
    expect(missing.message).toBe(
      'nothing in .catalog/run1/data matches "*.txt" (the catalog of run run1): an earlier step must put it there',
    );
    expect(missing.hint).toBe(
      'an earlier step must put it: list "*.txt" under that step\'s catalog: put: (with compute_data_folder "data")',
    );
    await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'a.txt' });
    const nomatch = await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '*.csv' }));
    expect(nomatch.message).toBe(
      'nothing in .catalog/run1/data matches "*.csv" (the catalog of run run1): an earlier step must put it there',
    );
  });

  it('hashes large files correctly (streamed) and keeps permissions', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 17, 'xyz');
    write(cwd, 'data/big.bin', big);
    write(cwd, 'data/run.sh', '#!/bin/sh\n');
    chmodSync(path.join(cwd, 'data/run.sh'), 0o755);
    const entries = await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.{bin,sh}' });
    expect(entries).toEqual([]); // no brace expansion: pathlib has none
    const [bin, sh] = [
      ...(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.bin' })),
      ...(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.sh' })),
    ];
    expect(bin?.data_hash).toBe(sha(big));
    expect(sh?.data_hash).toBe(sha('#!/bin/sh\n'));
    expect(statSync(path.join(cwd, '.catalog/run1/data/run.sh')).mode & 0o777).toBe(0o755);
  });

  it('stores content under a name (captured step output)', async () => {
    const entry = await catalog.putContent('run1', 'prepare', 'hello\n');
    expect(entry).toEqual(put('prepare', 'hello\n'));
    expect(readFileSync(path.join(cwd, '.catalog/run1/prepare'), 'utf8')).toBe('hello\n');
    expect(await catalog.putContent('run1', 'empty', '')).toEqual({
      ...put('empty', ''),
      data_hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    });
  });

  it('copies a previous run catalog recursively (re-runs)', async () => {
    await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*' });
    await catalog.putContent('run1', 'prepare', 'out');
    await catalog.copyRun('run1', 'run2');
    const first = tree(path.join(cwd, '.catalog/run1'));
    expect(tree(path.join(cwd, '.catalog/run2'))).toEqual(first);
    expect(first).toContain('data/sub/d.csv');
    expect(readFileSync(path.join(cwd, '.catalog/run2/data/sub/d.csv'), 'utf8')).toBe('d,e');
    // The copy is what a re-run's gets read.
    rmSync(path.join(cwd, 'data'), { recursive: true });
    expect((await catalog.get({ runId: 'run2', computeDataFolder: 'data', pattern: '*.txt' })).length).toBe(
      3,
    );
  });

  it('says clearly when the previous run has no catalog', async () => {
    const error = await caught(catalog.copyRun('gone', 'run2'));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe('Catalogs from previous run gone are not found in .catalog/gone');
    expect(error.hint).toBe(
      "a re-run starts from the earlier run's catalog: use the same catalog config (-c) as run gone, or re-run without --use-cached",
    );
  });

  it('resolves a relative catalog_location against cwd and records it as configured', async () => {
    const custom = createCatalog(
      { type: 'file-system', config: { catalog_location: 'store/cat', compute_data_folder: 'data' } },
      { cwd },
    );
    const [entry] = await custom.put({ runId: 'r', computeDataFolder: 'data', pattern: 'a.txt' });
    expect(entry?.catalog_handler_location).toBe('store/cat');
    expect(existsSync(path.join(cwd, 'store/cat/r/data/a.txt'))).toBe(true);
  });

  describe('never leaves its folders', () => {
    it('rejects absolute and climbing patterns', async () => {
      for (const pattern of ['/etc/*', '../*', 'sub/../../x', '..', 'C:\\x'])
        expect(
          (await caught(catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern }))).message,
        ).toBe(`catalog pattern "${pattern}" leaves its folder`);
      await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '../../*' }));
      await caught(catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '' }));
    });

    it('rejects compute data folders outside the working directory', async () => {
      for (const folder of ['/tmp', '..', '../x', 'data/../../x'])
        expect(
          (await caught(catalog.put({ runId: 'run1', computeDataFolder: folder, pattern: '*' }))).message,
        ).toBe(`compute data folder "${folder}" is not inside the working directory`);
      expect(() =>
        createCatalog({ type: 'file-system', config: { compute_data_folder: '/abs' } }, { cwd }),
      ).toThrow(CatalogError);
    });

    it('rejects symbolic links that resolve outside', async () => {
      const outside = mkdtempSync(path.join(tmpdir(), 'dagc-outside-'));
      try {
        writeFileSync(path.join(outside, 'secret.txt'), 'x');
        symlinkSync(path.join(outside, 'secret.txt'), path.join(cwd, 'data/link.txt'));
        const error = await caught(
          catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'link.txt' }),
        );
        expect(error.message).toBe(
          `"data/link.txt" is a symbolic link to ${path.join(outside, 'secret.txt')}, outside ${path.join(cwd, 'data')}`,
        );
        rmSync(path.join(cwd, 'data/link.txt'));
        symlinkSync(outside, path.join(cwd, 'data/linked-dir'));
        await caught(catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*.txt' }));
        // A get must not write through a linked sub-folder either.
        await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub/c.txt' });
        rmSync(path.join(cwd, 'data/sub'), { recursive: true });
        symlinkSync(outside, path.join(cwd, 'data/sub'));
        await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub/c.txt' }));
        expect(readdirSync(outside)).toEqual(['secret.txt']);
      } finally {
        rmSync(outside, { recursive: true, force: true });
      }
    });

    it('accepts links that stay inside', async () => {
      symlinkSync('a.txt', path.join(cwd, 'data/alias.txt'));
      expect(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'alias.txt' })).toEqual([
        put('data/alias.txt', 'ay'),
      ]);
    });

    it('rejects names and run ids that climb', async () => {
      await caught(catalog.putContent('run1', '../x', 'y'));
      await caught(catalog.putContent('run1', '/abs', 'y'));
      await expect(
        catalog.put({ runId: '../up', computeDataFolder: 'data', pattern: '*' }),
      ).rejects.toBeInstanceOf(UserError);
      await expect(catalog.copyRun('run1', '..')).rejects.toBeInstanceOf(UserError);
    });
  });
});

describe('do-nothing catalog', () => {
  it('moves nothing and records nothing', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'dagc-catalog-'));
    try {
      write(cwd, 'data/a.txt', 'a');
      const catalog = createCatalog({ type: 'do-nothing', config: {} }, { cwd });
      expect(catalog.name).toBe('do-nothing');
      expect(await catalog.put({ runId: 'r', computeDataFolder: 'data', pattern: '*' })).toEqual([]);
      expect(await catalog.get({ runId: 'r', computeDataFolder: 'data', pattern: '*' })).toEqual([]);
      await catalog.copyRun('old', 'r');
      await catalog.putContent('r', 'out', 'x');
      expect(tree(cwd)).toEqual(['data/a.txt']);
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
  });
});

describe('catalog registry', () => {
  it('names each provider once', () => {
    const names = CATALOG_PROVIDERS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 2)).toEqual(['do-nothing', 'file-system']);
    expect(CATALOG_PROVIDERS.every((p) => p.service === 'catalog')).toBe(true);
  });

  it('rejects an unknown type with a did-you-mean hint', () => {
    const known = `known catalog types: ${CATALOG_PROVIDERS.map((p) => p.name).join(', ')}`;
    expect(() => createCatalog({ type: 'file-sytem', config: {} }, { cwd: '/' })).toThrow(
      new UserError('unknown catalog type "file-sytem"', `did you mean "file-system"? (${known})`),
    );
    expect(() => createCatalog({ type: 'gcs-bucket-thing', config: {} }, { cwd: '/' })).toThrow(
      new UserError('unknown catalog type "gcs-bucket-thing"', known),
    );
  });
});
