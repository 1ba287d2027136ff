// sha256 in hex, of a string, a file or a stream as it flows (the catalog's data_hash, spec §5: sha256, streamed,
// because data files may be larger than memory), and the short name hashes built on it.
import { nodeCrypto } from './lazy-crypto.js';
import { sha256Bytes } from './sha256-js.js';
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import type * as NodeStream from 'node:stream';
import type { Transform } from 'node:stream';

/** Inputs up to this many bytes are hashed in JavaScript (core/sha256-js.ts), sparing node:crypto's load. */
const SMALL = 64 * 1024;

export function sha256(content: string | Buffer): string {
  if (content.length <= SMALL) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
    if (bytes.length <= SMALL) return sha256Bytes(bytes);
  }
  return nodeCrypto().createHash('sha256').update(content).digest('hex');
}

/** The sha256 of a file, read as a stream. */
export async function sha256File(file: string): Promise<string> {
  const hash = nodeCrypto().createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * A pass-through stream that hashes what flows through it, to put in a pipeline between a source and its
 * destination: the data is read once. `digest()` once the pipeline has finished.
 */
export function sha256PassThrough(): { readonly stream: Transform; digest(): string } {
  const hash = nodeCrypto().createHash('sha256');
  // node:stream is loaded here, not when this module is: the name hashes above are most of its callers, and
  // `dagc compile` loads no stream module otherwise (issue 16, test/entrypoint-modules.test.ts).
  const streams = createRequire(import.meta.url)('node:stream') as typeof NodeStream;
  const stream = new streams.Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}
