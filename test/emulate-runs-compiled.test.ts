// `dagc emulate --target T` runs exactly what `dagc compile --target T` writes (ARCHITECTURE.md, the target
// contract): the library's emulate hands the emulator the same bytes the dagc command prints (a separate
// process, the built dist/), byte for byte, and the emulator runs those bytes, not a variant of its own: the
// asl emulator, given the text `dagc compile` printed, records the same run log as `dagc run`, and a definition
// edited after compiling runs as edited. The asl config here is complete (Batch ARNs, S3 stores on a real
// S3-protocol server), so nothing is filled in for emulation.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { CONFORMANCE, expectedFile, inputArgs } from './helpers/conformance.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import { emulate, thisDagc } from '../src/library/emulate.js';
import { loadTarget } from '../src/library/targets.js';
import { loadInputFiles } from '../src/config/inputs.js';
import type { RunLog } from '../src/services/run-log/types.js';

const CASE = 'integer-map';

/** The case's -c/-p as library input files. */
function inputsOf(dir: string, config = 'config.yaml') {
  return { pipelineFile: 'pipeline.yaml', configFile: config, parametersFile: 'parameters.yaml', varFiles: [], cwd: dir };
}

async function runLogOf(dir: string, runId: string, config: string, env: Record<string, string> = {}): Promise<string> {
  const shown = await runCli(['runs', 'show', runId, '--json', '-c', config], { cwd: dir, env });
  expect(shown.status, shown.stderr).toBe(0);
  return scrubbedText(JSON.parse(shown.stdout) as RunLog);
}

describe.each(['bash', 'argo'])('%s: emulate runs what compile prints', (target) => {
  it('hands the emulator the bytes of `dagc compile`, and the run log is dagc run\'s', { timeout: 240_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, CASE));
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', target, ...inputArgs(dir)], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    let printed = '';
    const env = { ...process.env, NO_COLOR: '1' };
    const ran = await emulate({ ...inputsOf(dir), env, target, runId: `${CASE}-1`, out: (t) => void (printed += t), err: (t) => void (printed += t) });
    expect(ran.exitCode, printed).toBe(0);
    expect(ran.files.map((f) => f.text)).toEqual([compiled.stdout]);
    expect(await runLogOf(dir, `${CASE}-1`, 'config.yaml')).toBe(readFileSync(expectedFile(CASE, `${CASE}-1`), 'utf8'));
  });
});

