import { describe, expect, it } from 'vitest';
import { toSafeFileName } from './safe-file-name.js';

describe('toSafeFileName', () => {
  it('keeps plain lower-case names as they are', () => {
    expect(toSafeFileName('prepare')).toBe('prepare');
    expect(toSafeFileName('fan.a.work_1-x')).toBe('fan.a.work_1-x');
  });

  it('hashes anything else into a readable, distinct name', () => {
    const names = [
      'Prepare',
      'prepare ',
      'map.v1.2/x.train',
      'map.v1.2 x.train',
      'ünï ☃',
      '..',
      '.hidden',
      'a\\b',
      'A',
      'a~',
    ];
    const files = names.map(toSafeFileName);
    expect(new Set(files).size).toBe(names.length);
    for (const f of files) {
      expect(f).toMatch(/^[a-z0-9_.-]*~[0-9a-f]{16}$/);
      expect(f.startsWith('.')).toBe(false);
      expect(f).not.toContain('/');
    }
    expect(toSafeFileName('Acquire data')).toBe(`acquire_data~${toSafeFileName('Acquire data').slice(-16)}`);
    expect(toSafeFileName('map.v1.2/x.train')).toMatch(/^map.v1.2_x.train~/);
  });

  it('is stable and never equal to a plain name', () => {
    expect(toSafeFileName('Step One')).toBe(toSafeFileName('Step One'));
    expect(toSafeFileName('Step One')).not.toBe(toSafeFileName('step one'));
  });

  it('keeps names under 200 bytes', () => {
    for (const name of ['x'.repeat(151), 'é'.repeat(500), `${'a.'.repeat(300)}b`]) {
      const file = toSafeFileName(name);
      expect(Buffer.byteLength(`${file}.json`)).toBeLessThan(200);
      expect(file).toMatch(/~[0-9a-f]{16}$/);
    }
    expect(toSafeFileName('x'.repeat(150))).toBe('x'.repeat(150));
  });
});
