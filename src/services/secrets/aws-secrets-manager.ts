// Secrets from AWS (`secrets: {type: aws-secrets-manager, config: {region?, endpoint_url?}}`): a secret name
// is a Secrets Manager secret (ARN or name; GetSecretValue, SecretString) or an SSM parameter ARN
// (GetParameter WithDecryption), chosen by the ARN's service (aws-secret-ref.ts). Batch SubmitJob and ECS
// RunTask overrides cannot carry `secrets` (they live in the job or task definition), so the entrypoint
// fetches them at run time with the job's role (DESIGN.md invariant 5); the asl executor selects this
// provider by itself (src/integrations/asl.ts).
// Credentials come from the SDK's default chain, never from the config, which every run log records. The
// SDKs load on the first get: a run that asks for no secret never loads them.
import type * as SecretsSdk from '@aws-sdk/client-secrets-manager';
import type * as SsmSdk from '@aws-sdk/client-ssm';
import { UserError } from '../../core/errors.js';
import type { ServiceProvider } from '../provider.js';
import type { Secrets } from './types.js';
import { SecretNotFoundError } from './types.js';
import type { AwsSecretRef } from './aws-secret-ref.js';
import { parseAwsSecretRef } from './aws-secret-ref.js';

export interface AwsSecretsSettings {
  /** For secrets given by name (an ARN names its own region). */
  readonly region?: string;
  /** One endpoint for both services (a test server, a VPC endpoint); the SDK's own when absent. */
  readonly endpoint?: string;
}

const KNOWN_KEYS = ['region', 'endpoint_url'];

