// Every key of every target's and provider's config, misspelt, through the real `dagc validate`: exit 2, an
// error at the misspelling's own line:col with a "did you mean" naming the key. The cases come from the
// published schema (schemas/config.schema.json: each section's `if type … then config: $ref`), so a key added
// there is covered without touching this file; the expected positions come from the YAML this test writes,
// not from dagc.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

type Json = { [key: string]: unknown };
const schema = JSON.parse(readFileSync(path.join(ROOT, 'schemas', 'config.schema.json'), 'utf8')) as Json;
const definitions = schema.definitions as Record<string, Json>;

const deref = (s: Json): Json => (typeof s.$ref === 'string' ? deref(definitions[s.$ref.split('/').pop()!]!) : s);

/** (section, type, config definition) for every provider type whose config the schema describes. */
function providerConfigs(): [string, string, Json][] {
  const out: [string, string, Json][] = [];
  for (const section of ['executor', 'run_log_store', 'catalog', 'secrets', 'experiment_tracker']) {
    for (const rule of (definitions[section]!.allOf ?? []) as Json[]) {
      const type = ((rule.if as Json).properties as Json).type as Json;
      const ref = ((rule.then as Json).properties as Json).config as Json;
      for (const name of (type.enum ?? [type.const]) as string[]) out.push([section, name, deref(ref)]);
    }
  }
  return out;
}

/** Plain Levenshtein distance: the oracle for "this misspelling is closest to that key", independent of dagc's. */
function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return d[a.length]![b.length]!;
}

/** A typo of `key` that is one edit from it and further from every other key of the same mapping. */
function misspell(key: string, siblings: readonly string[]): string {
  const tries = [key + key.at(-1), key.slice(0, -1), `${key.slice(0, 1)}${key.slice(2)}`, `${key}s`, `x${key}`];
  const typo = tries.find((t) => !siblings.includes(t) && siblings.every((s) => s === key || distance(t, s) > 1));
  if (!typo) throw new Error(`no unambiguous misspelling of ${key} among ${siblings.join(', ')}`);
  return typo;
}

/** Values for keys a mapping requires, so that the misspelling is its only problem. */
const SAMPLES: Readonly<Record<string, unknown>> = { image: 'registry.example.com/app:1', bucket: 'dagc-bucket' };

interface Case {
  /** The key as the schema spells it, with its path below `config`. */
  readonly path: string;
  readonly typo: string;
  readonly line: number;
  readonly column: number;
}

/**
 * The YAML of `config:` with every key of `def` (and of its nested mappings) misspelt, and where each
 * misspelling is. Nested mappings get a correctly spelt key holding a mapping of misspelt ones.
 */
function misspeltConfig(def: Json, indent: number, at: string, lines: string[], cases: Case[]): void {
  const properties = (def.properties ?? {}) as Record<string, Json>;
  const keys = Object.keys(properties);
  for (const key of (def.required ?? []) as string[])
    if (!keys.includes(key) || SAMPLES[key] !== undefined) lines.push(`${' '.repeat(indent)}${key}: ${JSON.stringify(SAMPLES[key])}`);
  for (const key of keys) {
    const sub = deref(properties[key]!);
    const types = ([] as unknown[]).concat(sub.type ?? []);
    if (sub.properties && Object.keys(sub.properties).length && types.includes('object')) {
      lines.push(`${' '.repeat(indent)}${key}:`);
      misspeltConfig(sub, indent + 2, `${at}${key}.`, lines, cases);
    }
    // Required keys are written correctly above; a misspelt copy of them would also be a duplicate.
    if (((def.required ?? []) as string[]).includes(key)) continue;
    const typo = misspell(key, keys);
    lines.push(`${' '.repeat(indent)}${typo}: 1`);
    cases.push({ path: `${at}${key}`, typo, line: lines.length, column: indent + 1 });
  }
}

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-config-schema-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'pipeline.yaml'), 'dag:\n  start_at: hello\n  steps:\n    hello:\n      type: stub\n      next: success\n    success:\n      type: success\n    fail:\n      type: fail\n');
const env = { DAGC_VAR_image: undefined };

