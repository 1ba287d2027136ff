import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './load.js';

function dir(files: Record<string, string>): string {
  const d = mkdtempSync(path.join(tmpdir(), 'dagc-defaults-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
  return d;
}

const MAGNUS = 'defaults:\n  catalog:\n    type: do-nothing\n  secrets:\n    type: dotenv\n    config:\n      location: m.env\n';

describe('working-directory defaults (magnus-config.yaml, dagc-config.yaml)', () => {
  it('fill the sections no config file gives; the config file wins section by section', async () => {
    const cwd = dir({ 'magnus-config.yaml': MAGNUS, 'c.yaml': 'secrets:\n  type: env-secrets-manager\n' });
    const none = await loadConfig(undefined, { cwd });
    expect(none.value?.catalog).toEqual({ type: 'do-nothing', config: { compute_data_folder: 'data' } });
    expect(none.value?.secrets).toEqual({ type: 'dotenv', config: { location: 'm.env' } });
    const withFile = await loadConfig('c.yaml', { cwd });
    expect(withFile.value?.secrets.type).toBe('env-secrets-manager');
    expect(withFile.value?.catalog.type).toBe('do-nothing');
    expect(withFile.value?.run_log_store.type).toBe('chunked-fs');
  });

  it('dagc-config.yaml wins over magnus-config.yaml', async () => {
    const cwd = dir({ 'magnus-config.yaml': MAGNUS, 'dagc-config.yaml': 'defaults:\n  catalog:\n    type: file-system\n' });
    const { value } = await loadConfig(undefined, { cwd });
    expect(value?.catalog.type).toBe('file-system');
    expect(value?.secrets.type).toBe('dotenv');
  });

  it('only defaults: is read (other keys are a warning), and a bad section is an error at its place', async () => {
    const warned = await loadConfig(undefined, { cwd: dir({ 'magnus-config.yaml': `mode:\n  type: local\n${MAGNUS}` }) });
    expect(warned.value?.catalog.type).toBe('do-nothing');
    expect(warned.diagnostics.map((d) => [d.code, d.severity, d.start.line])).toEqual([['DAGC-DEFAULTS-UNKNOWN-KEY', 'warning', 1]]);
    const bad = await loadConfig(undefined, { cwd: dir({ 'magnus-config.yaml': 'defaults:\n  catalog:\n    type: file-system\n    config:\n      catalog_locaton: x\n' }) });
    expect(bad.value).toBeUndefined();
    expect(bad.diagnostics.map((d) => [d.file, d.start.line, d.severity])).toEqual([['magnus-config.yaml', 5, 'error']]);
  });
});
