// The asl executor's config (`executor: {type: asl, config: {…}}`) and per-node overrides (a node's
// `overrides: {asl: NAME}` picks `config.overrides.NAME`, magnus 0.5 style; src/config/resolve-node.ts), read
// into typed settings. Every problem is a Diagnostic naming the key; missing required keys are listed together.
import type { DagcConfig, ServiceSection } from '../../config/types.js';
import { UnknownOverrideError, resolveNodeConfig } from '../../config/resolve-node.js';
import type { Node } from '../../ir/types.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { didYouMean } from '../../core/suggest.js';
import { isSecretArn } from '../../services/secrets/aws-secret-ref.js';
import { sectionDiagnostic } from '../../config/source.js';
import { executorTypesOf } from '../../config/executors.js';

export interface AslRetry {
  readonly intervalSeconds: number;
  readonly backoffRate: number;
  readonly maxDelaySeconds?: number;
  readonly jitter?: 'FULL' | 'NONE';
}

export type AslCompute =
  | {
      readonly kind: 'batch';
      readonly jobQueue: string;
      /** undefined: the CloudFormation wrapper registers one for the image (job-definitions.ts). */
      readonly jobDefinition?: string;
      /** For a registered job definition: its JobRoleArn and ExecutionRoleArn. */
      readonly jobRoleArn?: string;
      readonly executionRoleArn?: string;
    }
  | {
      readonly kind: 'ecs';
      readonly cluster: string;
      readonly taskDefinition: string;
      readonly launchType: 'FARGATE' | 'EC2' | 'EXTERNAL';
      readonly subnets: readonly string[];
      readonly securityGroups: readonly string[];
      readonly assignPublicIp: boolean;
      readonly containerName: string;
    };

/** What one Task state needs: the global config, or a node's override of it. */
export interface AslSettings {
  readonly image: string;
  readonly compute: AslCompute;
  readonly vcpus?: number;
  /** MiB. */
  readonly memory?: number;
  readonly gpu?: number;
  /** Plain environment variables, sorted by name (values are never secrets). */
  readonly env: readonly (readonly [string, string])[];
  /**
   * `secret_as_env`, sorted by variable name: env var → secret name (a Secrets Manager / SSM ARN with the
   * default or aws-secrets-manager provider). Not in the definition: every job reads the same config file and
   * the entrypoint fetches them (src/runtime/exec-node.ts secretEnv; src/integrations/asl.ts).
   */
  readonly secretAsEnv: readonly (readonly [string, string])[];
  readonly retry: AslRetry;
  /** Task TimeoutSeconds. */
  readonly timeoutSeconds: number;
  /** Map MaxConcurrency (0: as many as the engine allows). */
  readonly maxConcurrency: number;
  /** The most items a map is declared to have; over the inline limit it becomes a Distributed Map. */
  readonly mapWidth?: number;
}

export interface AslMachineSettings {
  /** The state machine's TimeoutSeconds (default: the pipeline's max_time). */
  readonly timeoutSeconds?: number;
  /** `cloudformation: {…}`: wrap the definition in an AWS::StepFunctions::StateMachine (cloudformation.ts). */
  readonly cloudformation?: CloudFormationSettings;
}

/** The CloudFormation wrapper's keys (README "asl target", schemas/config.schema.json). */
export interface CloudFormationSettings {
  readonly roleArn?: string | undefined;
  readonly name?: string | undefined;
  /** Declare a least-privilege role for the state machine (and the close rule, the schedule) in the template. */
  readonly role?: boolean;
  readonly logging?: { readonly level: 'ALL' | 'ERROR' | 'FATAL'; readonly includeExecutionData: boolean; readonly retentionDays: number };
  readonly tracing?: boolean;
  /** Tags on the state machine, its log group, roles and job definitions. */
  readonly tags?: readonly (readonly [string, string])[];
  /** An AWS::Scheduler::Schedule that starts the machine. */
  readonly schedule?: { readonly expression: string; readonly timezone: string; readonly enabled: boolean };
  /** The platform of the job definitions the template declares (Batch): EC2 (default) or FARGATE. */
  readonly platform?: 'EC2' | 'FARGATE';
  /** Fargate job definitions: whether the task gets a public IP (needed without a NAT to pull images). */
  readonly assignPublicIp?: boolean;
  /** Not a key: the Secrets Manager / SSM ARNs of every secret_as_env, which a declared job role may read. */
  readonly secrets?: readonly string[];
}

