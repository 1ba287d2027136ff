// Masking a secret and its encodings; the oracle is Node's Buffer/encodeURIComponent applied to texts that embed
// the secret, never the list of forms the code computes.
import { describe, expect, it } from 'vitest';
import { maskSecrets, maskValues } from './types.js';

const SECRET = 'tok-9f8e7d6c5b4a/+=';

describe('maskSecrets', () => {
  it('masks the raw value and its whole encodings', () => {
    for (const text of [
      SECRET,
      Buffer.from(SECRET).toString('base64'),
      Buffer.from(`${SECRET}\n`).toString('base64'),
      Buffer.from(SECRET).toString('base64url'),
      Buffer.from(SECRET).toString('hex'),
      Buffer.from(SECRET).toString('hex').toUpperCase(),
      encodeURIComponent(SECRET),
    ])
      expect(maskSecrets(`before ${text} after`, [SECRET])).toBe('before ***** after');
  });

  it('masks the secret inside the base64 of a longer text, at every alignment', () => {
    for (const prefix of ['', 'B', 'Be', 'Bearer ', 'Bearer x']) {
      const encoded = Buffer.from(`${prefix}${SECRET} and more`).toString('base64');
      const masked = maskSecrets(encoded, [SECRET]);
      expect(masked).toContain('*****');
      // What is left cannot carry more than the few bytes at the edges of the secret.
      const left = masked.split('*****').join('');
      expect(left.length).toBeLessThan(encoded.length - 16);
    }
  });

  it('leaves short values and unrelated text alone', () => {
    expect(maskSecrets('ab and abc', ['ab'])).toBe('ab and abc');
    expect(maskSecrets('nothing here', [SECRET])).toBe('nothing here');
  });
});

describe('maskValues', () => {
  it('masks strings at any depth and names the top-level keys it changed', () => {
    const { values, masked } = maskValues({ a: SECRET, b: 1, c: { d: [`x${SECRET}`] }, e: 'fine' }, [SECRET]);
    expect(values).toEqual({ a: '*****', b: 1, c: { d: ['x*****'] }, e: 'fine' });
    expect(masked).toEqual(['a', 'c']);
  });

  it('keeps a key named __proto__ as data', () => {
    const input = JSON.parse(`{"__proto__": {"x": "${SECRET}"}}`) as Record<string, unknown>;
    const { values } = maskValues(input, [SECRET]);
    expect(Object.keys(values)).toEqual(['__proto__']);
    expect(JSON.stringify(values)).toBe('{"__proto__":{"x":"*****"}}');
  });
});
