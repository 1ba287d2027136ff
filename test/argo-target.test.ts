// The Argo target, end to end: golden manifests for the conformance set (valid under Argo's JSON schema, the
// full CRD with its CEL rules, and a reference lint), byte-stable compiles, and every case run through
// `dagc emulate --target argo` with the same run log as `dagc run`.
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './helpers/cli.js';
import { CONFORMANCE, caseNames, expectedFile, inputArgs, playCase } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { sharedOrSkipNotice } from './helpers/paths.js';

/** Argo's schema, CRD and CEL rules are read from ../shared: without it those checks are skipped, and said so. */
const HAS_SHARED = sharedOrSkipNotice("Argo's JSON schema, CRD and CEL checks of the rendered manifests");
import { checkManifest } from './argo-checks.js';

const compileArgs = (dir: string) => ['compile', 'pipeline.yaml', '--target', 'argo', ...inputArgs(dir)];

describe.each(caseNames())('argo target: %s', (name) => {
  const source = path.join(CONFORMANCE, name);
  const golden = path.join(source, 'expected', 'argo.yaml');

  it('compiles to the golden manifest, byte for byte, from any working directory', async () => {
    const here = await runCli(compileArgs(source), { cwd: source });
    expect(here.status, here.stderr).toBe(0);
    await expect(here.stdout).toMatchFileSnapshot(golden);
    const again = await runCli(compileArgs(source), { cwd: source });
    expect(again.stdout).toBe(here.stdout);
    const copy = copyFixture(source);
    const abs = inputArgs(copy).map((a) => (a.endsWith('.yaml') ? path.join(copy, a) : a));
    const out = path.join(copy, 'pipeline.argo.yaml');
    const elsewhere = await runCli(['compile', path.join(copy, 'pipeline.yaml'), '--target', 'argo', ...abs, '-o', out], { cwd: tmpdir() });
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(here.stdout);
  });

  // The first case compiles the CRD's schema and CEL rules (seconds; over a minute on a loaded 2-core machine).
  it.runIf(HAS_SHARED)("is valid under Argo's JSON schema, the full CRD and its CEL rules", { timeout: 240_000 }, () => {
    expect(checkManifest(readFileSync(golden, 'utf8'))).toEqual([]);
  });

  it('runs under dagc emulate --target argo with the same run log as dagc run', async () => {
    await playCase(
      name,
      async (dir, runId, run) => {
        const cached: Record<string, string> = run.args?.[0] === '--use-cached' ? { DAGC_USE_CACHED: run.args[1]! } : {};
        return runCli(['emulate', 'pipeline.yaml', '--target', 'argo', ...inputArgs(dir), '--run-id', runId], {
          cwd: dir,
          env: { ...run.env, ...cached },
          timeoutMs: 120_000,
        });
      },
      async (runId, scrubbed) => expect(scrubbed).toBe(readFileSync(expectedFile(name, runId), 'utf8')),
    );
  });
});

const HAVE_CHECKS = sharedOrSkipNotice('argo manifest mutation checks');

