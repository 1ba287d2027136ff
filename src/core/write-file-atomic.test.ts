import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256, sha256File, sha256PassThrough } from './sha256.js';
import { isAtomicTempName, replaceAtomically, stageFileAtomic, tempNameFor, writeFileAtomic } from './write-file-atomic.js';
import { pipeline } from 'node:stream/promises';
import { createHash } from 'node:crypto';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dagc-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('replaces a file, creating folders by default, with the mode asked for', async () => {
    const file = path.join(dir, 'a', 'b', 'f.txt');
    await writeFileAtomic(file, 'one');
    await writeFileAtomic(file, 'two', 0o750);
    expect(await readFile(file, 'utf8')).toBe('two');
    expect((await stat(file)).mode & 0o777).toBe(0o750);
    expect(await readdir(path.dirname(file))).toEqual(['f.txt']);
  });

  it('fails with ENOENT in a missing folder when asked not to create it (run log stores)', async () => {
    const file = path.join(dir, 'missing', 'f.json');
    await expect(writeFileAtomic(file, '{}', { createFolders: false })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('leaves the old content and no temp file when the write fails', async () => {
    const file = path.join(dir, 'f.txt');
    await writeFile(file, 'old');
    await expect(
      replaceAtomically(file, async (temp) => {
        await writeFile(temp, 'half');
        throw new Error('disk full');
      }),
    ).rejects.toThrow('disk full');
    expect(await readFile(file, 'utf8')).toBe('old');
    expect(await readdir(dir)).toEqual(['f.txt']);
  });

  it('stages a write: the temp file holds it, the file is replaced on commit, and a discard leaves the old one', async () => {
    const file = path.join(dir, 'f.txt');
    await writeFile(file, 'old');
    const kept = stageFileAtomic(file, 'new', 0o640);
    const names = await readdir(dir);
    expect(names.length).toBe(2);
    const temp = names.find((n) => n !== 'f.txt')!;
    expect(isAtomicTempName(temp)).toBe(true);
    expect(await readFile(path.join(dir, temp), 'utf8')).toBe('new');
    expect(await readFile(file, 'utf8')).toBe('old');
    kept.commit();
    expect(await readdir(dir)).toEqual(['f.txt']);
    expect(await readFile(file, 'utf8')).toBe('new');
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    kept.discard(); // after a commit: nothing to remove
    expect(await readFile(file, 'utf8')).toBe('new');
    const dropped = stageFileAtomic(file, 'newer');
    dropped.discard();
    expect(await readdir(dir)).toEqual(['f.txt']);
    expect(await readFile(file, 'utf8')).toBe('new');
    expect(() => dropped.commit()).toThrow(/committed or discarded already/);
  });

  it('names temps so that listings recognise them, and nothing else', () => {
    const temp = path.basename(tempNameFor(path.join(dir, 'data.csv')));
    expect(isAtomicTempName(temp)).toBe(true);
    expect(isAtomicTempName('data.csv')).toBe(false);
    expect(isAtomicTempName('.hidden')).toBe(false);
  });
});

describe('sha256', () => {
  // The oracle is node's own one-shot hash of the whole buffer.
  const data = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) % 251));
  const expected = createHash('sha256').update(data).digest('hex');

  it('hashes a file as a stream, and a stream flowing through a pipeline, as one-shot hashing does', async () => {
    const file = path.join(dir, 'data.bin');
    await writeFile(file, data);
    expect(await sha256File(file)).toBe(expected);
    const hashing = sha256PassThrough();
    const chunks: Buffer[] = [];
    await pipeline(Readable.from([data.subarray(0, 1000), data.subarray(1000)]), hashing.stream, async (source: AsyncIterable<Buffer>) => {
      for await (const c of source) chunks.push(c);
    });
    expect(hashing.digest()).toBe(expected);
    expect(Buffer.concat(chunks).equals(data)).toBe(true);
    expect(sha256(data)).toBe(expected);
    // The empty string's sha256 (FIPS 180-2 test vector).
    expect(sha256('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
