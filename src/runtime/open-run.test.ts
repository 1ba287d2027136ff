import { describe, expect, it } from 'vitest';
import { initialParameters } from './open-run.js';

describe('initialParameters', () => {
  it('takes the parameters file, then DAGC_PRM_/MAGNUS_PRM_ variables (JSON, keys lower-cased)', () => {
    const env = { MAGNUS_PRM_Alpha: '1', DAGC_PRM_beta: '{"a": [1]}', DAGC_PRM_gamma: 'plain', DAGC_PRM_MAP_VARIABLE: '{}' };
    expect(initialParameters({ x: 3, alpha: 0 }, env)).toEqual({ x: 3, alpha: 1, beta: { a: [1] }, gamma: 'plain' });
  });
});
