// Copies one file and returns its sha256 (spec §5: data_hash is sha256, not sha1 as magnus's docs said), reading
// the source once as a stream: data files may be larger than memory. The copy is atomic (temp + rename), so a
// reader never sees half a file, and keeps the source's permission bits (scripts stay executable).
import { createHash } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempNameFor } from '../fs-util.js';

function hashing(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

export async function copyHashed(source: string, destination: string): Promise<string> {
  await mkdir(path.dirname(destination), { recursive: true });
  const temp = tempNameFor(destination);
  const hash = createHash('sha256');
  try {
    await pipeline(createReadStream(source), hashing(hash), createWriteStream(temp, { flags: 'wx' }));
    await chmod(temp, (await stat(source)).mode & 0o777);
    await rename(temp, destination);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  return hash.digest('hex');
}

export function sha256(content: Buffer | string): string {
  return createHash('sha256').update(content).digest('hex');
}
