// The JavaScript SHA-256 against node:crypto's (the oracle), on the padding's edge lengths, UTF-8 text and
// random bytes, and sha256() on both sides of the length where it hands over to node:crypto.
import { describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { sha256Bytes } from './sha256-js.js';
import { sha256 } from './sha256.js';

const oracle = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('sha256 in JavaScript', () => {
  it('gives the FIPS 180-4 test vectors', () => {
    expect(sha256Bytes(Buffer.from('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256Bytes(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('equals node:crypto at every length around the block and padding edges', () => {
    for (let n = 0; n <= 300; n++) {
      const data = randomBytes(n);
      expect(sha256Bytes(data), `length ${n}`).toBe(oracle(data));
    }
    for (const n of [1000, 4095, 4096, 65_535, 65_536, 200_000]) {
      const data = randomBytes(n);
      expect(sha256Bytes(data), `length ${n}`).toBe(oracle(data));
    }
  });

  it('sha256() hashes text as UTF-8, below and above the hand-over length', () => {
    for (const text of ['', 'hello\n', 'é😀 ü 日本', 'x'.repeat(64 * 1024), 'é'.repeat(40_000), 'y'.repeat(64 * 1024 + 1)]) {
      expect(sha256(text)).toBe(oracle(text));
      expect(sha256(Buffer.from(text))).toBe(oracle(Buffer.from(text)));
    }
  });
});
