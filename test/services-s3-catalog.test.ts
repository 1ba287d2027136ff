// The s3 catalog against a real S3-protocol server on loopback (s3rver): the file-system catalog's contract
// (test/services-catalog.test.ts) call for call, with the bucket listed where that test lists the folder.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createCatalog, CATALOG_PROVIDERS } from '../src/services/catalog/index.js';
import { globToRegExp } from '../src/services/catalog/s3.js';
import type { Catalog } from '../src/services/catalog/types.js';
import { CatalogError } from '../src/services/catalog/types.js';
import type { DataCatalogEntry } from '../src/services/run-log/types.js';
import { openObjectStore, s3Settings } from '../src/services/s3-client.js';
import type { ObjectStore } from '../src/services/s3-client.js';
import { UserError } from '../src/cli/types.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';

const sha = (content: string | Buffer) => createHash('sha256').update(content).digest('hex');

function write(root: string, rel: string, content: string | Buffer): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), content);
}

function tree(dir: string): string[] {
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

async function caught(promise: Promise<unknown>): Promise<CatalogError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(CatalogError);
    return error as CatalogError;
  }
  throw new Error('expected a CatalogError');
}

let server: S3TestServer;
let counter = 0;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => server.close());

describe('s3 catalog', () => {
  let cwd: string;
  let prefix: string;
  let catalog: Catalog;
  let objects: ObjectStore;
  const location = () => `s3://dagc-test/${prefix}`;
  const put = (name: string, content: string, runId = 'run1'): DataCatalogEntry => ({
    name,
    data_hash: sha(content),
    catalog_relative_path: `${runId}/${name}`,
    catalog_handler_location: location(),
    stage: 'put',
  });
  /** The bucket's keys under this test's prefix, like tree() of the catalog folder. */
  const keys = async (under = '') => (await objects.list(under)).sort();

  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'dagc-s3-catalog-'));
    prefix = `catalog-${++counter}/`;
    catalog = createCatalog({ type: 's3', config: server.config(prefix) }, { cwd });
    objects = openObjectStore(s3Settings('catalog', server.config(prefix)));
    write(cwd, 'data/b.txt', 'bee');
    write(cwd, 'data/a.txt', 'ay');
    write(cwd, 'data/.hidden.txt', 'hidden');
    write(cwd, 'data/sub/c.txt', 'sea');
    write(cwd, 'data/sub/d.csv', 'd,e');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('has the magnus defaults and says where it is', () => {
    expect([catalog.name, catalog.location, catalog.computeDataFolder]).toEqual(['s3', location(), 'data']);
  });

  it('puts matching files, named relative to the working directory, sorted', async () => {
    const entries = await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.txt' });
    expect(entries).toEqual([put('data/.hidden.txt', 'hidden'), put('data/a.txt', 'ay'), put('data/b.txt', 'bee')]);
    expect(await keys()).toEqual(['run1/data/.hidden.txt', 'run1/data/a.txt', 'run1/data/b.txt']);
    expect((await objects.getText('run1/data/b.txt'))?.text).toBe('bee');
  });

  it('recurses with ** and matches only files', async () => {
    expect((await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*.csv' })).map((e) => e.name)).toEqual([
      'data/sub/d.csv',
    ]);
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub' })).toEqual([]);
    expect((await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*' })).map((e) => e.name)).toEqual([
      'data/.hidden.txt',
      'data/a.txt',
      'data/b.txt',
      'data/sub/c.txt',
      'data/sub/d.csv',
    ]);
  });

  it('puts nothing, without error, when nothing matches or the folder is missing', async () => {
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.parquet' })).toEqual([]);
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'nowhere', pattern: '*' })).toEqual([]);
    expect(await keys()).toEqual([]);
  });

  it('gets files back from the run catalog into the compute data folder', async () => {
    await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*.txt' });
    rmSync(path.join(cwd, 'data'), { recursive: true });
    const entries = await catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub/*' });
    expect(entries).toEqual([
      { name: 'sub/c.txt', data_hash: sha('sea'), catalog_relative_path: 'sub/c.txt', catalog_handler_location: location(), stage: 'get' },
    ]);
    expect(tree(path.join(cwd, 'data'))).toEqual(['sub/c.txt']);
    expect(readFileSync(path.join(cwd, 'data/sub/c.txt'), 'utf8')).toBe('sea');
    // `*` stays in its segment and matches hidden names; `**` crosses segments.
    expect((await catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '*' })).map((e) => e.name)).toEqual([
      '.hidden.txt',
      'a.txt',
      'b.txt',
    ]);
    expect((await catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*.txt' })).map((e) => e.name)).toEqual([
      '.hidden.txt',
      'a.txt',
      'b.txt',
      'sub/c.txt',
    ]);
  });

  it('fails a get that finds nothing, saying what was looked for where', async () => {
    const missing = await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '*.txt' }));
    expect(missing.message).toBe(
      `nothing in ${location()}run1/data matches "*.txt" (the catalog of run run1): an earlier step must put it there`,
    );
    expect(missing.hint).toBe(
      'an earlier step must put it: list "*.txt" under that step\'s catalog: put: (with compute_data_folder "data")',
    );
    await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'a.txt' });
    await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '*.csv' }));
  });

  it('hashes large files correctly (streamed both ways)', async () => {
    const big = Buffer.alloc(5 * 1024 * 1024 + 17, 'xyz');
    write(cwd, 'data/big.bin', big);
    expect(await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.{bin,sh}' })).toEqual([]);
    const [bin] = await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '*.bin' });
    expect(bin?.data_hash).toBe(sha(big));
    rmSync(path.join(cwd, 'data/big.bin'));
    const [back] = await catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: 'big.bin' });
    expect(back?.data_hash).toBe(sha(big));
    expect(readFileSync(path.join(cwd, 'data/big.bin')).equals(big)).toBe(true);
  });

  it('stores content under a name (captured step output)', async () => {
    expect(await catalog.putContent('run1', 'prepare', 'hello\n')).toEqual(put('prepare', 'hello\n'));
    expect((await objects.getText('run1/prepare'))?.text).toBe('hello\n');
  });

  it('copies a previous run catalog recursively (re-runs)', async () => {
    await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: '**/*' });
    await catalog.putContent('run1', 'prepare', 'out');
    await catalog.copyRun('run1', 'run2');
    const first = (await keys('run1/')).map((k) => k.slice('run1/'.length));
    expect((await keys('run2/')).map((k) => k.slice('run2/'.length))).toEqual(first);
    expect(first).toContain('data/sub/d.csv');
    rmSync(path.join(cwd, 'data'), { recursive: true });
    expect((await catalog.get({ runId: 'run2', computeDataFolder: 'data', pattern: '*.txt' })).length).toBe(3);
  });

  it('says clearly when the previous run has no catalog', async () => {
    const error = await caught(catalog.copyRun('gone', 'run2'));
    expect(error.message).toBe(`Catalogs from previous run gone are not found in ${location()}gone`);
  });

  it('never leaves its folders', async () => {
    for (const pattern of ['/etc/*', '../*', 'sub/../../x', '..', 'C:\\x'])
      expect((await caught(catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern }))).message).toBe(
        `catalog pattern "${pattern}" leaves its folder`,
      );
    await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: '../../*' }));
    for (const folder of ['/tmp', '..', '../x', 'data/../../x'])
      await caught(catalog.put({ runId: 'run1', computeDataFolder: folder, pattern: '*' }));
    await caught(catalog.putContent('run1', '../x', 'y'));
    await expect(catalog.put({ runId: '../up', computeDataFolder: 'data', pattern: '*' })).rejects.toBeInstanceOf(UserError);
    const outside = mkdtempSync(path.join(tmpdir(), 'dagc-outside-'));
    try {
      writeFileSync(path.join(outside, 'secret.txt'), 'x');
      symlinkSync(path.join(outside, 'secret.txt'), path.join(cwd, 'data/link.txt'));
      await caught(catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'link.txt' }));
      rmSync(path.join(cwd, 'data/link.txt'));
      await catalog.put({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub/c.txt' });
      rmSync(path.join(cwd, 'data/sub'), { recursive: true });
      symlinkSync(outside, path.join(cwd, 'data/sub'));
      await caught(catalog.get({ runId: 'run1', computeDataFolder: 'data', pattern: 'sub/c.txt' }));
      expect(readdirSync(outside)).toEqual(['secret.txt']);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('s3 catalog config', () => {
  it('names missing and unknown keys', () => {
    expect(() => createCatalog({ type: 's3', config: {} }, { cwd: '/' })).toThrow(
      new UserError(
        'catalog: {type: s3, config: …} is missing the required key "bucket"',
        'add bucket: <name of an existing S3 bucket> (and optionally prefix: runs/)',
      ),
    );
    expect(() => createCatalog({ type: 's3', config: { bucket: 'ok-bucket', bucket_name: 'x' } }, { cwd: '/' })).toThrow(
      'unknown key "bucket_name" in catalog: {type: s3, config: …}',
    );
    expect(() => createCatalog({ type: 's3', config: { bucket: 'Bad_Bucket' } }, { cwd: '/' })).toThrow(UserError);
    expect(CATALOG_PROVIDERS.map((p) => p.name)).toContain('s3');
  });
});

describe('catalog glob on keys', () => {
  it('follows the pathlib rules the file-system catalog gets from tinyglobby', () => {
    const m = (pattern: string, key: string) => globToRegExp(pattern).test(key);
    expect([m('*.txt', 'a.txt'), m('*.txt', '.h.txt'), m('*.txt', 'sub/a.txt')]).toEqual([true, true, false]);
    expect([m('**/*.txt', 'a.txt'), m('**/*.txt', 'x/y/a.txt'), m('sub/**', 'sub/x/y')]).toEqual([true, true, true]);
    expect([m('?.csv', 'a.csv'), m('?.csv', 'ab.csv'), m('[ab].txt', 'b.txt'), m('[!ab].txt', 'b.txt')]).toEqual([
      true,
      false,
      true,
      false,
    ]);
    expect([m('*.{bin,sh}', 'a.sh'), m('a+b(c).txt', 'a+b(c).txt')]).toEqual([false, true]);
  });
});