const CFN_KEYS = ['role_arn', 'name', 'role', 'logging', 'tracing', 'tags', 'schedule', 'platform', 'assign_public_ip'];
// CloudWatch Logs' accepted retention periods (AWS::Logs::LogGroup RetentionInDays).
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function readCloudFormation(c: Reader, raw: Record<string, unknown>, where: Where): CloudFormationSettings {
  c.unknownKeys(CFN_KEYS);
  const flag = (key: string): boolean | undefined => {
    const v = raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') {
      c.error(`"${key}" must be true or false`, undefined, undefined, key);
      return undefined;
    }
    return v;
  };
  const nested = (key: string, keys: readonly string[]): Reader | undefined => {
    const v = raw[key];
    if (v === undefined || v === null || typeof v === 'boolean') return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) {
      c.error(`"${key}" must be true or a mapping`, undefined, undefined, key);
      return undefined;
    }
    const r = new Reader(v as Record<string, unknown>, { ...where, label: `${where.label} (cloudformation.${key})`, prefix: [...(where.prefix ?? []), key] });
    r.unknownKeys(keys);
    return r;
  };
  let logging: CloudFormationSettings['logging'];
  const logReader = nested('logging', ['level', 'include_execution_data', 'retention_days']);
  if (raw['logging'] === true || logReader) {
    const level = logReader?.string('level') ?? 'ERROR';
    if (!['ALL', 'ERROR', 'FATAL'].includes(level)) logReader?.error(`"level" must be ALL, ERROR or FATAL, not "${level}"`, undefined, undefined, 'level');
    const include = logReader ? (raw['logging'] as Record<string, unknown>)['include_execution_data'] : undefined;
    if (include !== undefined && typeof include !== 'boolean') logReader?.error('"include_execution_data" must be true or false', undefined, undefined, 'include_execution_data');
    const retentionDays = logReader?.number('retention_days', 1) ?? 30;
    if (!RETENTION_DAYS.includes(retentionDays)) logReader?.error(`"retention_days" must be one of CloudWatch Logs' periods (${RETENTION_DAYS.join(', ')}), not ${retentionDays}`, undefined, undefined, 'retention_days');
    logging = { level: level as 'ALL' | 'ERROR' | 'FATAL', includeExecutionData: include === true, retentionDays };
    if (logReader) c.diagnostics.push(...logReader.diagnostics);
  } else if (raw['logging'] !== undefined && raw['logging'] !== null && raw['logging'] !== false) c.error('"logging" must be true or a mapping {level, include_execution_data, retention_days}', undefined, undefined, 'logging');
  let schedule: CloudFormationSettings['schedule'];
  const sch = nested('schedule', ['expression', 'timezone', 'enabled']);
  if (sch) {
    const expression = sch.string('expression');
    if (expression === undefined) sch.error('"schedule" needs an expression', 'e.g. expression: "cron(0 6 * * ? *)"');
    else if (!/^(cron|rate|at)\(.+\)$/.test(expression)) sch.error(`"expression": "${expression}" is not an EventBridge Scheduler expression`, 'e.g. "cron(0 6 * * ? *)", "rate(1 hour)" or "at(2027-01-01T06:00:00)"', undefined, 'expression');
    const timezone = sch.string('timezone') ?? 'UTC';
    if (!/^(UTC|GMT|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/.test(timezone)) sch.error(`"timezone": "${timezone}" is not an IANA time zone name`, 'e.g. Europe/London', undefined, 'timezone');
    const enabled = (raw['schedule'] as Record<string, unknown>)['enabled'];
    if (enabled !== undefined && typeof enabled !== 'boolean') sch.error('"enabled" must be true or false', undefined, undefined, 'enabled');
    if (expression) schedule = { expression, timezone, enabled: enabled !== false };
    c.diagnostics.push(...sch.diagnostics);
  } else if (raw['schedule'] !== undefined && raw['schedule'] !== null) c.error('"schedule" must be a mapping {expression, timezone, enabled}', undefined, undefined, 'schedule');
  const tags = c.mapping('tags').map(([k, v]) => {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') c.error(`tag "${k}" must be a string`, undefined, undefined, ['tags', k]);
    if (k.startsWith('aws:')) c.error(`the tag "${k}" is reserved by AWS`, undefined, undefined, ['tags', k]);
    return [k, String(v)] as const;
  });
  const platform = c.string('platform') ?? 'EC2';
  if (platform !== 'EC2' && platform !== 'FARGATE') c.error(`"platform" must be EC2 or FARGATE, not "${platform}"`, undefined, undefined, 'platform');
  const role = flag('role');
  const roleArn = c.arn('role_arn');
  if (role === true && roleArn !== undefined) c.error('"role: true" declares the role the template would otherwise take as role_arn: give one of them', undefined, undefined, 'role');
  const tracing = flag('tracing');
  const assignPublicIp = flag('assign_public_ip');
  return {
    roleArn,
    name: c.string('name'),
    ...(role !== undefined ? { role } : {}),
    ...(logging ? { logging } : {}),
    ...(tracing !== undefined ? { tracing } : {}),
    ...(tags.length ? { tags } : {}),
    ...(schedule ? { schedule } : {}),
    ...(platform === 'FARGATE' ? { platform: 'FARGATE' as const } : {}),
    ...(assignPublicIp !== undefined ? { assignPublicIp } : {}),
  };
}

