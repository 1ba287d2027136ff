// Every request dagc sends to the Kubernetes API goes through one retrying HTTP layer, as client-go's does
// (k8s.io/client-go/rest/request.go, checkWait and retryAfterSeconds): a 429 Too Many Requests (API Priority and
// Fairness, --max-requests-inflight) is sent again after the Retry-After the server names, and so is a 5xx that
// names one (the server saying it will be back); other 5xx answers are reported as they are. Without a
// Retry-After, a 429 waits an exponential backoff with full jitter. After DAGC_KUBE_MAX_ATTEMPTS attempts
// (default 5) the last answer stands, and kubeError reports it with the attempts made.
// API Priority and Fairness: https://kubernetes.io/docs/concepts/cluster-administration/flow-control/
import type { ApiType, Configuration, HttpLibrary, KubeConfig, PromiseHttpLibrary, RequestContext, ResponseContext } from '@kubernetes/client-node';
import { UserError } from '../../core/errors.js';
import { kubeSdk } from './sdk.js';

/** Attempts per request (the first and the retries). */
export function kubeMaxAttempts(env: Readonly<Record<string, string | undefined>>): number {
  const raw = env['DAGC_KUBE_MAX_ATTEMPTS'];
  if (raw === undefined || raw === '') return 5;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 20) throw new UserError(`DAGC_KUBE_MAX_ATTEMPTS="${raw}" must be a whole number from 1 to 20`);
  return n;
}

/** The longest wait dagc takes from a Retry-After (a server asking for more is answered after this). */
const RETRY_AFTER_CAP_MS = 30_000;
const BACKOFF_BASE_MS = 250;
const BACKOFF_CAP_MS = 8_000;

/** Seconds of a Retry-After header (delta-seconds; an HTTP date is read too), or undefined. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, RETRY_AFTER_CAP_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(at - now, 0), RETRY_AFTER_CAP_MS);
}

/** How long to wait before attempt `attempt + 1` after `status`, or undefined when the answer stands. */
export function retryDelay(status: number, retryAfter: string | undefined, attempt: number, random = Math.random): number | undefined {
  const after = retryAfterMs(retryAfter);
  if (status === 429) return after ?? Math.floor(random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
  if (status >= 500 && status <= 599 && after !== undefined) return after;
  return undefined;
}

function retrying(inner: HttpLibrary, attempts: number, wait: (ms: number) => Promise<void>): PromiseHttpLibrary {
  return {
    async send(request: RequestContext): Promise<ResponseContext> {
      for (let attempt = 1; ; attempt++) {
        const response = await inner.send(request).toPromise();
        const delay = attempt < attempts ? retryDelay(response.httpStatusCode, response.headers['retry-after'], attempt) : undefined;
        if (delay === undefined) return response;
        // The refused answer's body is read and dropped, so its connection goes back to the pool.
        await response.body.text().catch(() => '');
        await wait(delay);
      }
    },
  };
}

/**
 * kc.makeApiClient with the retrying HTTP layer (the same server and authentication kc gives; kc signs each
 * attempt again, so a token that a plugin refreshes is fresh on the retries too).
 */
export async function makeRetryingClient<T extends ApiType>(
  kc: KubeConfig,
  type: new (config: Configuration) => T,
  env: Readonly<Record<string, string | undefined>>,
): Promise<T> {
  const sdk = await kubeSdk();
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UserError('the kubeconfig has no current cluster', 'fix the kubeconfig (kubectl config view)');
  const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  const config = sdk.createConfiguration({
    baseServer: new sdk.ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    httpApi: sdk.wrapHttpLibrary(retrying(new sdk.IsomorphicFetchHttpLibrary(), kubeMaxAttempts(env), wait)),
  });
  return new type(config);
}
