import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dotString, toDot } from './to-dot.js';
import { LINEAR, NESTED } from './diagram-fixtures.js';

// Graphviz is not a dependency; when `dot` is on this machine the goldens are also checked by it.
const HAS_DOT = spawnSync('dot', ['-V']).status === 0;

describe('toDot', () => {
  it('draws a chain with a stub and an on_failure edge', async () => {
    await expect(toDot(LINEAR)).toMatchFileSnapshot('./__goldens__/linear.dot');
  });

  it('draws nested composites as clusters and escapes every name', async () => {
    await expect(toDot(NESTED)).toMatchFileSnapshot('./__goldens__/nested.dot');
  });

  it('is deterministic', () => {
    expect(toDot(NESTED)).toBe(toDot(NESTED));
  });

  it('doubles backslashes, escapes quotes and flattens control characters', () => {
    expect(dotString('a "b" \\N c')).toBe('"a \\"b\\" \\\\N c"');
    expect(dotString('line\nbreak')).toBe('"line break"');
    expect(dotString('<html> & {braces} -> ;')).toBe('"<html> & {braces} -> ;"');
  });

  it.skipIf(!HAS_DOT)('is accepted by graphviz without warnings', () => {
    for (const p of [LINEAR, NESTED]) {
      const r = spawnSync('dot', ['-Tsvg'], { input: toDot(p), encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });
});
if (!HAS_DOT) console.warn('[skip] graphviz check of the DOT goldens: `dot` is not installed');
