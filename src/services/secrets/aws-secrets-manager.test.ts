// The aws-secrets-manager provider with the real SDK clients against a JSON 1.1 server on loopback
// (test/helpers/aws-fake-secrets.ts): ARNs of both services, names, JSON keys, version stages, errors.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeSecretsServer } from '../../../test/helpers/aws-fake-secrets.js';
import { FAKE_AWS_ENV, startFakeSecrets } from '../../../test/helpers/aws-fake-secrets.js';
import { UserError } from '../../core/errors.js';
import { parseAwsSecretRef } from './aws-secret-ref.js';
import { awsSecretsManager, awsSecretsSettings, createAwsSecrets } from './aws-secrets-manager.js';
import { SecretNotFoundError } from './types.js';

const SM = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf';
const SSM = 'arn:aws:ssm:eu-central-1:123456789012:parameter/team/api-token';

describe('parseAwsSecretRef', () => {
  it('reads Secrets Manager ARNs with the ECS valueFrom suffix, SSM ARNs and plain names', () => {
    expect(parseAwsSecretRef(SM)).toEqual({ service: 'secretsmanager', secretId: SM, region: 'eu-west-1' });
    expect(parseAwsSecretRef(`${SM}:password::`)).toEqual({ service: 'secretsmanager', secretId: SM, region: 'eu-west-1', jsonKey: 'password' });
    expect(parseAwsSecretRef(`${SM}::AWSPREVIOUS:`)).toEqual({ service: 'secretsmanager', secretId: SM, region: 'eu-west-1', versionStage: 'AWSPREVIOUS' });
    expect(parseAwsSecretRef(`${SM}:k::v-1`)).toEqual({ service: 'secretsmanager', secretId: SM, region: 'eu-west-1', jsonKey: 'k', versionId: 'v-1' });
    expect(parseAwsSecretRef(SSM)).toEqual({ service: 'ssm', name: SSM, region: 'eu-central-1' });
    expect(parseAwsSecretRef('prod/db')).toEqual({ service: 'secretsmanager', secretId: 'prod/db' });
  });

  it('says what is expected for other ARNs, bad names and conflicting versions', () => {
    expect(parseAwsSecretRef('arn:aws:s3:::bucket/key')).toEqual({
      problem:
        '"arn:aws:s3:::bucket/key" is not the ARN of a Secrets Manager secret (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME) or of an SSM parameter (arn:aws:ssm:REGION:ACCOUNT:parameter/NAME)',
    });
    expect(parseAwsSecretRef('has space')).toEqual({ problem: '"has space" is neither an ARN nor a Secrets Manager secret name (letters, digits and /_+=.@-)' });
    expect(parseAwsSecretRef(`${SM}:k:AWSCURRENT:v1`)).toEqual({ problem: `"${SM}:k:AWSCURRENT:v1" gives both a version stage and a version id; keep one of them` });
  });
});

