// The AWS SDK v3 clients dagc deploy/submit/watch use, imported only when one of those commands runs (the SDK
// costs start-up time every other command should not pay). Credentials, region and endpoint are found as the
// SDK finds them (environment, profiles, AWS_REGION, AWS_ENDPOINT_URL and its per-service forms); throttling
// and transient faults are retried by the SDK's standard retry strategy (exponential backoff with jitter).
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { STSClient } from '@aws-sdk/client-sts';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { UserError } from '../../core/errors.js';
import { cloudFormationSdk, iamSdk, schedulerSdk, sfnSdk, stsSdk } from './sdk.js';

export interface AwsClients {
  readonly sfn: SFNClient;
  /** Scheduler and IAM are loaded only when a deploy needs them (a schedule, a generated role). */
  scheduler(): Promise<SchedulerClient>;
  iam(): Promise<IAMClient>;
  /** Only for the template path (the asl config's `cloudformation:`). */
  cloudFormation(): Promise<CloudFormationClient>;
  readonly sts: STSClient;
  readonly region: string;
  readonly maxAttempts: number;
  close(): Promise<void>;
}

/** Attempts per call (the first and the retries); DAGC_AWS_MAX_ATTEMPTS changes it (tests make it small). */
export function maxAttempts(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['DAGC_AWS_MAX_ATTEMPTS'];
  if (raw === undefined || raw === '') return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new UserError(`DAGC_AWS_MAX_ATTEMPTS="${raw}" must be a whole number from 1 to 20`);
  return n;
}

export async function openAwsClients(env: Readonly<Record<string, string | undefined>>): Promise<AwsClients> {
  // As src/services/s3-client.ts does: the SDK's warning that later versions need Node 22 would otherwise be
  // printed on every command; set the variable to "false" to see it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  const attempts = maxAttempts(env);
  const [{ SFNClient }, { STSClient }] = await Promise.all([sfnSdk(), stsSdk()]);
  const common = { ...(region ? { region } : {}), maxAttempts: attempts, retryMode: 'standard' };
  const sfn = new SFNClient(common);
  let resolved: string;
  try {
    resolved = await sfn.config.region();
  } catch {
    throw new UserError('no AWS region is set', 'set AWS_REGION (or a region in your AWS profile, chosen with AWS_PROFILE)');
  }
  if (!resolved) throw new UserError('no AWS region is set', 'set AWS_REGION (or a region in your AWS profile, chosen with AWS_PROFILE)');
  let scheduler: Promise<SchedulerClient> | undefined;
  let iam: Promise<IAMClient> | undefined;
  let cloudFormation: Promise<CloudFormationClient> | undefined;
  return {
    sfn,
    scheduler: () => (scheduler ??= schedulerSdk().then(({ SchedulerClient }) => new SchedulerClient(common))),
    // IAM is global: the SDK sends it to its global endpoint whatever the region (unless an endpoint is set).
    iam: () => (iam ??= iamSdk().then(({ IAMClient }) => new IAMClient(common))),
    cloudFormation: () => (cloudFormation ??= cloudFormationSdk().then(({ CloudFormationClient }) => new CloudFormationClient(common))),
    sts: new STSClient(common),
    region: resolved,
    maxAttempts: attempts,
    close: async () => {
      sfn.destroy();
      (await scheduler)?.destroy();
      (await iam)?.destroy();
      (await cloudFormation)?.destroy();
    },
  };
}

export async function closeAwsClients(clients: AwsClients): Promise<void> {
  clients.sts.destroy();
  await clients.close();
}
