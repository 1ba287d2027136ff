import { describe, expect, it } from 'vitest';
import { DuplicateIntegrationError, IntegrationRegistry } from './registry.js';
import { builtinIntegrations, getIntegrationRegistry } from './builtin.js';

describe('IntegrationRegistry', () => {
  it('finds an integration by (executor, service, provider) and misses unknown pairs', () => {
    const registry = getIntegrationRegistry();
    expect(registry.get('local', 'run_log_store', 'buffered')).toBeDefined();
    expect(registry.get('local', 'run_log_store', 'chunked-fs')).toBeUndefined();
  });

  it('refuses a duplicate pair and names both sources', () => {
    const registry = new IntegrationRegistry();
    registry.register(builtinIntegrations[0]!, 'dagc (built-in)');
    expect(() => registry.register(builtinIntegrations[0]!, 'dagc-plugin-x')).toThrow(DuplicateIntegrationError);
    expect(() => registry.register(builtinIntegrations[0]!, 'dagc-plugin-x')).toThrow(/dagc \(built-in\).*dagc-plugin-x/);
  });

  it('refuses a buffered run log for executors that run a process per step', () => {
    const checks = getIntegrationRegistry()
      .get('bash', 'run_log_store', 'buffered')
      ?.validate?.({ executor: { type: 'bash', config: {} }, section: { type: 'buffered', config: {} }, parallel: false });
    expect(checks?.[0]?.severity).toBe('error');
  });
});