export const EXECUTOR_TYPES: readonly string[] = executorTypesOf('asl');

/** Keys the local executor's config may carry that mean nothing here but are not mistakes. */
const TOLERATED = ['enable_parallel', 'max_parallel', 'placeholders', 'overrides', 'output_file'];
const NODE_KEYS = [
  'image',
  'compute',
  'job_queue',
  'job_definition',
  'job_role_arn',
  'execution_role_arn',
  'cluster',
  'task_definition',
  'launch_type',
  'subnets',
  'security_groups',
  'assign_public_ip',
  'container_name',
  'vcpus',
  'memory',
  'gpu',
  'env',
  'secret_as_env',
  'retry',
  'timeout_seconds',
  'max_concurrency',
  'map_width',
];
// shared_workspace is read by the jobs' `dagc asl-task` (runtime/workspace.ts sharedWorkspace), not by the definition.
// limits: read by the split (split.ts, emit-asl.ts), its types checked by the config's schema.
const MACHINE_KEYS = ['machine_timeout_seconds', 'cloudformation', 'shared_workspace', 'limits'];

/** Environment variables the state machine sets itself (container-script.ts). */
export const RESERVED_ENV = ['DAGC_ASL_RUN_ID', 'DAGC_ASL_RETRY', 'DAGC_ASL_INPUT', 'DAGC_ASL_ERROR', 'DAGC_ASL_CAUSE', 'DAGC_MAP_INDEX'];

const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:\d*:.+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface Where {
  file: string;
  line: number;
  column: number;
  /** Said in messages: "the asl executor config" or 'the override "big" of node "train"'. */
  label: string;
  /**
   * The config file's executor section when this is its global config (not a node's merged one): problems
   * are then reported at the key's line:col (src/config/source.ts), `prefix` leading to the mapping read.
   */
  section?: ServiceSection;
  prefix?: readonly string[];
}