describe.skipIf(!HAVE_CHECKS)('argo target: manifest checks catch what they should', () => {
  type Obj = Record<string, unknown>;
  /** The object at a dotted path (numbers index lists; -1 is the last item). */
  const at = (doc: unknown, dotted: string): Obj =>
    dotted.split('.').reduce<unknown>((v, k) => {
      if (Array.isArray(v)) return v.at(Number(k));
      return (v as Obj)[k];
    }, doc) as Obj;
  const mutate = (f: (doc: Obj) => void): string => {
    const base = readFileSync(path.join(CONFORMANCE, 'on-failure', 'expected', 'argo.yaml'), 'utf8');
    const doc = parse(base, { version: '1.1' }) as Obj;
    f(doc);
    return JSON.stringify(doc);
  };
  const cases: [string, (doc: Obj) => void, RegExp][] = [
    ['a misspelt field (schema, closed objects)', (d) => (at(d, 'spec.templates.0.dag.tasks.1').dependancies = ['x']), /schema: .*must NOT have additional properties/],
    ['a bad retry policy (CRD enum)', (d) => (at(d, 'spec.templates.-1').retryStrategy = { limit: '1', retryPolicy: 'Sometimes' }), /crd: .*retryPolicy/],
    ['a task name starting with a digit (CEL)', (d) => (at(d, 'spec.templates.0.dag.tasks.1').name = '1branches'), /cel: .*cannot begin with a digit/],
    ['an unknown template (lint)', (d) => (at(d, 'spec.templates.0.dag.tasks.0').template = 'nowhere'), /lint: .*unknown template nowhere/],
    ['depends on an unknown task (lint)', (d) => (at(d, 'spec.templates.0.dag.tasks.1').depends = 'ghost.Succeeded'), /lint: .*unknown task ghost/],
    ['an undeclared input (lint)', (d) => ((at(d, 'spec.templates.-1.container').args as string[])[0] = '{{inputs.parameters.nope}}'), /lint: .*undeclared input nope/],
    [
      'more than 200 templates (CRD)',
      (d) => (at(d, 'spec').templates as unknown[]).push(...Array.from({ length: 200 }, (_, i) => ({ name: `t${i}`, suspend: {} }))),
      /crd: \/spec\/templates must NOT have more than 200 items/,
    ],
  ];
  it.each(cases)('%s', (_label, f, expected) => {
    expect(checkManifest(mutate(f)).join('\n')).toMatch(expected);
  });
});

