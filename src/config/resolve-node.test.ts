import { describe, expect, it } from 'vitest';
import { UnknownOverrideError, resolveNodeConfig } from './resolve-node.js';
import type { Node } from '../ir/types.js';

const node = (overrides: Node['overrides']): Node => ({
  type: 'stub',
  spelledAs: 'stub',
  name: 's',
  internalName: 's',
  next: 'success',
  commandConfig: {},
  overrides,
  source: { file: 'p.yaml', start: { line: 1, column: 1 }, pointer: '/dag/steps/s' },
});

describe('resolveNodeConfig', () => {
  it('returns the global config without placeholders and overrides when the node says nothing', () => {
    const executor = { type: 'local', config: { a: 1, placeholders: { p: { b: 2 } }, overrides: { o: { c: 3 } } } };
    expect(resolveNodeConfig(node({}), executor)).toEqual({ a: 1 });
  });

  it('applies magnus 2022 mode_config with placeholders (spec §2.3 worked example)', () => {
    const executor = { type: 'local-container', config: { k1: 'v1', k3: 'v3', placeholders: { k2: { gpu: true, image: 'x' } } } };
    const resolved = resolveNodeConfig(node({ 'local-container': { k1: 'x', k2: null } }), executor);
    expect(resolved).toEqual({ k1: 'x', k3: 'v3', gpu: true, image: 'x' });
  });

  it('sets an empty value that names no placeholder', () => {
    const executor = { type: 'local', config: { k: 'v' } };
    expect(resolveNodeConfig(node({ local: { k: '' } }), executor)).toEqual({ k: '' });
  });

  it('applies magnus 0.5 named overrides', () => {
    const executor = { type: 'argo', config: { image: 'a', parallelism: 4, overrides: { sequential: { parallelism: 1 } } } };
    expect(resolveNodeConfig(node({ argo: 'sequential' }), executor)).toEqual({ image: 'a', parallelism: 1 });
  });

  it('refuses an override key that the config does not define', () => {
    const executor = { type: 'argo', config: { overrides: { big: {} } } };
    expect(() => resolveNodeConfig(node({ argo: 'small' }), executor)).toThrow(UnknownOverrideError);
  });

  it('ignores settings for other executors and never mutates the config', () => {
    const config = { k: 'v', overrides: { o: { k: 'w' } } };
    expect(resolveNodeConfig(node({ argo: 'o' }), { type: 'local', config })).toEqual({ k: 'v' });
    expect(config).toEqual({ k: 'v', overrides: { o: { k: 'w' } } });
  });
});
