// The config file's `deploy:` section: what `dagc deploy` needs beyond the rendered manifest (names, roles,
// the schedule, where to deploy). Read from the same file as the rest of the config, variables substituted the
// same way, every problem a diagnostic at its key (exit 2). The JSON Schema (schemas/config.schema.json) only
// says the section is a mapping; its keys are checked here, by target.
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { DiagnosticError } from '../core/diagnostics.js';
import { displayPath } from '../core/display.js';
import { readYamlFile } from '../front-end/load.js';
import type { YamlDocument } from '../front-end/load.js';
import { loadVariables, substitute } from '../front-end/variables.js';
import { didYouMean } from '../core/suggest.js';

export interface AslSchedule {
  /** EventBridge Scheduler's name for it (default: the state machine's name). */
  readonly name: string;
  readonly group: string;
  /** `cron(...)`, `rate(...)` or `at(...)`, as EventBridge Scheduler writes them. */
  readonly expression: string;
  readonly timezone?: string;
  /** The role EventBridge Scheduler assumes to start executions (default: the state machine's role). */
  readonly roleArn?: string;
  readonly enabled: boolean;
}

export interface AslDeploySettings {
  /** The state machine's name (default: the pipeline file's base name). */
  readonly name?: string;
  /** The role the state machine runs as; without it dagc deploys one (`dagc-<name>`) for Batch/ECS jobs. */
  readonly roleArn?: string;
  readonly alias: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly schedule?: AslSchedule;
  /** The template path (the asl config's `cloudformation:`): values of the template's parameters. */
  readonly parameters: Readonly<Record<string, string>>;
}

