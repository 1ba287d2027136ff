// The SDK modules, loaded once and only when asked for. Bundled, a CommonJS package's dynamic import may
// arrive as its `default` export, so both shapes are accepted (as src/services/s3-client.ts does).
type Sfn = typeof import('@aws-sdk/client-sfn');
type Scheduler = typeof import('@aws-sdk/client-scheduler');
type Iam = typeof import('@aws-sdk/client-iam');
type Sts = typeof import('@aws-sdk/client-sts');

function unwrap<T extends object>(m: T, key: string): T {
  return key in m ? m : (m as unknown as { default: T }).default;
}

let sfn: Promise<Sfn> | undefined;
let scheduler: Promise<Scheduler> | undefined;
let iam: Promise<Iam> | undefined;
let sts: Promise<Sts> | undefined;

export const sfnSdk = (): Promise<Sfn> => (sfn ??= import('@aws-sdk/client-sfn').then((m) => unwrap(m, 'SFNClient')));
export const schedulerSdk = (): Promise<Scheduler> => (scheduler ??= import('@aws-sdk/client-scheduler').then((m) => unwrap(m, 'SchedulerClient')));
export const iamSdk = (): Promise<Iam> => (iam ??= import('@aws-sdk/client-iam').then((m) => unwrap(m, 'IAMClient')));
export const stsSdk = (): Promise<Sts> => (sts ??= import('@aws-sdk/client-sts').then((m) => unwrap(m, 'STSClient')));
