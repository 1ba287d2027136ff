import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, loadParameters } from './load.js';
import { DEFAULT_SECTIONS } from './types.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  writeFileSync(path.join(dir, name), text);
  return name;
};
const opts = { cwd: dir, env: {} };

describe('loadConfig', () => {
  it("gives the defaults without a config file, or the pipeline file's sections over them", async () => {
    expect(await loadConfig(undefined, opts)).toEqual({
      value: { ...DEFAULT_SECTIONS, plugins: [] },
      diagnostics: [],
    });
    const r = await loadConfig(undefined, {
      ...opts,
      pipelineSections: { secrets: { type: 'dotenv', config: { location: 's.env' } } },
    });
    expect(r.value?.secrets).toEqual({ type: 'dotenv', config: { location: 's.env' } });
    expect(r.value?.executor).toEqual(DEFAULT_SECTIONS.executor);
  });

  it('takes the config file over the pipeline file, section by section', async () => {
    const name = file(
      'c1.yaml',
      'catalog:\n  type: do-nothing\n  config: {compute_data_folder: d}\n',
    );
    const r = await loadConfig(name, {
      ...opts,
      pipelineSections: {
        catalog: { type: 'file-system', config: {} },
        executor: { type: 'bash', config: {} },
      },
    });
    expect(r.diagnostics).toEqual([]);
    expect(r.value).toEqual({
      ...DEFAULT_SECTIONS,
      file: 'c1.yaml',
      executor: { type: 'bash', config: {} },
      catalog: { type: 'do-nothing', config: { compute_data_folder: 'd' } },
      plugins: [],
    });
  });

  it("reads the older spellings and fills a provider's defaults when a section has no config", async () => {
    const name = file(
      'c2.yaml',
      'mode:\n  type: step-functions\nexperiment_tracking:\n  type: mlflow\nrun_log_store:\n  type: file-system\nsecrets:\n  type: dotenv\n  config:\n',
    );
    const r = await loadConfig(name, opts);
    expect(r.diagnostics).toEqual([]);
    expect(r.value?.executor).toEqual({ type: 'asl', config: {} });
    expect(r.value?.experiment_tracker).toEqual({ type: 'mlflow', config: {} });
    expect(r.value?.run_log_store).toEqual({ type: 'file-system', config: { log_folder: '.run_log_store' } });
    expect(r.value?.secrets).toEqual({ type: 'dotenv', config: { location: '.env' } });
  });

  it('accepts enable_parallel as a boolean or the magnus 2022 text in any case', async () => {
    for (const v of ['true', 'false', '"False"', '"TRUE"', '"true"']) {
      const r = await loadConfig(
        file('c3.yaml', `executor:\n  type: local\n  config: {enable_parallel: ${v}, max_parallel: 4}\n`),
        opts,
      );
      expect(r.diagnostics).toEqual([]);
    }
    const bad = await loadConfig(
      file('c4.yaml', 'executor:\n  type: local\n  config: {enable_parallel: "nope"}\n'),
      opts,
    );
    expect(bad.value).toBeUndefined();
    expect(bad.diagnostics.map((d) => [d.code, d.pointer])).toEqual([
      ['DAGC-SCHEMA-VALUE', '/executor/config/enable_parallel'],
    ]);
  });

  it('substitutes variables from the environment and var files', async () => {
    file('vars.yaml', 'folder: from-file\n');
    const name = file(
      'c5.yaml',
      'executor:\n  type: local-container\n  config: {docker_image: $image, environment: {PRICE: $$5}}\nrun_log_store:\n  type: chunked-fs\n  config:\n    log_folder: ${folder}\n',
    );
    const r = await loadConfig(name, { cwd: dir, env: { DAGC_VAR_image: 'app:1' }, varFiles: ['vars.yaml'] });
    expect(r.value?.executor.config).toEqual({ docker_image: 'app:1', environment: { PRICE: '$5' } });
    expect(r.value?.run_log_store.config).toEqual({ log_folder: 'from-file' });
  });

  it('refuses unknown providers and two spellings of one section, with positions', async () => {
    const r = await loadConfig(file('c6.yaml', 'executor: {type: locl}\n'), opts);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.code, d.start.line, d.start.column, d.hint])).toEqual([
      [
        'DAGC-CONFIG-UNKNOWN-PROVIDER',
        1,
        18,
        'did you mean "local"? known: local, local-container, bash, demo-renderer, argo, asl, step-functions, mocked',
      ],
    ]);
    const both = await loadConfig(file('c7.yaml', 'mode: {type: local}\nexecutor: {type: local}\n'), opts);
    expect(both.diagnostics.map((d) => d.code)).toEqual(['DAGC-CONFIG-DUPLICATE-SECTION']);
  });

  it('warns about an empty config file and uses the defaults', async () => {
    const r = await loadConfig(file('empty.yaml', '# nothing yet\n'), opts);
    expect(r.diagnostics.map((d) => [d.code, d.severity])).toEqual([['DAGC-CONFIG-EMPTY', 'warning']]);
    expect(r.value?.executor).toEqual(DEFAULT_SECTIONS.executor);
  });

  it('reports a missing config file', async () => {
    const r = await loadConfig('nope.yaml', opts);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['DAGC-FILE-MISSING']);
  });
});

describe('loadParameters', () => {
  it('gives {} without a file or for an empty one', async () => {
    expect(await loadParameters(undefined, opts)).toEqual({ value: {}, diagnostics: [] });
    expect(await loadParameters(file('p0.yaml', ''), opts)).toEqual({ value: {}, diagnostics: [] });
  });

  it('reads a mapping as plain data, without variables (magnus never substituted parameters)', async () => {
    const r = await loadParameters(
      file('p1.yaml', 'x: 3\ny: 1.5\nitems: [a, b]\ncost: $$5\nnested: {k: null}\n'),
      { cwd: dir, env: { DAGC_VAR_x: 'no' } },
    );
    expect(r).toEqual({
      value: { x: 3, y: 1.5, items: ['a', 'b'], cost: '$$5', nested: { k: null } },
      diagnostics: [],
    });
  });

  it('refuses a list', async () => {
    const r = await loadParameters(file('p2.yaml', '- 1\n'), opts);
    expect(r.value).toBeUndefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['DAGC-YAML-NOT-MAPPING']);
  });
});