describe('every target and provider key, misspelt, is refused by dagc validate at its position', () => {
  const configs = providerConfigs();

  it('covers every executor, run log store, catalog and secrets provider that takes settings', () => {
    const covered = new Set(configs.map(([section, type]) => `${section}:${type}`));
    for (const expected of ['executor:local', 'executor:local-container', 'executor:bash', 'executor:argo', 'executor:asl', 'run_log_store:s3', 'run_log_store:chunked-fs', 'run_log_store:buffered', 'catalog:s3', 'catalog:file-system', 'secrets:dotenv', 'secrets:aws-secrets-manager'])
      expect(covered).toContain(expected);
  });

  it.each(configs.map(([section, type, def]) => [`${section} ${type}`, section, type, def] as const))('%s', async (_name, section, type, def) => {
    const lines = [`${section}:`, `  type: ${type}`, '  config:'];
    const cases: Case[] = [];
    misspeltConfig(def, 4, '', lines, cases);
    if (cases.length === 0) return; // a provider without settings: nothing to misspell
    writeFileSync(path.join(dir, 'config.yaml'), `${lines.join('\n')}\n`);
    const r = await runCli(['validate', 'pipeline.yaml', '-c', 'config.yaml'], { cwd: dir, env });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const blocks = r.stderr.split('\n\n');
    for (const c of cases) {
      const block = blocks.find((b) => b.startsWith(`config.yaml:${c.line}:${c.column} error DAGC-SCHEMA-UNKNOWN-KEY unknown key "${c.typo}"`));
      expect(block, `${c.path} misspelt as ${c.typo} at ${c.line}:${c.column}\n${r.stderr}`).toBeDefined();
      expect(block).toContain(`hint: did you mean "${c.path.split('.').pop()}"?`);
    }
    // Nothing else: one error per misspelling (a misspelt required key is not also "missing").
    expect(r.stderr).toMatch(new RegExp(`\\n${cases.length} errors?\\n$`));
  });
});

describe('the config typos of issue 11', () => {
  it.each([
    ['executor: {type: argo, config: {imag: x}}', 'imag', 'image'],
    ['executor: {type: asl, config: {vcpu: 2}}', 'vcpu', 'vcpus'],
    ['run_log_store: {type: s3, config: {buckt: x}}', 'buckt', 'bucket'],
  ])('%s: exit 2 at the key, with a did-you-mean', async (text, typo, key) => {
    const at = `1:${text.indexOf(`${typo}:`) + 1}`;
    writeFileSync(path.join(dir, 'typo.yaml'), `${text}\n`);
    const r = await runCli(['validate', 'pipeline.yaml', '-c', 'typo.yaml'], { cwd: dir, env });
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`typo.yaml:${at} error DAGC-SCHEMA-UNKNOWN-KEY unknown key "${typo}"`);
    expect(r.stderr).toContain(`hint: did you mean "${key}"?`);
  });
});

