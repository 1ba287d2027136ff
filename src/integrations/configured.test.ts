import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../config/types.js';
import { getIntegrationRegistry } from './builtin.js';
import { checkIntegrations, configureServices, maxParallelOf } from './configured.js';

describe('configureServices', () => {
  it('applies configureForTraversal where dagc traverses and configureForExecution where a step runs', () => {
    getIntegrationRegistry().register(
      {
        executor: 'unit-test-executor',
        service: 'run_log_store',
        provider: 'chunked-fs',
        configureForTraversal: (ctx) => ({ ...ctx.section, config: { log_folder: '/host/logs' } }),
        configureForExecution: (ctx) => ({ ...ctx.section, config: { log_folder: '/tmp/run_logs' } }),
      },
      'configured.test.ts',
    );
    const config = { ...DEFAULT_CONFIG, executor: { type: 'unit-test-executor', config: {} } };
    expect(configureServices(config, 'run').run_log_store.config).toEqual({ log_folder: '/host/logs' });
    expect(configureServices(config, 'entrypoint').run_log_store.config).toEqual({
      log_folder: '/tmp/run_logs',
    });
    expect(configureServices(config, 'run').catalog).toBe(config.catalog);
  });
});

describe('checkIntegrations', () => {
  it('warns about a buffered run log for local runs and refuses it for a process-per-step executor', () => {
    const buffered = { type: 'buffered', config: {} };
    expect(checkIntegrations({ ...DEFAULT_CONFIG, run_log_store: buffered }).warnings).toHaveLength(1);
    const bash = { ...DEFAULT_CONFIG, executor: { type: 'bash', config: {} }, run_log_store: buffered };
    expect(checkIntegrations(bash).errors[0]?.message).toMatch(/buffered/);
  });
});

describe('maxParallelOf', () => {
  it('honours magnus enable_parallel strings and max_parallel', () => {
    expect(maxParallelOf({ type: 'local', config: { enable_parallel: 'False' } })).toBe(1);
    expect(maxParallelOf({ type: 'local', config: { max_parallel: 3 } })).toBe(3);
    expect(maxParallelOf({ type: 'local', config: {} })).toBeGreaterThanOrEqual(1);
  });
});
