// Placeholder until the Kubernetes handlers land (issue 17 step 2): every entry refuses clearly.
import { UserError } from '../../core/errors.js';
import type { ResourceOutcome } from '../types.js';
const notYet = (): never => {
  throw new UserError('deploying to argo is not available yet in this build', 'use --target asl, or dagc compile --target argo and kubectl apply --server-side');
};
export async function deployArgo(..._: unknown[]): Promise<ResourceOutcome[]> {
  return notYet();
}
export async function submitArgo(..._: unknown[]): Promise<{ runId: string; id: string; started: boolean }> {
  return notYet();
}
export async function listArgo(..._: unknown[]): Promise<{ runId: string; status: string }[]> {
  return notYet();
}
export async function watchArgo(..._: unknown[]): Promise<{ status: string; ok: boolean }> {
  return notYet();
}
export async function logsArgo(..._: unknown[]): Promise<{ step: string; source: string; text: string }[]> {
  return notYet();
}
