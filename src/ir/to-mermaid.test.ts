import { describe, expect, it } from 'vitest';
import { toMermaid, mermaidString } from './to-mermaid.js';
import { LINEAR, NESTED } from './diagram-fixtures.js';

describe('toMermaid', () => {
  it('draws a chain with a stub and an on_failure edge', async () => {
    await expect(toMermaid(LINEAR)).toMatchFileSnapshot('./__goldens__/linear.mmd');
  });

  it('draws nested composites and escapes every name', async () => {
    await expect(toMermaid(NESTED)).toMatchFileSnapshot('./__goldens__/nested.mmd');
  });

  it('is deterministic', () => {
    expect(toMermaid(NESTED)).toBe(toMermaid(NESTED));
  });

  it('writes quotes, #, HTML characters and backticks as entities, control characters as spaces', () => {
    expect(mermaidString('a "b" #c; <d> & `e`')).toBe('"a #quot;b#quot; #35;c; #lt;d#gt; #amp; #96;e#96;"');
    expect(mermaidString('line\nbreak\ttab')).toBe('"line break tab"');
  });
});