export interface ArgoDeploySettings {
  /** Namespace (default: --namespace, then the kubeconfig context's, then "default"). */
  readonly namespace?: string;
  /** Extra labels on every resource. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface DeploySettings {
  readonly asl: AslDeploySettings;
  readonly argo: ArgoDeploySettings;
}

const EMPTY: DeploySettings = { asl: { alias: 'live', tags: {}, parameters: {} }, argo: { labels: {} } };

const ASL_KEYS = ['name', 'role_arn', 'alias', 'tags', 'schedule', 'parameters'];
const SCHEDULE_KEYS = ['name', 'group', 'expression', 'timezone', 'role_arn', 'enabled'];
const ARGO_KEYS = ['namespace', 'labels'];
const ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
// Step Functions names: 1-80 characters; aliases 1-80 of letters, digits, "-" and "_", not all digits.
const SFN_NAME = /^[A-Za-z0-9_-]{1,80}$/;
const K8S_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

class Reader {
  readonly diagnostics: Diagnostic[] = [];
  constructor(private readonly doc: YamlDocument) {}

  error(pointer: string, message: string, hint?: string, part: 'key' | 'value' = 'value'): void {
    this.diagnostics.push(this.doc.at(pointer, 'DAGC-DEPLOY-CONFIG', message, hint, { part }));
  }

  mapping(value: unknown, pointer: string, keys: readonly string[]): Record<string, unknown> | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.error(pointer, `${label(pointer)} must be a mapping`);
      return undefined;
    }
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map))
      if (!keys.includes(key)) {
        const guess = didYouMean(key, [...keys]);
        this.error(`${pointer}/${key}`, `unknown key "${key}" in ${label(pointer)}`, guess ? `did you mean "${guess}"?` : `known keys: ${keys.join(', ')}`, 'key');
      }
    return map;
  }

  string(map: Record<string, unknown> | undefined, key: string, pointer: string, pattern?: RegExp, hint?: string): string | undefined {
    const v = map?.[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string' || v === '') {
      this.error(`${pointer}/${key}`, `${label(`${pointer}/${key}`)} must be a non-empty string`, hint);
      return undefined;
    }
    if (pattern && !pattern.test(v)) {
      this.error(`${pointer}/${key}`, `${label(`${pointer}/${key}`)}: "${v}" is not valid`, hint);
      return undefined;
    }
    return v;
  }

  stringMap(map: Record<string, unknown> | undefined, key: string, pointer: string): Record<string, string> {
    const v = map?.[key];
    if (v === undefined || v === null) return {};
    const p = `${pointer}/${key}`;
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.error(p, `${label(p)} must be a mapping of names to strings`);
      return {};
    }
    const out: Record<string, string> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (typeof x === 'string') out[k] = x;
      else if (typeof x === 'number' || typeof x === 'boolean') out[k] = String(x);
      else this.error(`${p}/${k}`, `${label(`${p}/${k}`)} must be a string`);
    }
    return out;
  }
}

function label(pointer: string): string {
  return pointer.slice(1).split('/').join('.');
}

function readAsl(r: Reader, value: unknown): AslDeploySettings {
  const p = '/deploy/asl';
  const m = r.mapping(value, p, ASL_KEYS);
  const name = r.string(m, 'name', p, SFN_NAME, 'a state machine name: 1-80 letters, digits, "-" and "_"');
  const roleArn = r.string(m, 'role_arn', p, ARN, 'an IAM role ARN, e.g. arn:aws:iam::123456789012:role/pipelines');
  const alias = r.string(m, 'alias', p, /^(?=.*[A-Za-z_-])[A-Za-z0-9_-]{1,80}$/, 'an alias name: letters, digits, "-" and "_", not only digits') ?? 'live';
  const tags = r.stringMap(m, 'tags', p);
  for (const k of Object.keys(tags))
    if (k.startsWith('aws:') || k.startsWith('dagc.dev/')) r.error(`${p}/tags/${k}`, `the tag "${k}" is reserved (${k.startsWith('aws:') ? 'by AWS' : 'dagc sets it itself'})`, undefined, 'key');
  const sp = `${p}/schedule`;
  const s = r.mapping(m?.['schedule'], sp, SCHEDULE_KEYS);
  let schedule: AslSchedule | undefined;
  if (s) {
    const expression = r.string(s, 'expression', sp, /^(cron|rate|at)\(.+\)$/, 'e.g. "cron(0 6 * * ? *)", "rate(1 hour)" or "at(2027-01-01T06:00:00)"');
    if (s['expression'] === undefined) r.error(sp, 'deploy.asl.schedule needs an expression', 'e.g. expression: "cron(0 6 * * ? *)"');
    const timezone = r.string(s, 'timezone', sp, /^(UTC|GMT|[A-Za-z_]+(\/[A-Za-z0-9_+-]+)+)$/, 'an IANA time zone name, e.g. Europe/London');
    const enabled = s['enabled'];
    if (enabled !== undefined && typeof enabled !== 'boolean') r.error(`${sp}/enabled`, 'deploy.asl.schedule.enabled must be true or false');
    const scheduleName = r.string(s, 'name', sp, /^[0-9a-zA-Z-_.]{1,64}$/, '1-64 letters, digits, "-", "_" and "."');
    const group = r.string(s, 'group', sp, /^[0-9a-zA-Z-_.]{1,64}$/, '1-64 letters, digits, "-", "_" and "."') ?? 'default';
    const scheduleRole = r.string(s, 'role_arn', sp, ARN, 'an IAM role ARN that scheduler.amazonaws.com may assume');
    if (expression)
      schedule = {
        name: scheduleName ?? '',
        group,
        expression,
        ...(timezone ? { timezone } : {}),
        ...(scheduleRole ? { roleArn: scheduleRole } : {}),
        enabled: enabled !== false,
      };
  }
  const parameters = r.stringMap(m, 'parameters', p);
  for (const k of Object.keys(parameters))
    if (!/^[A-Za-z0-9]{1,255}$/.test(k)) r.error(`${p}/parameters/${k}`, `"${k}" is not a CloudFormation parameter name (letters and digits)`, undefined, 'key');
  return { ...(name ? { name } : {}), ...(roleArn ? { roleArn } : {}), alias, tags, ...(schedule ? { schedule } : {}), parameters };
}

function readArgo(r: Reader, value: unknown): ArgoDeploySettings {
  const p = '/deploy/argo';
  const m = r.mapping(value, p, ARGO_KEYS);
  const namespace = r.string(m, 'namespace', p, K8S_NAME, 'a namespace name: lower-case letters, digits and "-"');
  const labels = r.stringMap(m, 'labels', p);
  return { ...(namespace ? { namespace } : {}), labels };
}

/** The deploy section of `configFile` (defaults when there is no file or no section). */
export async function readDeploySettings(
  configFile: string | undefined,
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
  varFiles: readonly string[] = [],
): Promise<DeploySettings> {
  if (configFile === undefined) return EMPTY;
  const vars = await loadVariables(env, varFiles, cwd);
  const abs = path.resolve(cwd, configFile);
  const parsed = await readYamlFile(abs, displayPath(abs, cwd), { what: 'config file', mapString: (s) => substitute(s, vars.variables), allowEmpty: true });
  if (!parsed.doc) throw new DiagnosticError(parsed.diagnostics);
  const data = parsed.doc.data as Record<string, unknown> | undefined;
  const r = new Reader(parsed.doc);
  const deploy = r.mapping(data?.['deploy'], '/deploy', ['asl', 'argo']);
  const settings: DeploySettings = { asl: readAsl(r, deploy?.['asl']), argo: readArgo(r, deploy?.['argo']) };
  if (r.diagnostics.length) throw new DiagnosticError(r.diagnostics);
  return settings;
}
