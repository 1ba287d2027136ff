// The one place dagc talks to S3 (the s3 run log store and catalog, and the ASL emulator's getObject).
// Jobs on AWS Batch or ECS share no disk, so their run log and catalog live in a bucket (DESIGN.md §5).
// The AWS SDK is imported lazily, inside the first request: `dagc exec` with a file-system config never loads
// it (scripts/build.mjs keeps commands' import graphs small; shared/notes/toolchain.md §6).
// Credentials come from the SDK's default chain (env, profile, instance/task role): never from dagc's config,
// which is written to every run log (run_config).
import type { Readable } from 'node:stream';
import type * as S3Sdk from '@aws-sdk/client-s3';
import type { ServiceName } from '../config/types.js';
import { UserError } from '../core/errors.js';

/** Where the objects live and how to reach them, from a provider's config section. */
export interface S3Settings {
  readonly bucket: string;
  /** '' or a key prefix ending in '/'. */
  readonly prefix: string;
  readonly region?: string;
  /** An S3-compatible endpoint (MinIO, s3rver, LocalStack); AWS's own when absent. */
  readonly endpoint?: string;
  /** Path-style addressing (http://host/bucket/key), which most S3-compatible servers need. */
  readonly forcePathStyle: boolean;
}

/** S3 bucket naming rules (AWS docs, "General purpose bucket naming rules"): 3–63 of [a-z0-9.-]. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The keys an s3 section accepts; anything else is a typo worth reporting. */
const KNOWN_KEYS = ['bucket', 'prefix', 'region', 'endpoint_url', 'force_path_style'] as const;

/**
 * Reads and checks an s3 section's config (`{bucket, prefix?, region?, endpoint_url?, force_path_style?}`);
 * every problem is a UserError naming the key, and `extra` lists keys the caller handles itself.
 */
