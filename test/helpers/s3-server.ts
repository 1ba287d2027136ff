// A real S3-protocol server for tests (DESIGN.md §5: object stores are tested against a server, not a mock
// client): s3rver on loopback, port 0, data in a temp folder (shared/notes/toolchain.md §8).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface S3TestServer {
  /** http://127.0.0.1:<port> */
  endpoint: string;
  bucket: string;
  /** The environment a client (this process or a spawned dagc) needs: s3rver's fixed credentials. */
  env: Record<string, string>;
  /** An s3 provider config section for this server. */
  config(prefix: string): Record<string, unknown>;
  close(): Promise<void>;
}

interface S3rverLike {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}

export const S3_TEST_ENV = {
  AWS_ACCESS_KEY_ID: 'S3RVER',
  AWS_SECRET_ACCESS_KEY: 'S3RVER',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
};

export async function startS3Server(bucket = 'dagc-test'): Promise<S3TestServer> {
  const directory = mkdtempSync(path.join(tmpdir(), 'dagc-s3rver-'));
  // s3rver ships no types; the module name goes through a variable so TypeScript does not look for them.
  const moduleName = 's3rver';
  const { default: S3rver } = (await import(moduleName)) as {
    default: new (opts: Record<string, unknown>) => S3rverLike;
  };
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: bucket }] });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  // The SDK's default credential chain reads these (the stores never take credentials from config).
  Object.assign(process.env, S3_TEST_ENV);
  return {
    endpoint,
    bucket,
    env: { ...S3_TEST_ENV },
    config: (prefix) => ({ bucket, prefix, endpoint_url: endpoint, force_path_style: true, region: 'us-east-1' }),
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
