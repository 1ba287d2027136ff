// One handler for every Kubernetes kind dagc deploys (WorkflowTemplate, CronWorkflow): read the object, ask the
// server what a server-side apply with field manager "dagc" would make of it (dryRun=All: the server's own
// defaulting, validation and conflict detection, and no write), compare that with what is stored, and apply for
// real only when they differ. So deploying twice writes nothing and the resourceVersion stays; a field another
// manager owns is a conflict (reported with field and manager) unless --force-conflicts.
// Server-side apply: https://kubernetes.io/docs/reference/using-api/server-side-apply/
import type { KubernetesObject, KubernetesObjectApi } from '@kubernetes/client-node';
import { diffValues } from '../diff.js';
import type { ResourceOutcome } from '../types.js';
import { failureOf, kubeError } from './errors.js';
import { kubeSdk } from './sdk.js';

export const FIELD_MANAGER = 'dagc';

export interface KubeObject extends KubernetesObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}

export interface Where {
  readonly server: string;
  readonly namespace: string;
  /** Attempts each request is given (retry.ts), said when throttling outlasts them. */
  readonly attempts?: number;
}

/** What the server adds by itself and that says nothing about the desired state. */
function comparable(obj: unknown): unknown {
  const o = JSON.parse(JSON.stringify(obj ?? {})) as Record<string, unknown>;
  const m = (o['metadata'] ?? {}) as Record<string, unknown>;
  for (const k of ['resourceVersion', 'generation', 'managedFields', 'creationTimestamp', 'uid', 'selfLink']) delete m[k];
  delete o['status'];
  return o;
}

async function read(api: KubernetesObjectApi, obj: KubeObject, where: Where): Promise<KubernetesObject | undefined> {
  try {
    return await api.read({ apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace } });
  } catch (error) {
    const f = failureOf(error);
    if (f.code === 404 && f.status?.details?.name === obj.metadata.name) return undefined;
    if (f.code === 404 && !/namespaces? "/.test(f.status?.message ?? '')) return undefined;
    throw kubeError(error, `get ${obj.kind} ${obj.metadata.name}`, where);
  }
}

export async function applyObject(api: KubernetesObjectApi, obj: KubeObject, opts: { dryRun: boolean; force: boolean }, where: Where): Promise<ResourceOutcome> {
  const { PatchStrategy } = await kubeSdk();
  const current = await read(api, obj, where);
  const what = `${obj.kind} ${obj.metadata.name}`;
  let preview: KubernetesObject;
  try {
    preview = await api.patch(obj, undefined, 'All', FIELD_MANAGER, opts.force, PatchStrategy.ServerSideApply);
  } catch (error) {
    throw kubeError(error, what, where);
  }
  const changes = diffValues(current ? comparable(current) : {}, comparable(preview));
  const base = { kind: obj.kind, name: `${obj.metadata.namespace}/${obj.metadata.name}` };
  if (current && changes.length === 0) return { ...base, action: 'unchanged', changes, note: `resourceVersion ${current.metadata?.resourceVersion}` };
  if (opts.dryRun) return { ...base, action: current ? 'updated' : 'created', changes };
  let applied: KubernetesObject;
  try {
    applied = await api.patch(obj, undefined, undefined, FIELD_MANAGER, opts.force, PatchStrategy.ServerSideApply);
  } catch (error) {
    throw kubeError(error, what, where);
  }
  return { ...base, action: current ? 'updated' : 'created', changes, note: `resourceVersion ${applied.metadata?.resourceVersion}` };
}

/** Objects of `kind` with dagc's labels for this pipeline whose names are not in `keep`: deleted (or, dry, listed). */
export async function pruneKind(
  api: KubernetesObjectApi,
  kind: string,
  selector: string,
  keep: ReadonlySet<string>,
  dryRun: boolean,
  where: Where,
): Promise<ResourceOutcome[]> {
  let items: KubernetesObject[];
  try {
    items = (await api.list('argoproj.io/v1alpha1', kind, where.namespace, undefined, undefined, undefined, undefined, selector)).items;
  } catch (error) {
    throw kubeError(error, `list ${kind}s`, where);
  }
  const out: ResourceOutcome[] = [];
  for (const item of items.sort((a, b) => (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''))) {
    const name = item.metadata?.name ?? '';
    if (keep.has(name)) continue;
    if (!dryRun) {
      try {
        await api.delete({ apiVersion: 'argoproj.io/v1alpha1', kind, metadata: { name, namespace: where.namespace } });
      } catch (error) {
        throw kubeError(error, `delete ${kind} ${name}`, where);
      }
    }
    out.push({ kind, name: `${where.namespace}/${name}`, action: 'deleted', changes: [] });
  }
  return out;
}
