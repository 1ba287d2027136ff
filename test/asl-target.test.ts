// The asl target, end to end: golden state machines for the conformance set (compiled with
// fixtures/asl/config.yaml: Batch jobs, S3 stores), byte-stable compiles, asl-validator on every golden, and
// every case run by `dagc emulate --target asl` (the rendered definition under aws-local-stepfunctions, each
// container command through the real entrypoint) with the same run log as `dagc run`. Two cases also run with
// the S3 run log store and catalog against a real S3-protocol server; secrets by ARN are fetched by the jobs
// from a Secrets Manager / SSM server on loopback.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainPipeline, parallelPipeline } from '../fixtures/scale/scale-pipelines.mjs';
import { runCli } from './helpers/cli.js';
import { CONFORMANCE, caseNames, expectedFile, inputArgs, playCase } from './helpers/conformance.js';
import { copyFixture, readTree } from './helpers/fixture-dir.js';
import type { FakeSecretsServer } from './helpers/aws-fake-secrets.js';
import { startFakeSecrets } from './helpers/aws-fake-secrets.js';
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
  // A re-run's id goes in the execution input (--use-cached), never through the host's DAGC_* variables.
  const cached = run.args?.[0] === '--use-cached' ? ['--use-cached', run.args[1]!] : [];
  return runCli(['emulate', 'pipeline.yaml', '--target', 'asl', ...extra, ...cached, '--run-id', runId], {
    cwd: dir,
    env: { ...run.env, ...env },
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

describe('asl target: secrets by ARN, fetched by each job from Secrets Manager and SSM', () => {
  let s3: S3TestServer;
  let aws: FakeSecretsServer;
  const TOKEN_ARN = 'arn:aws:ssm:eu-west-1:123456789012:parameter/e2e/api-token';
  const DB_ARN = 'arn:aws:secretsmanager:eu-central-1:123456789012:secret:e2e/db-AbCdEf';
  const TOKEN = 'tok-9f8e7d6c5b4a';
  const PASSWORD = 'pa=ss word#1';
  beforeAll(async () => {
    s3 = await startS3Server();
    aws = await startFakeSecrets({ parameters: { [TOKEN_ARN]: TOKEN }, secrets: { [DB_ARN]: JSON.stringify({ user: 'etl', password: PASSWORD }) } });
  });
  afterAll(async () => {
    await s3?.close();
    await aws?.close();
  });

  // The checks only look at the values' shape: the pipeline itself is recorded in the run log.
  const PIPELINE = `dag:
  start_at: use token
  steps:
    use token:
      type: task
      command_type: shell
      command: |
        set -e
        test "\${#API_TOKEN}" = 16
        test "\${API_TOKEN#tok-}" != "$API_TOKEN"
        test -z "$DB_PASSWORD"
        echo "token is $API_TOKEN"
      next: use both
    use both:
      type: task
      command_type: shell
      overrides:
        asl: db
      command: |
        set -e
        test "\${#DB_PASSWORD}" = 12
        echo "token is $API_TOKEN"
        echo "and the password is $DB_PASSWORD" >&2
      next: success
    success:
      type: success
    fail:
      type: fail
`;
  const config = (prefix: string, secrets: unknown, tokenArn = TOKEN_ARN) =>
    JSON.stringify({
      executor: {
        type: 'asl',
        config: {
          image: 'dagc:test',
          secret_as_env: { API_TOKEN: tokenArn },
          overrides: { db: { secret_as_env: { API_TOKEN: tokenArn, DB_PASSWORD: `${DB_ARN}:password::` } } },
        },
      },
      run_log_store: { type: 's3', config: s3.config(`${prefix}/runs/`) },
      catalog: { type: 's3', config: s3.config(`${prefix}/catalog/`) },
      ...(secrets ? { secrets } : {}),
    });

  /** Every object dagc wrote in the bucket under `prefix`, as text. */
  async function objects(prefix: string): Promise<Map<string, string>> {
    const { S3Client, ListObjectsV2Command, GetObjectCommand } = await import('@aws-sdk/client-s3');
    const client = new S3Client({ endpoint: s3.endpoint, forcePathStyle: true, region: 'us-east-1' });
    const out = new Map<string, string>();
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.bucket, Prefix: `${prefix}/` }));
    for (const o of listed.Contents ?? []) {
      const got = await client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: o.Key! }));
      out.set(o.Key!, (await got.Body!.transformToString('utf8')) ?? '');
    }
    return out;
  }

  const SETUPS: Record<'explicit' | 'default', () => { secrets?: unknown; env: Record<string, string> }> = {
    explicit: () => ({ secrets: { type: 'aws-secrets-manager', config: { endpoint_url: aws.endpoint } }, env: {} }),
    // secrets left at do-nothing: the asl integration gives the jobs aws-secrets-manager; the SDK's own
    // per-service endpoint variables point it here.
    default: () => ({ env: { AWS_ENDPOINT_URL_SECRETS_MANAGER: aws.endpoint, AWS_ENDPOINT_URL_SSM: aws.endpoint } }),
  };

  it.each(['explicit', 'default'] as const)('%s provider: the values reach the steps as env and are masked in everything written', { timeout: 300_000 }, async (kind) => {
    const setup = SETUPS[kind]();
    const dir = copyFixture(path.join(CONFORMANCE, 'nested'));
    writeFileSync(path.join(dir, 'secret-pipeline.yaml'), PIPELINE);
    writeFileSync(path.join(dir, 'cfg.yaml'), config(kind, setup.secrets));
    const runId = `secrets-${kind}`;
    const env = { ...s3.env, ...setup.env };
    aws.requests.length = 0;
    const result = await runCli(['emulate', 'secret-pipeline.yaml', '--target', 'asl', '-c', 'cfg.yaml', '--run-id', runId], { cwd: dir, env, timeoutMs: 240_000 });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    const printed = result.stdout + result.stderr;
    expect(printed).toContain('token is *****');
    expect(printed).toContain('and the password is *****');
    // One job per step, one request per secret in each: the ARN names the service and the signing region.
    expect(aws.requests.map((r) => [r.target, r.region, r.body])).toEqual([
      ['AmazonSSM.GetParameter', 'eu-west-1', { Name: TOKEN_ARN, WithDecryption: true }],
      ['AmazonSSM.GetParameter', 'eu-west-1', { Name: TOKEN_ARN, WithDecryption: true }],
      ['secretsmanager.GetSecretValue', 'eu-central-1', { SecretId: DB_ARN }],
    ]);
    const shown = await runCli(['runs', 'show', runId, '--json', '-c', 'cfg.yaml'], { cwd: dir, env });
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    expect([log.status, ...Object.values(log.steps).map((st) => `${st.name} ${st.status}`)]).toEqual(['SUCCESS', 'use token SUCCESS', 'use both SUCCESS', 'success SUCCESS']);
    const written = await objects(kind);
    const outputs = [...written].filter(([key]) => key.includes('/catalog/'));
    expect(outputs.map(([, text]) => text).join('')).toContain('token is *****');
    for (const secret of [TOKEN, PASSWORD]) {
      expect(printed).not.toContain(secret);
      for (const [key, text] of written) expect(text.includes(secret), `${secret} leaked into s3://${key}`).toBe(false);
      for (const [file, content] of readTree(dir)) expect(content.includes(secret), `${secret} leaked into ${file}`).toBe(false);
    }
  });

  it('a secret the job cannot find fails its step with a message naming the ARN, routed like any failure', { timeout: 300_000 }, async () => {
    const dir = copyFixture(path.join(CONFORMANCE, 'nested'));
    writeFileSync(path.join(dir, 'secret-pipeline.yaml'), PIPELINE);
    const missing = TOKEN_ARN.replace('api-token', 'gone');
    writeFileSync(path.join(dir, 'cfg.yaml'), config('missing', { type: 'aws-secrets-manager', config: { endpoint_url: aws.endpoint } }, missing));
    const result = await runCli(['emulate', 'secret-pipeline.yaml', '--target', 'asl', '-c', 'cfg.yaml', '--run-id', 'secrets-missing'], { cwd: dir, env: s3.env, timeoutMs: 240_000 });
    expect(result.status, result.stdout + result.stderr).toBe(1);
    const shown = await runCli(['runs', 'show', 'secrets-missing', '--json', '-c', 'cfg.yaml'], { cwd: dir, env: s3.env });
    const log = JSON.parse(shown.stdout) as RunLog;
    const step = Object.values(log.steps).find((st) => st.name === 'use token')!;
    expect([step.status, step.message, step.attempts.length]).toEqual(['FAIL', `secrets: Secret "${missing}" was not found in SSM Parameter Store`, 0]);
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
      '  states       51 (2 Choice, 7 Fail, 1 Map, 2 Parallel, 24 Pass, 2 Succeed, 13 Task) for 18 pipeline nodes: 2.83 states per node',
    );
    expect(lines.at(-2)).toBe('within every limit');
    const wide = await runCli(['check', 'pipeline.yaml', '--target', 'asl', '-c', '../../asl/config.yaml', '--map-width', '5000'], { cwd: dir });
    expect(wide.status).toBe(1);
    expect(wide.stdout).toContain('over the limit: execution history, inline map width');
    expect(wide.stdout).toContain("5,000 items need map_width: 5,000 in the map's asl override (a Distributed Map)");
  });

  // Lowered limits (executor.config.limits) split the machine: check measures what compile writes, against them.
  it('measures every machine of a split against the configured limits', async () => {
    const tmp = mkdtempSync(path.join(tmpdir(), 'dagc-asl-check-'));
    const config = readFileSync(path.join(CONFORMANCE, '..', 'asl', 'config.yaml'), 'utf8').replace('    image:', '    limits: {definition_bytes: 16384, history_events: 200}\n    image:');
    writeFileSync(path.join(tmp, 'split.yaml'), config);
    // (200 steps: the parent's routing for each part is ~1.8 KB as written, so at these limits the parent of its
    // parts is over them itself, and is split in turn.)
    writeFileSync(path.join(tmp, 'pipeline.yaml'), chainPipeline({ steps: 200 }));
    const r = await runCli(['check', 'pipeline.yaml', '--target', 'asl', '-c', 'split.yaml'], { cwd: tmp });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ bytes as written \([\d,]+ minified\) \(the largest of \d+ machines: the parent and \d+ children\); limit 16,384 /);
    expect(r.stdout).toMatch(/events per execution of the largest machine .*; limit 200 /);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'split.yaml', '-o', 'out/'], { cwd: tmp });
    expect(compiled.status, compiled.stderr).toBe(0);
    const machines = Number(/the largest of (\d+) machines/.exec(r.stdout)![1]);
    expect(readTree(path.join(tmp, 'out')).filter(([f]) => f.endsWith('.asl.json')).length).toBe(machines);
    // A map whose state is over these limits has its item run as a child machine (and the parallel node in it
    // its branches): every machine is under them.
    const nested = copyFixture(path.join(CONFORMANCE, 'nested'));
    writeFileSync(path.join(nested, 'split.yaml'), config);
    const fits = await runCli(['check', 'pipeline.yaml', '--target', 'asl', '-c', 'split.yaml'], { cwd: nested });
    expect(fits.status, fits.stdout).toBe(0);
    expect(fits.stdout).toContain('within every limit');
    // A parallel node of 40 branches: its branches run in child machines (two to a part), but the Parallel that
    // starts them all is over these limits alone (not over Step Functions' quotas): check exits 1, compile warns.
    const wide = mkdtempSync(path.join(tmpdir(), 'dagc-asl-check-'));
    writeFileSync(path.join(wide, 'split.yaml'), config);
    writeFileSync(path.join(wide, 'pipeline.yaml'), parallelPipeline({ branches: 40, perBranch: 1, shell: true }));
    const over = await runCli(['check', 'pipeline.yaml', '--target', 'asl', '-c', 'split.yaml'], { cwd: wide });
    expect(over.status).toBe(1);
    expect(over.stdout).toContain('over the limit: definition size');
    const warned = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'split.yaml', '-o', 'out/'], { cwd: wide });
    expect(warned.status, warned.stderr).toBe(0);
    // It points at the step whose state makes the part large (the wide parallel), not at the pipeline's first step.
    expect(warned.stderr).toMatch(
      /pipeline\.yaml:5:5 warning DAGC-ASL-OVER-LIMIT part \d+ is [\d,]+ bytes even split \(its largest state, step "fan", is [\d,]+ bytes\), over executor\.config\.limits\.definition_bytes \(16,384\)/,
    );
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

  it('refuses a dotenv secrets file and a bad aws-secrets-manager config before rendering', async () => {
    const tmp = copyFixture(dir);
    const base =
      'executor:\n  type: asl\n  config:\n    image: x\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\n' +
      'run_log_store:\n  type: s3\n  config: {bucket: my-runs}\ncatalog:\n  type: s3\n  config: {bucket: my-runs}\n';
    writeFileSync(path.join(tmp, 'dotenv.yaml'), `${base}secrets:\n  type: dotenv\n`);
    const dotenv = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'dotenv.yaml'], { cwd: tmp });
    expect(dotenv.status).toBe(2);
    expect(dotenv.stderr).toContain('jobs share no disk: a dotenv secrets file here is not in the jobs');
    expect(dotenv.stderr).toContain('give secret_as_env: {ENV_VAR: arn:aws:secretsmanager:…} in the asl config');
    writeFileSync(path.join(tmp, 'aws.yaml'), `${base}secrets:\n  type: aws-secrets-manager\n  config: {endpoint_url: "localhost:4566"}\n`);
    const aws = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'aws.yaml'], { cwd: tmp });
    expect(aws.status).toBe(2);
    expect(aws.stderr).toContain('endpoint_url');
  });

  it('a node with its own image needs its own job definition, or the CloudFormation wrapper to declare one', async () => {
    const tmp = copyFixture(dir);
    writeFileSync(
      path.join(tmp, 'gpu.yaml'),
      'dag:\n  start_at: train\n  steps:\n    train:\n      type: task\n      command_type: shell\n      command: echo hi\n      overrides:\n        asl: gpu\n      next: success\n    success:\n      type: success\n    fail:\n      type: fail\n',
    );
    const executor = (extra: string) =>
      'executor:\n  type: asl\n  config:\n    image: repo/dagc:1\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\n' +
      `    overrides:\n      gpu: {image: repo/gpu:1, gpu: 1}\n${extra}` +
      'run_log_store:\n  type: s3\n  config: {bucket: my-runs}\ncatalog:\n  type: s3\n  config: {bucket: my-runs}\n';
    writeFileSync(path.join(tmp, 'plain.yaml'), executor(''));
    const plain = await runCli(['compile', 'gpu.yaml', '--target', 'asl', '-c', 'plain.yaml'], { cwd: tmp });
    expect(plain.status).toBe(2);
    expect(plain.stderr).toContain('the asl settings of node "train": image "repo/gpu:1" differs from the executor\'s');
    expect(plain.stderr).toContain('set job_definition (a job definition with that image) in the same override, or turn on cloudformation');
    writeFileSync(path.join(tmp, 'cfn.yaml'), executor('    cloudformation: true\n'));
    const cfn = await runCli(['compile', 'gpu.yaml', '--target', 'asl', '-c', 'cfn.yaml'], { cwd: tmp });
    expect(cfn.status, cfn.stderr).toBe(0);
    const template = JSON.parse(cfn.stdout) as { Resources: Record<string, { Type: string; Properties: { ContainerProperties?: { Image: string } } }> };
    const declared = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Batch::JobDefinition');
    expect(declared.map(([, r]) => r.Properties.ContainerProperties?.Image)).toEqual(['repo/gpu:1']);
    const id = declared[0]![0];
    expect(cfn.stdout).toContain(`"JobDefinition": "\${${id}}"`);
    expect((template.Resources.StateMachine!.Properties as { DefinitionSubstitutions?: unknown }).DefinitionSubstitutions).toEqual({ [id]: { Ref: id } });
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
