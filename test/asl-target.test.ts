// The asl target, end to end: golden state machines for the conformance set (compiled with
// fixtures/asl/config.yaml: Batch jobs, S3 stores), byte-stable compiles, asl-validator on every golden, and
// every case run by `dagc emulate --target asl` (the rendered definition under aws-local-stepfunctions, each
// container command through the real entrypoint) with the same run log as `dagc run`. Two cases also run with
// the S3 run log store and catalog against a real S3-protocol server.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { CONFORMANCE, caseNames, expectedFile, inputArgs, playCase } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import type { RunLog } from '../src/services/run-log/types.js';

const ASL_CONFIG = path.join(ROOT, 'fixtures', 'asl', 'config.yaml');
/** How the goldens are compiled from a case folder: the shared asl config, and the case's parameters. */
const compileArgs = (dir: string) => ['-c', '../../asl/config.yaml', ...inputArgs(dir).filter((a, i, all) => a === '-p' || all[i - 1] === '-p')];
const golden = (name: string) => path.join(CONFORMANCE, name, 'expected', 'asl.json');

/** An emulate call for one case run, as `dagc run` is called for it (conformance.test.ts). */
function emulate(dir: string, runId: string, run: { args?: string[]; env?: Record<string, string> }, extra: string[] = [], env: Record<string, string> = {}) {
  const cached = run.args?.[0] === '--use-cached' ? { DAGC_USE_CACHED: run.args[1]! } : {};
  return runCli(['emulate', 'pipeline.yaml', '--target', 'asl', ...extra, '--run-id', runId], {
    cwd: dir,
    env: { ...run.env, ...cached, ...env },
    timeoutMs: 240_000,
  });
}

describe.each(caseNames())('asl target: %s', (name) => {
  const source = path.join(CONFORMANCE, name);

  it('compiles to the golden definition, byte for byte, from any working directory', async () => {
    const here = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', ...compileArgs(source)], { cwd: source });
    expect(here.status, here.stderr).toBe(0);
    await expect(here.stdout).toMatchFileSnapshot(golden(name));
    const again = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', ...compileArgs(source)], { cwd: source });
    expect(again.stdout).toBe(here.stdout);
    // Elsewhere, with absolute paths and -o beside the pipeline: paths in the commands are relative to the output.
    const root = mkdtempSync(path.join(tmpdir(), 'dagc-asl-'));
    const copy = path.join(root, 'conformance', name);
    cpSync(source, copy, { recursive: true });
    mkdirSync(path.join(root, 'asl'));
    cpSync(ASL_CONFIG, path.join(root, 'asl', 'config.yaml'));
    const abs = compileArgs(copy).map((a) => (a.endsWith('.yaml') ? path.resolve(copy, a) : a));
    const out = path.join(copy, 'pipeline.asl.json');
    const elsewhere = await runCli(['compile', path.join(copy, 'pipeline.yaml'), '--target', 'asl', ...abs, '-o', out], { cwd: tmpdir() });
    expect(elsewhere.status, elsewhere.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(here.stdout);
  });

  it('is valid under asl-validator, with names of at most 80 characters', () => {
    const definition = JSON.parse(readFileSync(golden(name), 'utf8')) as { States: Record<string, unknown> };
    const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
    const names: string[] = [];
    const collect = (states: Record<string, { Branches?: { States: Record<string, unknown> }[]; ItemProcessor?: { States: Record<string, unknown> } }>) => {
      for (const [n, s] of Object.entries(states)) {
        names.push(n);
        for (const b of s.Branches ?? []) collect(b.States as never);
        if (s.ItemProcessor) collect(s.ItemProcessor.States as never);
      }
    };
    collect(definition.States as never);
    expect(names.filter((n) => [...n].length > 80 || /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u.test(n))).toEqual([]);
  });

  it('runs under aws-local-stepfunctions with the same run log as dagc run', { timeout: 600_000 }, async () => {
    await playCase(
      name,
      (dir, runId, run) => emulate(dir, runId, run, inputArgs(dir)),
      async (runId, scrubbed) => expect(scrubbed).toBe(readFileSync(expectedFile(name, runId), 'utf8')),
    );
  });
});

describe('asl target: S3 run log store and catalog, against a real S3-protocol server', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => s3?.close());

  /** An asl config (emulation fills in the Batch ARNs) with both stores in the test bucket. */
  const s3Config = (prefix: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      executor: { type: 'asl', config: { image: 'dagc:test', ...extra } },
      run_log_store: { type: 's3', config: { ...s3.config(`${prefix}/runs/`) } },
      catalog: { type: 's3', config: { ...s3.config(`${prefix}/catalog/`) } },
    });

  it.each([
    ['integer-map', { max_concurrency: 1 }],
    ['nested', {}],
    ['catalog', {}],
  ] as const)('%s: with the s3 store and catalog (map counts read from S3), the run log matches dagc run', { timeout: 600_000 }, async (name, extra) => {
    const dir = copyFixture(path.join(CONFORMANCE, name));
    writeFileSync(path.join(dir, 's3-config.yaml'), s3Config(name, extra));
    const params = inputArgs(dir).filter((a, i, all) => a === '-p' || all[i - 1] === '-p');
    const runId = `${name}-1`;
    const result = await emulate(dir, runId, {}, ['-c', 's3-config.yaml', ...params], s3.env);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const shown = await runCli(['runs', 'show', runId, '--json', '-c', 's3-config.yaml'], { cwd: dir, env: s3.env });
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    // Catalog entries name the bucket instead of .catalog (the comparison drops that field), and so does the
    // message of a failed get: that one place is put back as the file-system catalog says it.
    const said = scrubbedText(log).split(`s3://${s3.bucket}/${name}/catalog/`).join('.catalog/');
    expect(said).toBe(readFileSync(expectedFile(name, runId), 'utf8'));
    expect(JSON.stringify(log)).not.toContain('"catalog_handler_location":".catalog"');
  });
});

