// Every magnus example in ../shared/spec/magnus-examples is valid for dagc: the pipelines through the real
// CLI and the library (with their magnus dag_hash from magnus-reference/dag-hashes.txt), the config
// files (those without a dag block) through loadConfig and through `dagc validate -c`. The a7d649c scenarios name their sub-dags as
// tests/scenarios/<name>.yaml, so they run in a temp folder whose tests/scenarios/ links to the shared files.
import {
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.js';
import { walk } from '../src/ir/walk.js';
import { loadPipeline } from '../src/front-end/load-pipeline.js';
import { runCli } from './helpers/cli.js';
import { HAS_SHARED, SHARED, sharedOrSkipNotice } from './helpers/paths.js';

const EXAMPLES = path.join(SHARED, 'spec', 'magnus-examples');
const SCENARIO = /^a7d649c-tests-scenarios-(.+\.yaml)$/;

const files = HAS_SHARED
  ? readdirSync(EXAMPLES)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
  : [];
const isConfig = (f: string) => !/^dag:/m.test(readFileSync(path.join(EXAMPLES, f), 'utf8'));
const pipelines = files.filter((f) => !isConfig(f));
const configs = files.filter(isConfig);

/** magnus's own dag_hash of each example (magnus-reference/dag-hashes.txt). */
function referenceHashes(): Map<string, string> {
  const text = readFileSync(path.join(SHARED, 'spec', 'magnus-reference', 'dag-hashes.txt'), 'utf8');
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]{40}) (\S+)/.exec(line);
    if (m) out.set(m[2] as string, m[1] as string);
  }
  return out;
}

describe.runIf(sharedOrSkipNotice('magnus examples validate'))('magnus examples', () => {
  let work: string;
  // Variables from the environment would change the hashes: none reach the CLI.
  const env = Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => /^(DAGC|MAGNUS)_VAR_/.test(k))
      .map((k) => [k, undefined]),
  );

  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'dagc-magnus-examples-'));
    mkdirSync(path.join(work, 'tests', 'scenarios'), { recursive: true });
    for (const f of files) {
      const m = SCENARIO.exec(f);
      if (m) symlinkSync(path.join(EXAMPLES, f), path.join(work, 'tests', 'scenarios', m[1] as string));
    }
    writeFileSync(
      path.join(work, 'simple.yaml'),
      'dag:\n  start_at: s\n  steps:\n    s:\n      type: stub\n      next: success\n    success:\n      type: success\n    fail:\n      type: fail\n',
    );
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('has the 25 example files, 5 of them configs (no dag block)', () => {
    expect(files).toHaveLength(25);
    expect(configs).toEqual([
      'a452f9c-examples-configs-argo-config-sequential.yaml',
      'a452f9c-examples-configs-argo-config.yaml',
      'a7d649c-tests-scenarios-local.yaml',
      'a7d649c-tests-scenarios-local_container.yaml',
      'a7d649c-tests-scenarios-local_demo_render.yaml',
    ]);
  });

  it.each(pipelines)("%s validates with the CLI and has magnus's dag_hash", async (f) => {
    const hashes = referenceHashes();
    const r = await runCli(['validate', path.join(EXAMPLES, f)], { cwd: work, env });
    // magnus's "wrong catalog" scenario gets what no step puts: dagc says so (src/ir/catalog-flow.ts).
    if (f.includes('wrong_catalog')) expect(r.stderr).toMatch(/warning DAGC-CATALOG-GET-NEVER-PUT step "step1" gets "\*"/);
    else expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const expected = hashes.get(f);
    expect(expected).toBeDefined();
    expect(r.stdout).toMatch(new RegExp(`: valid, \\d+ steps?( \\(a map runs its steps once per item\\))?, dag_hash ${expected}\\n$`));
  });

  it.each(pipelines)('%s loads into the IR with the library', async (f) => {
    const result = await loadPipeline(path.join(EXAMPLES, f), { cwd: work, env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.dagHash).toBe(referenceHashes().get(f));
  });

  it('names nested steps with magnus dot paths (test_dag_nested_dag, spec §3.5)', async () => {
    const result = await loadPipeline(
      path.join(EXAMPLES, 'a7d649c-tests-scenarios-test_dag_nested_dag.yaml'),
      { cwd: work, env: {} },
    );
    const names = [...walk(result.value!.root)].map((l) => l.node.internalName);
    expect(names).toContain('step_dag_within_map.map_variable_placeholder.step_1.dag.step1');
    expect(names).toContain('step_dag_within_parallel.branch_1.step_1.dag.success');
    expect(names).toContain('step_dag_within_dag.dag.step2.dag.step2');
    // test_dag_as_is.yaml is included three times, and its steps appear once per use.
    expect(names.filter((n) => n.endsWith('.dag.step1'))).toHaveLength(4);
  });

  it.each(configs)('%s loads as a config', async (f) => {
    const result = await loadConfig(path.join(EXAMPLES, f), { cwd: work, env: {} });
    expect(result.diagnostics).toEqual([]);
    expect(result.value?.file).toBe(path.join(EXAMPLES, f));
    expect(result.value?.run_log_store.type).toMatch(/^(file-system|chunked-fs)$/);
  });

  it.each(configs)('%s validates with the CLI beside a pipeline (-c)', async (f) => {
    const r = await runCli(['validate', 'simple.yaml', '-c', path.join(EXAMPLES, f)], { cwd: work, env });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^simple\.yaml: valid, 1 step, dag_hash [0-9a-f]{40}\n$/);
  });

  it('reads magnus 2022 spellings: mode, demo-renderer, a run log store without config', async () => {
    const demo = await loadConfig(path.join(EXAMPLES, 'a7d649c-tests-scenarios-local_demo_render.yaml'), {
      cwd: work,
      env: {},
    });
    expect(demo.value?.executor).toEqual({ type: 'bash', config: { enable_parallel: 'False' } });
    expect(demo.value?.run_log_store).toEqual({
      type: 'file-system',
      config: { log_folder: '.run_log_store' },
    });
    expect(demo.value?.catalog).toEqual({
      type: 'file-system',
      config: { catalog_location: '.catalog', compute_data_folder: 'data' },
    });
  });
});