class Reader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(
    private readonly config: Readonly<Record<string, unknown>>,
    private readonly where: Where,
  ) {}

  /** A diagnostic at `key` (a key of this mapping, or a path below it) when the source is known, else at `where`. */
  private located(severity: 'error' | 'warning', code: string, message: string, hint: string | undefined, key?: string | readonly string[]): Diagnostic {
    const text = `${this.where.label}: ${message}`;
    if (this.where.section)
      return sectionDiagnostic(this.where.section, [...(this.where.prefix ?? []), ...(key === undefined ? [] : typeof key === 'string' ? [key] : key)], code, text, hint, {
        severity,
        fallbackFile: this.where.file,
      });
    return { code, severity, message: text, hint, file: this.where.file, start: { line: this.where.line, column: this.where.column } };
  }

  error(message: string, hint?: string, code = 'DAGC-ASL-CONFIG', key?: string | readonly string[]): void {
    this.diagnostics.push(this.located('error', code, message, hint, key));
  }

  warn(message: string, hint?: string, key?: string | readonly string[]): void {
    this.diagnostics.push(this.located('warning', 'DAGC-ASL-CONFIG', message, hint, key));
  }

  has(key: string): boolean {
    const v = this.config[key];
    return v !== undefined && v !== null;
  }

  string(key: string): string | undefined {
    const v = this.config[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.error(`"${key}" must be a non-empty string`, undefined, undefined, key);
      return undefined;
    }
    return v;
  }

  arn(key: string): string | undefined {
    const v = this.string(key);
    if (v !== undefined && !ARN.test(v)) this.error(`"${key}" must be an ARN (arn:aws:…), got "${v}"`, undefined, undefined, key);
    return v;
  }

  number(key: string, min: number, integer = true): number | undefined {
    const v = this.config[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      this.error(`"${key}" must be ${integer ? 'a whole number' : 'a number'} of at least ${min}, got ${JSON.stringify(v)}`, undefined, undefined, key);
      return undefined;
    }
    return v;
  }

  strings(key: string): string[] {
    const v = this.config[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string' || s === '')) {
      this.error(`"${key}" must be a list of strings`, undefined, undefined, key);
      return [];
    }
    return v as string[];
  }

  mapping(key: string): [string, unknown][] {
    const v = this.config[key];
    if (v === undefined || v === null) return [];
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.error(`"${key}" must be a mapping`, undefined, undefined, key);
      return [];
    }
    return Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }

  /**
   * One unknown-key policy with the config schema: an error with the closest known key. The config file's
   * own keys never get here unknown (the schema refused them); a node's merged settings (a 2022-style
   * `mode_config: {asl: {...}}` in the pipeline) do.
   */
  unknownKeys(known: readonly string[]): void {
    for (const key of Object.keys(this.config)) {
      if (known.includes(key) || TOLERATED.includes(key)) continue;
      const guess = didYouMean(key, known);
      this.error(`unknown key "${key}"`, guess ? `did you mean "${guess}"?` : `known keys: ${known.join(', ')}`, 'DAGC-ASL-CONFIG-UNKNOWN-KEY', key);
    }
  }
}

function readRetry(r: Reader): AslRetry {
  const entries = new Map(r.mapping('retry'));
  const num = (key: string, min: number, integer: boolean) => {
    const v = entries.get(key);
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (integer && !Number.isInteger(v))) {
      r.error(`"retry.${key}" must be ${integer ? 'a whole number' : 'a number'} of at least ${min}`, undefined, undefined, ['retry', key]);
      return undefined;
    }
    return v;
  };
  for (const key of entries.keys())
    if (!['interval_seconds', 'backoff_rate', 'max_delay_seconds', 'jitter'].includes(key))
      r.error(`unknown key "retry.${key}"`, 'retry accepts interval_seconds, backoff_rate, max_delay_seconds, jitter', 'DAGC-ASL-CONFIG-UNKNOWN-KEY', ['retry', key]);
  const jitter = entries.get('jitter');
  let jitterStrategy: 'FULL' | 'NONE' | undefined;
  if (jitter !== undefined && jitter !== null) {
    if (jitter === true || jitter === 'FULL' || jitter === 'full') jitterStrategy = 'FULL';
    else if (jitter === false || jitter === 'NONE' || jitter === 'none') jitterStrategy = 'NONE';
    else r.error('"retry.jitter" must be true/false or "FULL"/"NONE"', undefined, undefined, ['retry', 'jitter']);
  }
  // ASL's defaults (IntervalSeconds 1, BackoffRate 2.0) are written out, so the definition says what it does.
  return {
    intervalSeconds: num('interval_seconds', 1, true) ?? 1,
    backoffRate: num('backoff_rate', 1, false) ?? 2,
    maxDelaySeconds: num('max_delay_seconds', 1, true),
    jitter: jitterStrategy,
  };
}