describe('aws-secrets-manager provider', () => {
  let server: FakeSecretsServer;
  const saved: Record<string, string | undefined> = {};
  beforeAll(async () => {
    server = await startFakeSecrets({
      secrets: { [SM]: '{"user":"app","password":"s3cr3t-pw","port":5432}', 'plain-name': 'by-name-value', [SM.replace('db-', 'bin-')]: { binary: true } },
      parameters: { [SSM]: 'tok-123456' },
    });
    for (const [k, v] of Object.entries(FAKE_AWS_ENV)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
  });
  afterAll(async () => {
    await server?.close();
    for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  });

  const provider = () => awsSecretsManager.create({ endpoint_url: server.endpoint, region: 'ap-south-1' }, { cwd: '.' });

  it('fetches each service by its ARN, signed for the ARN region, with decryption for SSM', async () => {
    const secrets = provider();
    expect(secrets.name).toBe('aws-secrets-manager');
    server.requests.length = 0;
    expect(await secrets.get(SM)).toBe('{"user":"app","password":"s3cr3t-pw","port":5432}');
    expect(await secrets.get(SSM)).toBe('tok-123456');
    expect(await secrets.get('plain-name')).toBe('by-name-value');
    expect(server.requests).toEqual([
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: SM }, region: 'eu-west-1', service: 'secretsmanager' },
      { target: 'AmazonSSM.GetParameter', body: { Name: SSM, WithDecryption: true }, region: 'eu-central-1', service: 'ssm' },
      // A name has no region of its own: the config's.
      { target: 'secretsmanager.GetSecretValue', body: { SecretId: 'plain-name' }, region: 'ap-south-1', service: 'secretsmanager' },
    ]);
    expect(await secrets.getAll()).toEqual({});
  });

  it('picks one key of a JSON secret (non-strings as JSON), asks once per secret, passes the version stage', async () => {
    const secrets = provider();
    server.requests.length = 0;
    expect(await secrets.get(`${SM}:password::`)).toBe('s3cr3t-pw');
    expect(await secrets.get(`${SM}:port::`)).toBe('5432');
    expect(await secrets.get(`${SM}:password::`)).toBe('s3cr3t-pw');
    expect(server.requests.map((r) => r.body)).toEqual([{ SecretId: SM }, { SecretId: SM }]);
    await expect(secrets.get(`${SM}::AWSPREVIOUS:`)).rejects.toThrow(SecretNotFoundError);
    expect(server.requests.at(-1)?.body).toEqual({ SecretId: SM, VersionStage: 'AWSPREVIOUS' });
  });

  it('reports a missing secret, key or parameter as SecretNotFoundError, and never quotes a value', async () => {
    const secrets = provider();
    const missing = SM.replace('db-', 'nope-');
    await expect(secrets.get(missing)).rejects.toThrow(new SecretNotFoundError(missing, 'AWS Secrets Manager'));
    await expect(secrets.get(`${SM}:nokey::`)).rejects.toThrow(new SecretNotFoundError(`${SM}:nokey::`, `the keys of secret ${SM}`));
    const gone = SSM.replace('api-token', 'gone');
    await expect(secrets.get(gone)).rejects.toThrow(new SecretNotFoundError(gone, 'SSM Parameter Store'));
    const binary = SM.replace('db-', 'bin-');
    await expect(secrets.get(binary)).rejects.toThrow(`secret ${binary} holds binary data; dagc passes text secrets only`);
    // Not a name Secrets Manager could hold: refused before any request.
    const before = server.requests.length;
    await expect(secrets.get('plain-name:k')).rejects.toThrow(UserError);
    expect(server.requests.length).toBe(before);
  });

  it('turns transport failures into a UserError naming the secret, with a hint', async () => {
    // A port that was just free: nothing listens there.
    const gone = await startFakeSecrets({});
    await gone.close();
    const closed = createAwsSecrets({ endpoint: gone.endpoint });
    const error = (await closed.get(SM).catch((e: unknown) => e)) as UserError;
    expect(error).toBeInstanceOf(UserError);
    expect(error.message.startsWith(`Secrets Manager GetSecretValue of ${SM} failed: `)).toBe(true);
    expect(error.hint).toBe('check the job role (secretsmanager:GetSecretValue, kms:Decrypt) and the region');
  });

  it('checks its config', () => {
    expect(awsSecretsSettings({})).toEqual({ region: undefined, endpoint: undefined });
    expect(() => awsSecretsSettings({ endpoint: 'http://x' })).toThrow('unknown key "endpoint" in secrets: {type: aws-secrets-manager, config: …}');
    expect(() => awsSecretsSettings({ region: 3 })).toThrow('secrets config "region" must be a non-empty string');
    expect(() => awsSecretsSettings({ endpoint_url: 'localhost:4566' })).toThrow('secrets config "endpoint_url" must be an http(s) URL, got "localhost:4566"');
  });
});