export function s3Settings(service: ServiceName, config: Readonly<Record<string, unknown>>, extra: readonly string[] = []): S3Settings {
  const where = `${service}: {type: s3, config: …}`;
  const unknown = Object.keys(config).filter((k) => !(KNOWN_KEYS as readonly string[]).includes(k) && !extra.includes(k));
  if (unknown.length)
    throw new UserError(
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} in ${where}`,
      `the s3 ${service} accepts: ${[...KNOWN_KEYS, ...extra].join(', ')}`,
    );
  const bucket = config.bucket;
  if (bucket === undefined || bucket === null || bucket === '')
    throw new UserError(`${where} is missing the required key "bucket"`, `add bucket: <name of an existing S3 bucket> (and optionally prefix: runs/)`);
  if (typeof bucket !== 'string' || !BUCKET.test(bucket))
    throw new UserError(`${service} config "bucket" must be an S3 bucket name (3–63 of a-z, 0-9, "." and "-"), got ${JSON.stringify(bucket)}`);
  const text = (key: string): string | undefined => {
    const value = config[key];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || value === '') throw new UserError(`${service} config "${key}" must be a non-empty string`);
    return value;
  };
  let prefix = text('prefix') ?? '';
  if (prefix.startsWith('/') || prefix.split('/').includes('..'))
    throw new UserError(`${service} config "prefix" must be a relative key prefix such as "dagc/runs", got "${prefix}"`);
  if (prefix && !prefix.endsWith('/')) prefix += '/';
  const forcePathStyle = config.force_path_style ?? false;
  if (typeof forcePathStyle !== 'boolean') throw new UserError(`${service} config "force_path_style" must be true or false`);
  return { bucket, prefix, region: text('region'), endpoint: text('endpoint_url'), forcePathStyle };
}

/** `s3://bucket/prefix`, for messages and catalog_handler_location. */
export function s3Url(settings: Pick<S3Settings, 'bucket' | 'prefix'>): string {
  return `s3://${settings.bucket}/${settings.prefix}`;
}

export interface S3Text {
  text: string;
  etag?: string;
}

export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/** The few object operations the stores need, on keys relative to the configured prefix. */
export interface ObjectStore {
  readonly settings: S3Settings;
  /** undefined when the object does not exist. */
  getText(key: string): Promise<S3Text | undefined>;
  /** false when a condition failed (412: someone else created or changed the object first). */
  putText(key: string, text: string, condition?: PutCondition): Promise<boolean>;
  putStream(key: string, body: Readable, length: number): Promise<void>;
  putBuffer(key: string, body: Buffer | string): Promise<void>;
  /** Server-side copy of one object. */
  copy(fromKey: string, toKey: string): Promise<void>;
  /** The object's body as a stream, or undefined when it does not exist. */
  getStream(key: string): Promise<Readable | undefined>;
  exists(key: string): Promise<boolean>;
  /** Every key under `prefix` (relative keys, sorted by S3's UTF-8 binary order). */
  list(prefix: string): Promise<string[]>;
  /** The "folders" directly under `prefix` (relative, each ending in '/'). */
  listFolders(prefix: string): Promise<string[]>;
}

type Sdk = typeof S3Sdk;

let sdk: Promise<Sdk> | undefined;

/** The SDK, loaded once per process on first use. */
export function loadS3Sdk(): Promise<Sdk> {
  // The SDK warns on every Node 20 process that later versions need Node 22 (shared/notes/toolchain.md §8);
  // in a CLI that starts one process per step that warning would drown the steps' output. Set the variable
  // to "false" to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  // The SDK is CommonJS: a bundled dynamic import may hand back its exports under `default`.
  sdk ??= import('@aws-sdk/client-s3').then((m) => ((m as { S3Client?: unknown }).S3Client ? m : (m as unknown as { default: Sdk }).default));
  return sdk;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

function statusOf(error: unknown): number | undefined {
  return (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
}

const isMissing = (error: unknown) => errorName(error) === 'NoSuchKey' || errorName(error) === 'NotFound' || statusOf(error) === 404;

/**
 * Network and permission failures become UserErrors saying which bucket and what to check, instead of an SDK
 * stack trace (the usual causes: no credentials, wrong region, a bucket that does not exist).
 */
function explain(error: unknown, settings: S3Settings, action: string): never {
  if (error instanceof UserError) throw error;
  const name = errorName(error) || 'Error';
  const message = error instanceof Error ? error.message : String(error);
  throw new UserError(
    `S3 ${action} in ${s3Url(settings)} failed: ${name}: ${message}`,
    name === 'NoSuchBucket'
      ? `create the bucket "${settings.bucket}" first, or fix "bucket" in the config`
      : 'check the credentials (AWS_PROFILE / AWS_ACCESS_KEY_ID, or the job role), the region and the bucket name',
  );
}

export function openObjectStore(settings: S3Settings): ObjectStore {
  let client: Promise<{ sdk: Sdk; client: InstanceType<Sdk['S3Client']> }> | undefined;
  const connect = () =>
    (client ??= loadS3Sdk().then((s) => ({
      sdk: s,
      client: new s.S3Client({
        region: settings.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        // S3-compatible servers often do not understand the SDK's default streaming checksums (aws-chunked
        // uploads with trailing CRC32): they would store the chunk framing as the object. Checksums are then
        // sent only where the API requires them.
        ...(settings.endpoint
          ? { endpoint: settings.endpoint, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' }
          : {}),
        forcePathStyle: settings.forcePathStyle,
      }),
    })));
  const full = (key: string) => settings.prefix + key;
  const Bucket = settings.bucket;

  const listRaw = async (prefix: string, delimiter?: string): Promise<{ keys: string[]; folders: string[] }> => {
    const { sdk: s, client: c } = await connect();
    const keys: string[] = [];
    const folders: string[] = [];
    let token: string | undefined;
    try {
      do {
        const page = await c.send(
          new s.ListObjectsV2Command({ Bucket, Prefix: full(prefix), Delimiter: delimiter, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key.slice(settings.prefix.length));
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) folders.push(p.Prefix.slice(settings.prefix.length));
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    } catch (error) {
      explain(error, settings, `list of "${full(prefix)}"`);
    }
    return { keys, folders };
  };

  return {
    settings,

    async getText(key) {
      const { sdk: s, client: c } = await connect();
      try {
        const out = await c.send(new s.GetObjectCommand({ Bucket, Key: full(key) }));
        return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag };
      } catch (error) {
        if (isMissing(error)) return undefined;
        explain(error, settings, `read of "${full(key)}"`);
      }
    },

    async putText(key, text, condition) {
      const { sdk: s, client: c } = await connect();
      try {
        await c.send(
          new s.PutObjectCommand({
            Bucket,
            Key: full(key),
            Body: text,
            ContentType: 'application/json',
            ...(condition && 'ifNoneMatch' in condition ? { IfNoneMatch: condition.ifNoneMatch } : {}),
            ...(condition && 'ifMatch' in condition ? { IfMatch: condition.ifMatch } : {}),
          }),
        );
        return true;
      } catch (error) {
        // 412 Precondition Failed, or 409 when a conditional write races another (S3 docs, "conditional writes").
        if (condition && (statusOf(error) === 412 || statusOf(error) === 409 || errorName(error) === 'PreconditionFailed')) return false;
        explain(error, settings, `write of "${full(key)}"`);
      }
    },

    async putStream(key, body, length) {
      const { sdk: s, client: c } = await connect();
      try {
        await c.send(new s.PutObjectCommand({ Bucket, Key: full(key), Body: body, ContentLength: length }));
      } catch (error) {
        explain(error, settings, `upload of "${full(key)}"`);
      }
    },

    async putBuffer(key, body) {
      const { sdk: s, client: c } = await connect();
      try {
        await c.send(new s.PutObjectCommand({ Bucket, Key: full(key), Body: body }));
      } catch (error) {
        explain(error, settings, `write of "${full(key)}"`);
      }
    },

    async copy(fromKey, toKey) {
      const { sdk: s, client: c } = await connect();
      // CopySource is "bucket/key", URL-encoded (S3 API reference, CopyObject).
      const source = `${Bucket}/${full(fromKey).split('/').map(encodeURIComponent).join('/')}`;
      try {
        await c.send(new s.CopyObjectCommand({ Bucket, Key: full(toKey), CopySource: source }));
      } catch (error) {
        explain(error, settings, `copy of "${full(fromKey)}"`);
      }
    },

    async getStream(key) {
      const { sdk: s, client: c } = await connect();
      try {
        const out = await c.send(new s.GetObjectCommand({ Bucket, Key: full(key) }));
        return out.Body as Readable | undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        explain(error, settings, `download of "${full(key)}"`);
      }
    },

    async exists(key) {
      const { sdk: s, client: c } = await connect();
      try {
        await c.send(new s.HeadObjectCommand({ Bucket, Key: full(key) }));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        explain(error, settings, `lookup of "${full(key)}"`);
      }
    },

    async list(prefix) {
      return (await listRaw(prefix)).keys;
    },

    async listFolders(prefix) {
      return (await listRaw(prefix, '/')).folders;
    },
  };
}
