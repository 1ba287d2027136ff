import { describe, expect, it } from 'vitest';
import { getIntegrationRegistry } from './builtin.js';

const executor = (config: Record<string, unknown>) => ({ type: 'argo', config });
const volumes = { image: 'x', persistent_volumes: [{ name: 'claim', mount_path: '/mnt/' }, { name: 'other', mount_path: '/data' }] };

describe('argo integrations', () => {
  const registry = getIntegrationRegistry();
  const runLog = registry.get('argo', 'run_log_store', 'chunked-fs')!;
  const catalog = registry.get('argo', 'catalog', 'file-system')!;

  it('puts a relative store folder under the first volume inside the pods, and keeps absolute ones', () => {
    const section = (log_folder: string) => ({ type: 'chunked-fs', config: { log_folder } });
    const ctx = (folder: string) => ({ executor: executor(volumes), section: section(folder), parallel: true });
    expect(runLog.configureForExecution!(ctx('./runs/')).config.log_folder).toBe('/mnt/runs');
    expect(runLog.configureForExecution!(ctx('/data/runs')).config.log_folder).toBe('/data/runs');
    expect(runLog.validate!(ctx('/data/runs'))).toEqual([]);
    expect(runLog.validate!(ctx('/var/runs'))[0]?.message).toContain('is not on any of the persistent volumes (/mnt, /data)');
    const cat = { executor: executor(volumes), section: { type: 'file-system', config: { catalog_location: '.catalog' } }, parallel: true };
    expect(catalog.configureForExecution!(cat).config.catalog_location).toBe('/mnt/.catalog');
  });

  it('needs a volume for a file store, refuses dotenv, and stays quiet for a preview without an image', () => {
    const section = { type: 'chunked-fs', config: { log_folder: '.run_log_store' } };
    expect(runLog.validate!({ executor: executor({ image: 'x' }), section, parallel: true })[0]?.severity).toBe('error');
    expect(runLog.validate!({ executor: executor({}), section, parallel: true })).toEqual([]);
    expect(runLog.configureForExecution!({ executor: executor({}), section, parallel: true })).toBe(section);
    const dotenv = registry.get('argo', 'secrets', 'dotenv')!;
    expect(dotenv.validate!({ executor: executor({ image: 'x' }), section: { type: 'dotenv', config: {} }, parallel: true })[0]?.hint).toContain('secrets_from_k8s');
  });
});
