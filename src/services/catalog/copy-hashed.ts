// Copies one file and returns its sha256 (spec §5: data_hash is sha256, not sha1 as magnus's docs said), reading
// the source once as a stream: data files may be larger than memory. The copy is atomic (temp + rename), so a
// reader never sees half a file, and keeps the source's permission bits (scripts stay executable).
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from '../../core/fs-async.js';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { sha256PassThrough } from '../../core/sha256.js';
import { replaceAtomically } from '../../core/write-file-atomic.js';

/** Writes a stream to `destination` atomically (temp + rename) and resolves to its sha256. */
export function writeHashed(source: Readable, destination: string, mode?: number): Promise<string> {
  return replaceAtomically(
    destination,
    async (temp) => {
      const hashing = sha256PassThrough();
      await pipeline(source, hashing.stream, createWriteStream(temp, { flags: 'wx' }));
      return hashing.digest();
    },
    { mode },
  );
}

export async function copyHashed(source: string, destination: string): Promise<string> {
  const mode = (await stat(source)).mode & 0o777;
  return writeHashed(createReadStream(source), destination, mode);
}
