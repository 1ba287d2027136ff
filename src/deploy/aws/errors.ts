// AWS failures as dagc reports them: what was refused, why in a word a person acts on, and what to do. Bad
// local input (no credentials configured, no region) is a UserError (exit 2); anything AWS answered or could
// not be asked is a RemoteError (exit 1). Messages never include credentials or signed request details.
import { UserError } from '../../core/errors.js';
import { RemoteError } from '../types.js';

interface AwsLikeError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number; attempts?: number };
  $fault?: string;
}

const EXPIRED = new Set(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired', 'TokenRefreshRequired']);
const BAD_CREDENTIALS = new Set(['UnrecognizedClientException', 'InvalidClientTokenId', 'InvalidSignatureException', 'SignatureDoesNotMatch', 'IncompleteSignature']);
const THROTTLED = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'RequestLimitExceeded', 'ProvisionedThroughputExceededException', 'SlowDown']);
const DENIED = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/** `what` says what was being done, e.g. 'UpdateStateMachine pipeline'. */
export function awsError(error: unknown, what: string): Error {
  if (error instanceof RemoteError || error instanceof UserError) return error;
  const e = (error ?? {}) as AwsLikeError;
  const name = e.name ?? '';
  const attempts = e.$metadata?.attempts;
  const detail = e.message ? `: ${e.message}` : '';
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(e.message ?? ''))
    return new UserError('no AWS credentials were found', 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE for a profile in ~/.aws (aws configure / aws sso login)');
  if (EXPIRED.has(name))
    return new RemoteError(`AWS refused ${what}: the credentials have expired${detail}`, 'refresh them (aws sso login, or new temporary credentials from your identity provider), then run the same command again');
  if (BAD_CREDENTIALS.has(name))
    return new RemoteError(`AWS refused ${what}: it does not recognise the credentials (${name})`, 'check AWS_ACCESS_KEY_ID / AWS_PROFILE and that they belong to the account and partition of AWS_REGION');
  if (THROTTLED.has(name))
    return new RemoteError(
      `AWS throttled ${what} and was still throttling after ${attempts ?? 'several'} attempts with backoff (${name})`,
      'run again later, or raise the attempts with DAGC_AWS_MAX_ATTEMPTS (default 5); an account quota may be too low',
    );
  if (DENIED.has(name)) return new RemoteError(`AWS denied ${what}${detail}`, 'the identity needs that action allowed by an IAM policy');
  // A socket error's code may be on the error, on its cause, or (several addresses tried) on an AggregateError's.
  const nested = error as { code?: string; cause?: { code?: string }; errors?: { code?: string }[] };
  const code = nested?.code ?? nested?.cause?.code ?? nested?.errors?.[0]?.code ?? /\b(ECONNREFUSED|ENOTFOUND|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN)\b/.exec(e.message ?? '')?.[1];
  if (['ECONNREFUSED', 'ENOTFOUND', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'EAI_AGAIN'].includes(code ?? '') || name === 'TimeoutError')
    return new RemoteError(`cannot reach AWS for ${what} (${code ?? name})`, 'check the network, AWS_REGION and AWS_ENDPOINT_URL');
  if (e.$metadata || e.$fault) return new RemoteError(`AWS refused ${what} (${name || 'error'})${detail}`);
  return error instanceof Error ? error : new Error(String(error));
}

/** Runs one AWS call and maps its failure. */
export async function call<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    throw awsError(error, what);
  }
}

/** Whether the error is AWS saying the resource does not exist. */
export function isNotFound(error: unknown): boolean {
  const name = (error as AwsLikeError)?.name ?? '';
  return name === 'StateMachineDoesNotExist' || name === 'ResourceNotFoundException' || name === 'ResourceNotFound' || name === 'NoSuchEntityException' || name === 'NoSuchEntity';
}

/**
 * IAM is eventually consistent: a role created a moment ago may not yet be assumable by Step Functions or
 * EventBridge Scheduler, which then refuse it ("... is not authorized to assume the provided role", "must allow
 * AWS EventBridge Scheduler to assume the role"). When dagc has just created the role, such refusals are retried
 * with a growing wait (about 30 s in all) before they are reported.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency
 */
export async function retryFreshRole<T>(fresh: boolean, f: () => Promise<T>, wait: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await f();
    } catch (error) {
      const text = `${(error as { name?: string })?.name ?? ''} ${(error as Error)?.message ?? ''}`;
      if (!fresh || attempt >= 6 || !/authorized to assume the provided role|to assume the role|cannot be assumed/i.test(text)) throw error;
      await wait(1000 * attempt);
    }
  }
}
