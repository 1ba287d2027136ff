// A small AWS Secrets Manager + SSM Parameter Store for tests: an HTTP server on 127.0.0.1 that speaks the
// AWS JSON 1.1 protocol (POST /, `X-Amz-Target: <service prefix>.<operation>`, JSON body; errors as
// `{"__type": …, "message": …}` with HTTP 400) for the two reads dagc makes, so the real SDK clients can be
// pointed at it through `endpoint`. No npm package provides one for Node; the shapes follow the AWS API
// references of GetSecretValue and GetParameter.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeSecretsRequest {
  /** `secretsmanager.GetSecretValue` or `AmazonSSM.GetParameter`. */
  readonly target: string;
  readonly body: Record<string, unknown>;
  /** The SigV4 credential scope's region and service (`…/REGION/SERVICE/aws4_request`). */
  readonly region?: string;
  readonly service?: string;
}

export interface FakeSecretsServer {
  /** http://127.0.0.1:<port> */
  readonly endpoint: string;
  /** What each request asked for, in order. */
  readonly requests: FakeSecretsRequest[];
  /** The environment a client needs (any credentials sign; the server only reads the scope). */
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

export interface FakeSecretsContent {
  /** SecretId (ARN or name) → SecretString; `{binary: true}` for a SecretBinary-only secret. */
  readonly secrets?: Readonly<Record<string, string | { binary: true }>>;
  /** Parameter Name (ARN) → Value. */
  readonly parameters?: Readonly<Record<string, string>>;
}

export const FAKE_AWS_ENV = {
  AWS_ACCESS_KEY_ID: 'AKIDFAKESECRETS',
  AWS_SECRET_ACCESS_KEY: 'fake-secret-access-key',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

type Reply = { status: number; body: unknown };

const notFound = (type: string, message: string): Reply => ({ status: 400, body: { __type: type, message } });

function answer(target: string, body: Record<string, unknown>, content: FakeSecretsContent): Reply {
  if (target === 'secretsmanager.GetSecretValue') {
    const id = String(body.SecretId ?? '');
    const stage = body.VersionStage ?? 'AWSCURRENT';
    const value = content.secrets?.[id];
    // Only the current version exists here: another stage or an explicit version id is not found.
    if (value === undefined || stage !== 'AWSCURRENT' || body.VersionId !== undefined)
      return notFound('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    const arn = id.startsWith('arn:') ? id : `arn:aws:secretsmanager:us-east-1:123456789012:secret:${id}-AbCdEf`;
    const common = { ARN: arn, Name: arn.split(':')[6], VersionId: 'v1', VersionStages: ['AWSCURRENT'], CreatedDate: 1.7e9 };
    return {
      status: 200,
      body: typeof value === 'string' ? { ...common, SecretString: value } : { ...common, SecretBinary: Buffer.from('\u0000\u0001').toString('base64') },
    };
  }
  if (target === 'AmazonSSM.GetParameter') {
    const name = String(body.Name ?? '');
    const value = content.parameters?.[name];
    if (value === undefined) return notFound('ParameterNotFound', '');
    return { status: 200, body: { Parameter: { Name: name, Type: 'SecureString', Value: value, Version: 1, ARN: name, DataType: 'text' } } };
  }
  return { status: 400, body: { __type: 'UnknownOperationException', message: `not served here: ${target}` } };
}

export async function startFakeSecrets(content: FakeSecretsContent): Promise<FakeSecretsServer> {
  const requests: FakeSecretsRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(req.headers.authorization ?? ''));
      requests.push({ target, body, region: scope?.[1], service: scope?.[2] });
      const reply =
        req.method === 'POST' && scope
          ? answer(target, body, content)
          : { status: 403, body: { __type: 'MissingAuthenticationTokenException', message: 'the request is not signed' } };
      res.writeHead(reply.status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    env: { ...FAKE_AWS_ENV },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