describe('asl target: dagc check', () => {
  it('reports the budget, and exits 1 when maps wider than the inline limit are assumed', async () => {
    const dir = path.join(CONFORMANCE, 'nested');
    const within = await runCli(['check', 'pipeline.yaml', '--target', 'asl', '-c', '../../asl/config.yaml'], { cwd: dir });
    expect(within.status, within.stderr).toBe(0);
    const lines = within.stdout.split('\n');
    expect(lines[0]).toBe('dagc check pipeline.yaml --target asl (maps of 10 items unless they declare map_width)');
    expect(lines.find((l) => l.startsWith('  states'))).toBe(
      '  states       25 (1 Fail, 1 Map, 1 Parallel, 10 Pass, 1 Succeed, 11 Task) for 18 pipeline nodes: 1.39 states per node',
    );
    expect(lines.at(-2)).toBe('within every limit');
    const wide = await runCli(['check', 'pipeline.yaml', '--target', 'asl', '-c', '../../asl/config.yaml', '--map-width', '5000'], { cwd: dir });
    expect(wide.status).toBe(1);
    expect(wide.stdout).toContain('over the limit: execution history, inline map width');
    expect(wide.stdout).toContain("5,000 items need map_width: 5,000 in the map's asl override (a Distributed Map)");
  });
});

describe('asl target: configuration errors and refusals', () => {
  const dir = path.join(CONFORMANCE, 'nested');

  it('needs an asl executor config, and names the missing keys', async () => {
    const tmp = copyFixture(dir);
    writeFileSync(path.join(tmp, 'local.yaml'), 'run_log_store:\n  type: s3\n  config: {bucket: my-runs}\ncatalog:\n  type: do-nothing\n');
    const none = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'local.yaml'], { cwd: tmp });
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('--target asl needs an asl executor config, but the executor is "local"');
    writeFileSync(
      path.join(tmp, 'asl.yaml'),
      'executor:\n  type: asl\n  config:\n    compute: ecs\n    image: x\nrun_log_store:\n  type: s3\n  config: {bucket: my-runs}\ncatalog:\n  type: s3\n  config: {bucket: my-runs}\n',
    );
    const missing = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml'], { cwd: tmp });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('the asl executor config: missing required keys "cluster", "task_definition" (compute: ecs)');
  });

  it('refuses file-system stores with a hint, since Batch jobs share no disk', async () => {
    const tmp = copyFixture(dir);
    writeFileSync(
      path.join(tmp, 'asl.yaml'),
      'executor:\n  type: asl\n  config:\n    image: x\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\n',
    );
    const refused = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml'], { cwd: tmp });
    expect(refused.status).toBe(2);
    expect(refused.stderr).toContain('the asl executor runs every step as a Batch or ECS job, and jobs share no disk');
    expect(refused.stderr).toContain('use run_log_store: {type: s3');
  });

  it('--check exits 1 for a stale file and 0 for a current one', async () => {
    const tmp = path.join(mkdtempSync(path.join(tmpdir(), 'dagc-asl-check-')), 'conformance', 'nested');
    cpSync(dir, tmp, { recursive: true });
    mkdirSync(path.join(tmp, '..', '..', 'asl'));
    cpSync(ASL_CONFIG, path.join(tmp, '..', '..', 'asl', 'config.yaml'));
    const args = ['compile', 'pipeline.yaml', '--target', 'asl', '-c', '../../asl/config.yaml', '-o', 'p.asl.json'];
    expect((await runCli(args, { cwd: tmp })).status).toBe(0);
    expect((await runCli([...args, '--check'], { cwd: tmp })).status).toBe(0);
    writeFileSync(path.join(tmp, 'p.asl.json'), readFileSync(path.join(tmp, 'p.asl.json'), 'utf8').replace('"Task"', '"Pass"'));
    const stale = await runCli([...args, '--check'], { cwd: tmp });
    expect(stale.status).toBe(1);
    expect(stale.stderr).toContain('out of date');
  });
});