/** What reading one config depends on besides the config itself. */
interface ReadContext {
  readonly defaultTimeout: number;
  /** The secrets provider's type: it decides what a secret_as_env value must be. */
  readonly secretsType: string;
  /** The CloudFormation wrapper is on: Batch job definitions may be left to it. */
  readonly registersJobDefinitions: boolean;
}

/**
 * secret_as_env values. With do-nothing (which the jobs replace by aws-secrets-manager) or aws-secrets-manager
 * they are ARNs: the region and the service come from them, and nothing else could tell a Secrets Manager
 * name from an SSM one. With env-secrets-manager they are variables the job definition sets.
 */
function readSecretAsEnv(r: Reader, config: Readonly<Record<string, unknown>>, secretsType: string, env: readonly (readonly [string, string])[]): (readonly [string, string])[] {
  if (config.secrets !== undefined && config.secrets !== null)
    r.error(
      '"secrets" is not an asl key: secrets go in "secret_as_env" ({ENV_VAR: ARN}), which each job\'s entrypoint fetches',
      'rename secrets: to secret_as_env: (the same {ENV_VAR: arn:aws:secretsmanager:…} mapping)',
      'DAGC-ASL-SECRETS-KEY',
      'secrets',
    );
  const byArn = secretsType === 'do-nothing' || secretsType === 'aws-secrets-manager';
  const out: (readonly [string, string])[] = [];
  for (const [name, value] of r.mapping('secret_as_env')) {
    const at = ['secret_as_env', name];
    if (!ENV_NAME.test(name)) r.error(`secret_as_env name "${name}" is not a valid environment variable name`, undefined, undefined, at);
    else if (RESERVED_ENV.includes(name)) r.error(`secret_as_env name "${name}" is set by dagc itself`, undefined, undefined, at);
    else if (env.some(([e]) => e === name)) r.error(`"${name}" is in both env and secret_as_env`, 'keep it in one of them', undefined, at);
    else if (typeof value !== 'string' || value === '') r.error(`secret_as_env "${name}" must be a secret name`, undefined, undefined, at);
    else if (byArn && !isSecretArn(value))
      r.error(
        `secret_as_env "${name}" must be the ARN of a Secrets Manager secret or an SSM parameter`,
        'secrets are given by reference (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, or arn:aws:ssm:REGION:ACCOUNT:parameter/NAME), never by value',
        'DAGC-ASL-SECRET-NOT-ARN',
        at,
      );
    else if (secretsType === 'env-secrets-manager' && !ENV_NAME.test(value))
      r.error(`secret_as_env "${name}" must name the variable the job definition sets (secrets: env-secrets-manager), got "${value}"`, undefined, undefined, at);
    else out.push([name, value]);
  }
  return out;
}

