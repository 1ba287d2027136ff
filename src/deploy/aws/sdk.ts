// The SDK modules, loaded once and only when asked for. Bundled, a CommonJS package's dynamic import may
// arrive as its `default` export, so both shapes are accepted (as src/services/s3-client.ts does).
import type * as SfnSdk from '@aws-sdk/client-sfn';
import type * as SchedulerSdk from '@aws-sdk/client-scheduler';
import type * as IamSdk from '@aws-sdk/client-iam';
import type * as StsSdk from '@aws-sdk/client-sts';
import type * as CloudFormationSdk from '@aws-sdk/client-cloudformation';

type Sfn = typeof SfnSdk;
type Scheduler = typeof SchedulerSdk;
type Iam = typeof IamSdk;
type Sts = typeof StsSdk;
type CloudFormation = typeof CloudFormationSdk;

function unwrap<T extends object>(m: T, key: string): T {
  return key in m ? m : (m as unknown as { default: T }).default;
}

let sfn: Promise<Sfn> | undefined;
let scheduler: Promise<Scheduler> | undefined;
let iam: Promise<Iam> | undefined;
let sts: Promise<Sts> | undefined;
let cloudFormation: Promise<CloudFormation> | undefined;

export const sfnSdk = (): Promise<Sfn> => (sfn ??= import('@aws-sdk/client-sfn').then((m) => unwrap(m, 'SFNClient')));
export const schedulerSdk = (): Promise<Scheduler> => (scheduler ??= import('@aws-sdk/client-scheduler').then((m) => unwrap(m, 'SchedulerClient')));
export const iamSdk = (): Promise<Iam> => (iam ??= import('@aws-sdk/client-iam').then((m) => unwrap(m, 'IAMClient')));
export const stsSdk = (): Promise<Sts> => (sts ??= import('@aws-sdk/client-sts').then((m) => unwrap(m, 'STSClient')));
export const cloudFormationSdk = (): Promise<CloudFormation> =>
  (cloudFormation ??= import('@aws-sdk/client-cloudformation').then((m) => unwrap(m, 'CloudFormationClient')));