describe('argo target: options', () => {
  // The CronWorkflow form follows argo_version: a list of `schedules` exists from Argo 3.6 on, before that one
  // `schedule` (argo-workflows v3.6.0 CHANGELOG, "schedules"). Each has a golden, which Argo's validator checks
  // (test/argo-validate.test.ts reads fixtures/argo/*.yaml).
  it.each(['3.5', '3.6'])('renders the CronWorkflow form of Argo %s (golden)', async (version) => {
    const dir = copyFixture(path.join(CONFORMANCE, 'stubs-parallel'));
    const config = [
      'executor:',
      '  type: argo',
      '  config:',
      '    image: registry.example.com/pipe:1.0',
      '    kind: CronWorkflow',
      '    name: nightly',
      `    argo_version: "${version}"`,
      '    schedules: ["0 6 * * *"]',
      '    timezone: Europe/London',
      '    persistent_volumes: [{name: runs, mount_path: /mnt}]',
      'run_log_store: {type: chunked-fs, config: {log_folder: run_logs}}',
      'catalog: {type: file-system, config: {catalog_location: /mnt/catalog}}',
    ].join('\n');
    (await import('node:fs')).writeFileSync(path.join(dir, 'argo.yaml'), config);
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const doc = parse(r.stdout, { version: '1.1' });
    if (version === '3.5') expect([doc.spec.schedule, doc.spec.schedules]).toEqual(['0 6 * * *', undefined]);
    else expect([doc.spec.schedule, doc.spec.schedules]).toEqual([undefined, ['0 6 * * *']]);
    await expect(r.stdout).toMatchFileSnapshot(path.join(CONFORMANCE, '..', 'argo', `cron-${version}.yaml`));
    // ../shared's schema and CRDs are Argo 4.1's, which no longer have `schedule` (the 3.5 form).
    if (HAS_SHARED && version !== '3.5') expect(checkManifest(r.stdout)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('renders a CronWorkflow with schedules and a time zone, and validates', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'stubs-parallel'));
    const config = [
      'executor:',
      '  type: argo',
      '  config:',
      '    image: registry.example.com/pipe:1.0',
      '    kind: CronWorkflow',
      '    name: Nightly Features',
      '    schedules: ["0 6 * * *", "0 18 * * 1-5"]',
      '    timezone: Europe/London',
      '    persistent_volumes: [{name: runs, mount_path: /mnt}]',
      'run_log_store: {type: chunked-fs, config: {log_folder: run_logs}}',
      'catalog: {type: file-system, config: {catalog_location: /mnt/catalog}}',
    ].join('\n');
    (await import('node:fs')).writeFileSync(path.join(dir, 'argo.yaml'), config);
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const doc = parse(r.stdout, { version: '1.1' });
    expect(doc.kind).toBe('CronWorkflow');
    expect(doc.metadata.name).toMatch(/^nightly-features-[0-9a-f]{8}$/);
    expect(doc.spec.schedules).toEqual(['0 6 * * *', '0 18 * * 1-5']);
    expect(doc.spec.timezone).toBe('Europe/London');
    const pods = JSON.parse(doc.spec.workflowSpec.arguments.parameters.find((p: { name: string }) => p.name === 'dagc_config').value);
    // The relative run log folder goes under the volume inside the pods; the absolute catalog stays.
    expect(pods.run_log_store.config.log_folder).toBe('/mnt/run_logs');
    expect(pods.catalog.config.catalog_location).toBe('/mnt/catalog');
    if (HAS_SHARED) expect(checkManifest(r.stdout)).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an argo config without an image, naming the key', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'default-fail'));
    (await import('node:fs')).writeFileSync(path.join(dir, 'argo.yaml'), 'executor:\n  type: argo\n  config:\n    imge: x\n');
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml'], { cwd: dir });
    expect(r.status).toBe(2);
    // The config schema (schemas/config.schema.json) refuses it at the key, as `dagc validate` does.
    expect(r.stderr).toContain('argo.yaml:4:5 error DAGC-SCHEMA-UNKNOWN-KEY unknown key "imge" in "config" of "executor"');
    expect(r.stderr).toContain('did you mean "image"?');
  });

  it('refuses dotenv secrets and a run log off the volumes, with hints', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'default-fail'));
    (await import('node:fs')).writeFileSync(
      path.join(dir, 'argo.yaml'),
      'executor: {type: argo, config: {image: x, persistent_volumes: [{name: c, mount_path: /mnt}]}}\nrun_log_store: {type: chunked-fs, config: {log_folder: /var/logs}}\nsecrets: {type: dotenv}\n',
    );
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the run log folder "/var/logs" is not on any of the persistent volumes');
    expect(r.stderr).toContain('dotenv secrets would have to be baked into the image');
  });

  it('emulates a cluster config: volumes are folders here, the pods find the run log on them', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'stubs-parallel'));
    const fs = await import('node:fs');
    fs.writeFileSync(
      path.join(dir, 'argo.yaml'),
      'executor: {type: argo, config: {image: x, persistent_volumes: [{name: shared, mount_path: /mnt/work}]}}\nrun_log_store: {type: chunked-fs, config: {log_folder: runs}}\ncatalog: {type: file-system, config: {catalog_location: /mnt/work/catalog}}\n',
    );
    fs.writeFileSync(path.join(dir, 'here.yaml'), 'run_log_store: {type: chunked-fs, config: {log_folder: .argo-volumes/shared/runs}}\n');
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml', '--run-id', 'vol'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('emulated by folders under .argo-volumes/');
    const shown = await runCli(['runs', 'show', 'vol', '--json', '-c', 'here.yaml'], { cwd: dir });
    expect(shown.status, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).status).toBe('SUCCESS');
  });

  it('dagc execute with an argo executor writes the manifest to output_file, as compile would', async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'default-fail'));
    const fs = await import('node:fs');
    fs.writeFileSync(
      path.join(dir, 'argo.yaml'),
      'executor: {type: argo, config: {image: x, output_file: out/wf.yaml, persistent_volumes: [{name: c, mount_path: /mnt}]}}\n',
    );
    fs.mkdirSync(path.join(dir, 'out'));
    const r = await runCli(['execute', '-f', 'pipeline.yaml', '-c', 'argo.yaml'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const c = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml', '-o', 'out/wf.yaml', '--check'], { cwd: dir });
    expect(c.status, c.stderr).toBe(0);
  });
});