/** Reads one (global or per-node) config; undefined when it has errors. */
function readSettings(config: Readonly<Record<string, unknown>>, where: Where, rc: ReadContext): { settings?: AslSettings; diagnostics: Diagnostic[] } {
  const r = new Reader(config, where);
  // "secrets" has an error of its own (readSecretAsEnv).
  r.unknownKeys([...NODE_KEYS, ...MACHINE_KEYS, 'secrets']);
  const compute = r.string('compute') ?? 'batch';
  if (compute !== 'batch' && compute !== 'ecs') r.error(`"compute" must be "batch" or "ecs", not "${compute}"`, undefined, undefined, 'compute');
  const batchKeys = rc.registersJobDefinitions ? ['job_queue'] : ['job_queue', 'job_definition'];
  const required = ['image', ...(compute === 'ecs' ? ['cluster', 'task_definition'] : batchKeys)];
  const missing = required.filter((k) => !r.has(k));
  if (missing.length)
    r.error(
      `missing required key${missing.length > 1 ? 's' : ''} ${missing.map((k) => `"${k}"`).join(', ')} (compute: ${compute})`,
      `write them under executor: {type: asl, config: {…}}, e.g. ${missing.map((k) => `${k}: ${k === 'image' ? '<registry>/<image>:<tag>' : 'arn:aws:…'}`).join(', ')}`,
      'DAGC-ASL-CONFIG-MISSING',
    );
  const image = r.string('image') ?? '';
  let computeSettings: AslCompute;
  if (compute === 'ecs') {
    const launchType = r.string('launch_type') ?? 'FARGATE';
    if (!['FARGATE', 'EC2', 'EXTERNAL'].includes(launchType)) r.error(`"launch_type" must be FARGATE, EC2 or EXTERNAL, not "${launchType}"`, undefined, undefined, 'launch_type');
    const assign = config.assign_public_ip ?? false;
    if (typeof assign !== 'boolean') r.error('"assign_public_ip" must be true or false', undefined, undefined, 'assign_public_ip');
    computeSettings = {
      kind: 'ecs',
      cluster: r.arn('cluster') ?? '',
      taskDefinition: r.arn('task_definition') ?? '',
      launchType: launchType as 'FARGATE' | 'EC2' | 'EXTERNAL',
      subnets: r.strings('subnets'),
      securityGroups: r.strings('security_groups'),
      assignPublicIp: assign === true,
      containerName: r.string('container_name') ?? 'dagc',
    };
    if (launchType === 'FARGATE' && computeSettings.subnets.length === 0 && missing.length === 0)
      r.error('ECS on Fargate needs "subnets" (awsvpc networking)', 'add subnets: [subnet-…] (and security_groups: [sg-…])', undefined, 'launch_type');
  } else {
    computeSettings = {
      kind: 'batch',
      jobQueue: r.arn('job_queue') ?? '',
      jobDefinition: r.arn('job_definition'),
      jobRoleArn: r.arn('job_role_arn'),
      executionRoleArn: r.arn('execution_role_arn'),
    };
    for (const k of ['cluster', 'task_definition', 'launch_type', 'subnets', 'security_groups', 'assign_public_ip', 'container_name'])
      if (r.has(k)) r.warn(`"${k}" is for compute: ecs and is ignored with compute: batch`, undefined, k);
  }
  if (compute === 'ecs')
    for (const k of ['job_role_arn', 'execution_role_arn'])
      if (r.has(k)) r.warn(`"${k}" is for job definitions that the CloudFormation wrapper registers (compute: batch); ECS takes roles from the task definition`, undefined, k);
  const env: (readonly [string, string])[] = [];
  for (const [name, value] of r.mapping('env')) {
    if (!ENV_NAME.test(name)) r.error(`env name "${name}" is not a valid environment variable name`, undefined, undefined, ['env', name]);
    else if (RESERVED_ENV.includes(name)) r.error(`env name "${name}" is set by dagc itself`, undefined, undefined, ['env', name]);
    else if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') env.push([name, String(value)]);
    else r.error(`env "${name}" must be a string, number or boolean`, undefined, undefined, ['env', name]);
  }
  const secretAsEnv = readSecretAsEnv(r, config, rc.secretsType, env);
  const settings: AslSettings = {
    image,
    compute: computeSettings,
    vcpus: r.number('vcpus', 0.25, false),
    memory: r.number('memory', 1),
    gpu: r.number('gpu', 1),
    env,
    secretAsEnv,
    retry: readRetry(r),
    timeoutSeconds: r.number('timeout_seconds', 1) ?? rc.defaultTimeout,
    maxConcurrency: r.number('max_concurrency', 0) ?? 0,
    mapWidth: r.number('map_width', 0),
  };
  return r.diagnostics.some((d) => d.severity === 'error') ? { diagnostics: r.diagnostics } : { settings, diagnostics: r.diagnostics };
}