describe('what compile, execute or run would refuse about a config its schema accepts, dagc validate refuses first', () => {
  it.each([
    {
      name: 'a CronWorkflow without a schedule (the argo reader)',
      config: 'executor:\n  type: argo\n  config:\n    image: app:1\n    kind: CronWorkflow\n    persistent_volumes: [{name: runs, mount_path: /mnt}]\n',
      at: '3:3',
      message: 'a CronWorkflow needs at least one schedule',
      refusedBy: ['compile', 'pipeline.yaml', '--target', 'argo'],
    },
    {
      name: 'an asl secret given by value (the asl reader)',
      config:
        'executor:\n  type: asl\n  config:\n    image: app:1\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\n    secret_as_env:\n      TOKEN: hunter2\nrun_log_store: {type: s3, config: {bucket: dagc-runs}}\ncatalog: {type: s3, config: {bucket: dagc-runs}}\n',
      at: '8:7',
      message: 'secret_as_env "TOKEN" must be the ARN of a Secrets Manager secret or an SSM parameter',
      refusedBy: ['compile', 'pipeline.yaml', '--target', 'asl'],
    },
    {
      name: 'asl jobs with a run log on a local disk (the integration)',
      config:
        'executor:\n  type: asl\n  config:\n    image: app:1\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\nrun_log_store:\n  type: chunked-fs\ncatalog: {type: s3, config: {bucket: dagc-runs}}\n',
      at: '7:1',
      message: 'a chunked-fs run log store would be a different folder in each job',
      refusedBy: ['compile', 'pipeline.yaml', '--target', 'asl'],
    },
    {
      name: 'an mlflow tracker with no server',
      config: 'experiment_tracker:\n  type: mlflow\n',
      at: '1:1',
      message: 'the mlflow experiment tracker has no server',
      refusedBy: ['run', 'pipeline.yaml'],
    },
  ])('$name', async ({ config, at, message, refusedBy }) => {
    writeFileSync(path.join(dir, 'semantic.yaml'), config);
    const cleanEnv = { ...env, MLFLOW_TRACKING_URI: undefined };
    const r = await runCli(['validate', 'pipeline.yaml', '-c', 'semantic.yaml'], { cwd: dir, env: cleanEnv });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    const block = r.stderr.split('\n\n').find((b) => b.startsWith(`semantic.yaml:${at} error `));
    expect(block, r.stderr).toBeDefined();
    expect(block).toContain(message);
    expect(block).toMatch(/\nhint: /);
    // The command that acts on it refuses it too: validate reports what it would, not a rule of its own.
    const acted = await runCli([...refusedBy, '-c', 'semantic.yaml'], { cwd: dir, env: cleanEnv });
    expect(acted.status, acted.stderr).toBe(2);
    expect(acted.stderr).toContain(message);
  });
});

describe("a step's own executor settings in the pipeline file follow the same unknown-key policy", () => {
  it.each([
    ['local', 'executor_config', 'max_paralel', 'max_parallel'],
    ['local-container', 'mode_config', 'docker_imag', 'docker_image'],
    ['bash', 'executor_config', 'secret_as_envs', 'secret_as_env'],
  ])('%s: %s with a typo is an error at the step', async (executor, field, typo, key) => {
    const pipeline = [
      'dag:',
      '  start_at: hello',
      '  steps:',
      '    hello:',
      '      type: stub',
      '      next: success',
      `      ${field}:`,
      `        ${executor}: {${typo}: 1}`,
      '    success:',
      '      type: success',
      '    fail:',
      '      type: fail',
      '',
    ].join('\n');
    writeFileSync(path.join(dir, 'step-settings.yaml'), pipeline);
    const extra = executor === 'local-container' ? '\n  config: {docker_image: "app:1"}' : '';
    writeFileSync(path.join(dir, 'step-config.yaml'), `executor:\n  type: ${executor}${extra}\n`);
    const r = await runCli(['validate', 'step-settings.yaml', '-c', 'step-config.yaml'], { cwd: dir, env });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(`step-settings.yaml:4:5 error DAGC-SCHEMA-UNKNOWN-KEY step "hello": unknown key "${typo}" in its ${executor} settings`);
    expect(r.stderr).toContain(`hint: did you mean "${key}"?`);
  });

  it("checks the config's named overrides of the local executors with the executor's own keys", async () => {
    writeFileSync(path.join(dir, 'named.yaml'), 'executor:\n  type: local\n  config:\n    overrides:\n      big: {max_paralel: 8}\n');
    const r = await runCli(['validate', 'pipeline.yaml', '-c', 'named.yaml'], { cwd: dir, env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('named.yaml:5:13 error DAGC-SCHEMA-UNKNOWN-KEY unknown key "max_paralel"');
    expect(r.stderr).toContain('hint: did you mean "max_parallel"?');
  });
});
