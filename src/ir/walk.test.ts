import { describe, expect, it } from 'vitest';
import { resolveInternalName } from './walk.js';

describe('resolveInternalName', () => {
  it('replaces placeholders left to right with String() of the values', () => {
    expect(resolveInternalName('M.map_variable_placeholder.P.a.N.map_variable_placeholder.x', [1, 'b'])).toBe('M.1.P.a.N.b.x');
  });
  it('leaves a step that is merely called like the placeholder alone', () => {
    expect(resolveInternalName('map_variable_placeholder', ['v'])).toBe('map_variable_placeholder');
  });
  it('keeps placeholders when fewer values are given', () => {
    expect(resolveInternalName('M.map_variable_placeholder.s', [])).toBe('M.map_variable_placeholder.s');
  });
});