describe('asl: emulate runs the definition `dagc compile --target asl` writes', () => {
  let s3: S3TestServer;
  beforeAll(async () => {
    s3 = await startS3Server();
  });
  afterAll(async () => s3?.close());

  /** A complete asl config: compile takes it as it is, emulation fills nothing in. */
  const writeConfig = (dir: string, prefix: string, extra: Record<string, unknown> = {}) =>
    writeFileSync(
      path.join(dir, 'asl.yaml'),
      JSON.stringify({
        executor: {
          type: 'asl',
          config: {
            image: 'dagc:test',
            job_queue: 'arn:aws:batch:us-east-1:000000000000:job-queue/q',
            job_definition: 'arn:aws:batch:us-east-1:000000000000:job-definition/d:1',
            // The local case config runs one item at a time; so does this one.
            max_concurrency: 1,
            ...extra,
          },
        },
        run_log_store: { type: 's3', config: s3.config(`${prefix}/runs/`) },
        catalog: { type: 's3', config: s3.config(`${prefix}/catalog/`) },
      }),
    );

  it('byte for byte, and the emulator given those bytes records the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, CASE));
    writeConfig(dir, 'bytes');
    const env = { ...process.env, ...s3.env, NO_COLOR: '1' };
    // -p's parameters travel in the execution input (as `dagc submit --target asl -p` sends them): the definition
    // emulate runs is the one compiled without -p.
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml'], { cwd: dir, env });
    expect(compiled.status, compiled.stderr).toBe(0);

    // The library's emulate: the files it ran are the command's output.
    let printed = '';
    const out = (t: string) => void (printed += t);
    const ran = await emulate({ ...inputsOf(dir, 'asl.yaml'), env, target: 'asl', runId: `${CASE}-1`, out, err: out });
    expect(ran.exitCode, printed).toBe(0);
    expect(ran.files.map((f) => f.text)).toEqual([compiled.stdout]);
    const said = (await runLogOf(dir, `${CASE}-1`, 'asl.yaml', s3.env)).split(`s3://${s3.bucket}/bytes/catalog/`).join('.catalog/');
    expect(said).toBe(readFileSync(expectedFile(CASE, `${CASE}-1`), 'utf8'));

    // The emulator itself, given the printed text: it runs that text (a second run, the same run log).
    const target = await loadTarget('asl');
    const inputs = await loadInputFiles({ ...inputsOf(dir, 'asl.yaml'), env });
    const options = { runId: `${CASE}-2`, cwd: dir, env, dagc: thisDagc(), pipeline: inputs.pipeline, config: inputs.config, parameters: inputs.parameters, out, err: out };
    const direct = await target.emulate([{ path: path.join(dir, 'pipeline.asl.json'), text: compiled.stdout, executable: false }], options);
    expect(direct.exitCode, printed).toBe(0);
    const again = (await runLogOf(dir, `${CASE}-2`, 'asl.yaml', s3.env)).split(`s3://${s3.bucket}/bytes/catalog/`).join('.catalog/');
    expect(again.split(`${CASE}-2`).join(`${CASE}-1`)).toBe(said);

    // The text is what runs: edited to start at a state it does not have, the interpreter refuses it.
    const edited = compiled.stdout.replace(/"StartAt": "[^"]*"/, '"StartAt": "nowhere"');
    expect(edited).not.toBe(compiled.stdout);
    const file = { path: path.join(dir, 'pipeline.asl.json'), text: edited, executable: false };
    await expect(target.emulate([file], { ...options, runId: `${CASE}-3` })).rejects.toThrow(/target: nowhere/);
  });

  it('runs a Distributed Map as written (its ItemReader read from S3), with the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, CASE));
    // The map declares more items than an inline Map takes: the definition has a Distributed Map.
    const pipeline = readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8');
    writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline.replace('      iterate_as: shard\n', '      iterate_as: shard\n      overrides:\n        asl: wide\n'));
    writeConfig(dir, 'wide', { overrides: { wide: { map_width: 5000 } } });
    const env = { ...process.env, ...s3.env, NO_COLOR: '1' };
    // -p's parameters travel in the execution input (as `dagc submit --target asl -p` sends them): the definition
    // emulate runs is the one compiled without -p.
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'asl.yaml'], { cwd: dir, env });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stdout).toContain('"Mode": "DISTRIBUTED"');
    expect(compiled.stdout).toContain('"ItemReader"');

    let printed = '';
    const out = (t: string) => void (printed += t);
    const ran = await emulate({ ...inputsOf(dir, 'asl.yaml'), env, target: 'asl', runId: 'wide', out, err: out });
    expect(ran.exitCode, printed).toBe(0);
    expect(ran.files.map((f) => f.text)).toEqual([compiled.stdout]);

    // The reference: dagc run of the same pipeline with the case's local config.
    const reference = await runCli(['run', 'pipeline.yaml', '-c', 'config.yaml', '-p', 'parameters.yaml', '--run-id', 'wide-ref'], { cwd: dir, env });
    expect(reference.status, reference.stderr).toBe(0);
    const emulated = (await runLogOf(dir, 'wide', 'asl.yaml', s3.env)).split(`s3://${s3.bucket}/wide/catalog/`).join('.catalog/');
    expect(emulated).toBe((await runLogOf(dir, 'wide-ref', 'config.yaml')).split('wide-ref').join('wide'));
  });
});