/**
 * A node's own image. Batch SubmitJob and ECS RunTask overrides cannot change the image (AWS Batch API
 * ContainerOverrides, ECS ContainerOverride: no image field): it comes from the job or task definition. So a
 * node whose image differs from the executor's but which names no definition of its own either gets one that
 * the CloudFormation wrapper registers (Batch), or is an error saying what to add.
 */
function imageOverride(
  settings: AslSettings,
  global: AslSettings,
  registers: boolean,
  where: Where,
): { settings: AslSettings } | { diagnostic: Diagnostic } {
  const definitionOf = (c: AslCompute) => (c.kind === 'batch' ? c.jobDefinition : c.taskDefinition);
  if (settings.image === global.image || definitionOf(settings.compute) !== definitionOf(global.compute)) return { settings };
  if (registers && settings.compute.kind === 'batch') return { settings: { ...settings, compute: { ...settings.compute, jobDefinition: undefined } } };
  const batch = settings.compute.kind === 'batch';
  return {
    diagnostic: {
      code: 'DAGC-ASL-IMAGE-OVERRIDE',
      severity: 'error',
      message: `${where.label}: image "${settings.image}" differs from the executor's, but ${batch ? 'Batch' : 'ECS'} runs the image of the ${batch ? 'job' : 'task'} definition and the node names none of its own`,
      hint: batch
        ? 'set job_definition (a job definition with that image) in the same override, or turn on cloudformation: {…} in the asl config to have dagc declare one per image'
        : 'set task_definition (a task definition with that image) in the same override',
      file: where.file,
      start: { line: where.line, column: where.column },
    },
  };
}

export interface AslConfig {
  readonly global: AslSettings;
  readonly machine: AslMachineSettings;
  /** The settings of a node (its override, or the global ones). */
  forNode(node: Node): AslSettings;
}

/**
 * Reads the asl executor config. `dagc emulate` and `dagc check` fill in what a local config lacks as config
 * first (emulation-config.ts), so this reads one kind of config only.
 */