/** Reads and checks the provider's config; every problem is a UserError naming the key. */
export function awsSecretsSettings(config: Readonly<Record<string, unknown>>): AwsSecretsSettings {
  const unknown = Object.keys(config).filter((k) => !KNOWN_KEYS.includes(k));
  if (unknown.length)
    throw new UserError(
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} in secrets: {type: aws-secrets-manager, config: …}`,
      `the aws-secrets-manager secrets provider accepts: ${KNOWN_KEYS.join(', ')} (credentials come from the job role or the AWS environment)`,
    );
  const text = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') throw new UserError(`secrets config "${key}" must be a non-empty string`);
    return value;
  };
  const endpoint = text('endpoint_url');
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint))
    throw new UserError(`secrets config "endpoint_url" must be an http(s) URL, got "${endpoint}"`);
  return { region: text('region'), endpoint };
}

type Sdks = { secrets: typeof SecretsSdk; ssm: typeof SsmSdk };

/** The SDKs are CommonJS: a bundled dynamic import may hand back the exports under `default`. */
function unwrap<T>(m: T, probe: string): T {
  return (m as Record<string, unknown>)[probe] ? m : (m as unknown as { default: T }).default;
}

let sdks: Promise<Sdks> | undefined;
function loadSdks(): Promise<Sdks> {
  // Same reason as loadS3Sdk (src/services/s3-client.ts): one warning per step process would drown its output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  sdks ??= Promise.all([import('@aws-sdk/client-secrets-manager'), import('@aws-sdk/client-ssm')]).then(([a, b]) => ({
    secrets: unwrap(a, 'SecretsManagerClient'),
    ssm: unwrap(b, 'SSMClient'),
  }));
  return sdks;
}

const errorName = (error: unknown) => (error instanceof Error ? error.name : '');
const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

/** A secret or one key of its JSON object, as the text a step receives. */
function pick(ref: AwsSecretRef & { service: 'secretsmanager' }, text: string, name: string): string {
  if (!ref.jsonKey) return text;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  // Never quote the secret's text in these messages: it is the value.
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UserError(`secret "${name}" names the JSON key "${ref.jsonKey}", but the secret is not a JSON object`);
  if (!Object.hasOwn(parsed, ref.jsonKey)) throw new SecretNotFoundError(name, `the keys of secret ${ref.secretId}`);
  const value = (parsed as Record<string, unknown>)[ref.jsonKey];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

export function createAwsSecrets(settings: AwsSecretsSettings): Secrets {
  const clients = new Map<string, Promise<{ send: (command: unknown) => Promise<unknown> }>>();
  const fetched = new Map<string, Promise<string>>();
  const client = (service: 'secretsmanager' | 'ssm', region: string | undefined) => {
    const where = region ?? settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!where)
      throw new UserError(
        'the aws-secrets-manager secrets provider does not know the region of a secret given by name',
        'give the secret by ARN, or set region in secrets: {type: aws-secrets-manager, config: {region: …}} (or AWS_REGION)',
      );
    const key = `${service} ${where}`;
    let c = clients.get(key);
    if (!c) {
      const options = { region: where, ...(settings.endpoint ? { endpoint: settings.endpoint } : {}) };
      c = loadSdks().then((s) =>
        service === 'ssm' ? new s.ssm.SSMClient(options) : new s.secrets.SecretsManagerClient(options),
      ) as Promise<{ send: (command: unknown) => Promise<unknown> }>;
      clients.set(key, c);
    }
    return c;
  };

  const fetch = async (name: string): Promise<string> => {
    const ref = parseAwsSecretRef(name);
    if ('problem' in ref) throw new UserError(ref.problem);
    const s = await loadSdks();
    if (ref.service === 'ssm') {
      try {
        const out = (await (await client('ssm', ref.region)).send(
          new s.ssm.GetParameterCommand({ Name: ref.name, WithDecryption: true }),
        )) as SsmSdk.GetParameterCommandOutput;
        const value = out.Parameter?.Value;
        if (value === undefined) throw new SecretNotFoundError(name, 'SSM Parameter Store');
        return value;
      } catch (error) {
        if (['ParameterNotFound', 'ParameterVersionNotFound'].includes(errorName(error)))
          throw new SecretNotFoundError(name, 'SSM Parameter Store');
        if (error instanceof SecretNotFoundError || error instanceof UserError) throw error;
        throw new UserError(`SSM GetParameter of ${ref.name} failed: ${errorText(error)}`, 'check the job role (ssm:GetParameter, kms:Decrypt) and the region');
      }
    }
    try {
      const out = (await (await client('secretsmanager', ref.region)).send(
        new s.secrets.GetSecretValueCommand({
          SecretId: ref.secretId,
          ...(ref.versionStage ? { VersionStage: ref.versionStage } : {}),
          ...(ref.versionId ? { VersionId: ref.versionId } : {}),
        }),
      )) as SecretsSdk.GetSecretValueCommandOutput;
      if (out.SecretString === undefined)
        throw new UserError(`secret ${ref.secretId} holds binary data; dagc passes text secrets only`, 'store the value as a secret string');
      return pick(ref, out.SecretString, name);
    } catch (error) {
      if (errorName(error) === 'ResourceNotFoundException') throw new SecretNotFoundError(name, 'AWS Secrets Manager');
      if (error instanceof SecretNotFoundError || error instanceof UserError) throw error;
      throw new UserError(
        `Secrets Manager GetSecretValue of ${ref.secretId} failed: ${errorText(error)}`,
        'check the job role (secretsmanager:GetSecretValue, kms:Decrypt) and the region',
      );
    }
  };

  return {
    name: 'aws-secrets-manager',
    // One request per secret and process; a failed one is not kept, so a later get asks again.
    get(name) {
      let value = fetched.get(name);
      if (!value) {
        value = fetch(name);
        fetched.set(name, value);
        value.catch(() => fetched.delete(name));
      }
      return value;
    },
    // Which secrets a run needs is known only when one is asked for (the account's secrets are not listed).
    async getAll() {
      return {};
    },
  };
}

export const awsSecretsManager: ServiceProvider<Secrets> = {
  service: 'secrets',
  name: 'aws-secrets-manager',
  create: (config) => createAwsSecrets(awsSecretsSettings(config)),
};
