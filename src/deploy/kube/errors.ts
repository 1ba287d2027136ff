// Kubernetes API failures as dagc reports them. The server's Status (reason, message, details.causes) says
// what happened; dagc adds what to do. Bad input (no such namespace) is a UserError, exit 2; anything the server
// refused or could not be asked is a RemoteError, exit 1. Tokens and certificates are never in a message.
import { UserError } from '../../core/errors.js';
import { RemoteError } from '../types.js';

interface Status {
  reason?: string;
  message?: string;
  code?: number;
  details?: { kind?: string; name?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

export interface ApiFailure {
  readonly code?: number;
  readonly status?: Status;
  /** A network error's code (ECONNREFUSED, …). */
  readonly errno?: string;
}

function parseBody(body: unknown): Status | undefined {
  if (body && typeof body === 'object') return body as Status;
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Status;
    } catch {
      return { message: body };
    }
  }
  return undefined;
}

export function failureOf(error: unknown): ApiFailure {
  const e = error as { code?: unknown; body?: unknown; cause?: { code?: string }; errno?: string; type?: string };
  if (typeof e?.code === 'number') return { code: e.code, ...(parseBody(e.body) ? { status: parseBody(e.body)! } : {}) };
  const errno = e?.cause?.code ?? (typeof e?.code === 'string' ? e.code : undefined) ?? e?.errno;
  return errno ? { errno } : {};
}

/**
 * A conflict of server-side apply: the server names each field another manager owns
 * (`conflict with "kubectl-edit" using argoproj.io/v1alpha1: .spec.templates`).
 */
export function conflictText(status: Status | undefined): string {
  const causes = status?.details?.causes ?? [];
  if (!causes.length) return status?.message ?? 'conflict';
  return causes.map((c) => `${c.field ?? '?'} (${(c.message ?? '').replace(/^conflict with /, 'owned by ')})`).join('; ');
}

export function kubeError(error: unknown, what: string, where: { server: string; namespace: string; attempts?: number | undefined }): Error {
  if (error instanceof UserError || error instanceof RemoteError) return error;
  const f = failureOf(error);
  const message = f.status?.message ?? '';
  if (f.errno)
    return new RemoteError(`cannot reach the Kubernetes API server at ${where.server} for ${what} (${f.errno})`, 'check the cluster is up and the kubeconfig context points at it (kubectl cluster-info)');
  if (f.code === 401) return new RemoteError(`the Kubernetes API server refused the credentials for ${what} (401 Unauthorized)`, 'the kubeconfig\'s token or certificate is not accepted: refresh it');
  if (f.code === 403)
    return new RemoteError(
      `forbidden: ${what}: ${message || 'the server refused it (403)'}`,
      `the kubeconfig's user needs a Role in "${where.namespace}" allowing get, list, create, patch and delete on workflowtemplates, cronworkflows and workflows (argoproj.io)`,
    );
  if (f.code === 404 && /namespaces? "[^"]*" not found/.test(message))
    return new UserError(`the namespace "${where.namespace}" does not exist on ${where.server}`, 'create it (kubectl create namespace NAME), or choose another with --namespace or deploy.argo.namespace');
  if (f.code === 409 && f.status?.reason === 'Conflict' && f.status.details?.causes?.length)
    return new RemoteError(`conflict applying ${what}: ${conflictText(f.status)}`, 'another field manager owns these fields; --force-conflicts makes dagc take them over');
  if (f.code === 422) return new RemoteError(`the Kubernetes API server rejected ${what}: ${message}`);
  if (f.code === 429)
    return new RemoteError(
      `the Kubernetes API server throttled ${what} (429 Too Many Requests) and was still throttling after ${where.attempts ?? 'several'} attempts with backoff`,
      'run again later, or raise the attempts with DAGC_KUBE_MAX_ATTEMPTS (default 5); the cluster\'s API Priority and Fairness settings decide how much a client may send',
    );
  if (f.code !== undefined) return new RemoteError(`the Kubernetes API server refused ${what} (${f.code}${f.status?.reason ? ` ${f.status.reason}` : ''})${message ? `: ${message}` : ''}`);
  return error instanceof Error ? error : new Error(String(error));
}