export function readAslConfig(
  config: DagcConfig,
  opts: { pipelineFile: string; defaultTimeout: number; nodes: readonly Node[] },
): { config?: AslConfig; diagnostics: Diagnostic[] } {
  const file = config.file ?? opts.pipelineFile;
  const isAsl = (EXECUTOR_TYPES as readonly string[]).includes(config.executor.type);
  if (!isAsl)
    return {
      diagnostics: [
        sectionDiagnostic(
          config.executor,
          [],
          'DAGC-ASL-CONFIG-MISSING',
          `--target asl needs an asl executor config, but the executor is "${config.executor.type}"`,
          'pass -c with executor: {type: asl, config: {image: …, job_queue: arn:aws:batch:…, job_definition: arn:aws:batch:…}} and s3 run_log_store and catalog sections',
          { fallbackFile: file },
        ),
      ],
    };
  const withDefaults: Record<string, unknown> = { ...config.executor.config };
  const section: ServiceSection = { type: config.executor.type, config: withDefaults };
  const label = 'the asl executor config';
  // The config file's own section: its problems are shown at its keys.
  const source = isAsl ? { section: config.executor } : {};
  const machine = new Reader(withDefaults, { file, line: 1, column: 1, label, ...source });
  const timeoutSeconds = machine.number('machine_timeout_seconds', 1);
  let cloudformation: AslMachineSettings['cloudformation'];
  const cfn = withDefaults.cloudformation;
  if (cfn === true) cloudformation = {};
  else if (cfn && typeof cfn === 'object' && !Array.isArray(cfn)) {
    const c = new Reader(cfn as Record<string, unknown>, { file, line: 1, column: 1, label: `${label} (cloudformation)`, ...source, prefix: ['cloudformation'] });
    cloudformation = readCloudFormation(c, cfn as Record<string, unknown>, { file, line: 1, column: 1, label: `${label} (cloudformation)`, ...source, prefix: ['cloudformation'] });
    machine.diagnostics.push(...c.diagnostics);
  } else if (cfn !== undefined && cfn !== null && cfn !== false) machine.error(`"cloudformation" must be true or a mapping {${CFN_KEYS.join(', ')}}`, undefined, undefined, 'cloudformation');

  const shared = withDefaults.shared_workspace;
  if (shared !== undefined && shared !== null && typeof shared !== 'boolean') machine.error('"shared_workspace" must be true or false', undefined, undefined, 'shared_workspace');
  // The emulator's jobs all start in one folder, so there the steps share it; AWS's jobs each have their own.
  if (shared === true)
    machine.warn(
      '"shared_workspace": each step runs in its job\'s working folder without a fresh workspace, as magnus did; `dagc emulate` runs every job in one folder, so there steps see the files earlier steps left, but on AWS each job has its own copy of the image and only catalog files reach a later step',
      'declare the files a step reads in its catalog get, and drop shared_workspace to run here as on AWS',
      'shared_workspace',
    );
  const globalConfig = { ...withDefaults };
  delete globalConfig.overrides;
  delete globalConfig.placeholders;
  const rc: ReadContext = { defaultTimeout: opts.defaultTimeout, secretsType: config.secrets.type, registersJobDefinitions: cloudformation !== undefined };
  const { settings: global, diagnostics } = readSettings(globalConfig, { file, line: 1, column: 1, label, ...source }, rc);
  diagnostics.push(...machine.diagnostics);
  if (!global) return { diagnostics };

  const perNode = new Map<Node, AslSettings>();
  for (const node of opts.nodes) {
    const executorKey = node.overrides[section.type] !== undefined ? section.type : 'asl';
    if (node.overrides[executorKey] === undefined) continue;
    const where = { file: node.source.file, line: node.source.start.line, column: node.source.start.column, label: `the asl settings of node "${node.internalName}"` };
    let merged: Record<string, unknown>;
    try {
      merged = resolveNodeConfig(node, { type: executorKey, config: withDefaults });
    } catch (error) {
      if (!(error instanceof UnknownOverrideError)) throw error;
      diagnostics.push({
        code: 'DAGC-ASL-UNKNOWN-OVERRIDE',
        severity: 'error',
        message: `node "${node.internalName}" asks for the override "${error.key}", which the asl executor config does not define`,
        hint: error.known.length ? `known overrides: ${error.known.join(', ')}` : 'add it under executor: {config: {overrides: {NAME: {…}}}}',
        file: where.file,
        start: { line: where.line, column: where.column },
      });
      continue;
    }
    const read = readSettings(merged, where, { ...rc, defaultTimeout: global.timeoutSeconds });
    diagnostics.push(...read.diagnostics.filter((d) => d.severity === 'error'));
    if (!read.settings) continue;
    const image = imageOverride(read.settings, global, cloudformation !== undefined, where);
    if ('diagnostic' in image) diagnostics.push(image.diagnostic);
    else perNode.set(node, image.settings);
  }
  if (diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  // The template's job role may read the secrets the jobs fetch (cloudformation.ts JobRole): every secret_as_env
  // ARN of the executor and of the nodes' overrides.
  const secrets = [...new Set([global, ...perNode.values()].flatMap((s) => s.secretAsEnv.map(([, v]) => v)).filter((v) => v.startsWith('arn:')))].sort();
  return {
    config: { global, machine: { timeoutSeconds, cloudformation: cloudformation && secrets.length ? { ...cloudformation, secrets } : cloudformation }, forNode: (node) => perNode.get(node) ?? global },
    diagnostics,
  };
}
