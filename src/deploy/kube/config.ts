// Where to deploy, found as kubectl finds it: the files of KUBECONFIG (joined by the path separator, merged,
// the first file's current-context winning; files that do not exist are skipped, as kubectl does), else
// ~/.kube/config, else the in-cluster service account; --context picks a context; the namespace is --namespace,
// else deploy.argo.namespace, else the context's, else "default".
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { UserError } from '../../core/errors.js';
import { kubeSdk } from './sdk.js';

export interface KubeTarget {
  readonly kc: KubeConfig;
  readonly context: string;
  readonly namespace: string;
  /** The API server's URL, for messages. */
  readonly server: string;
}

export async function kubeTarget(
  env: Readonly<Record<string, string | undefined>>,
  opts: { context?: string | undefined; namespace?: string | undefined; configNamespace?: string | undefined },
): Promise<KubeTarget> {
  const { KubeConfig } = await kubeSdk();
  const kc = new KubeConfig();
  const listed = (env['KUBECONFIG'] ?? '').split(path.delimiter).filter(Boolean);
  const home = env['HOME'];
  const files = listed.length ? listed.filter((f) => existsSync(f)) : home && existsSync(path.join(home, '.kube', 'config')) ? [path.join(home, '.kube', 'config')] : [];
  try {
    if (files.length) {
      kc.loadFromFile(files[0]!);
      for (const f of files.slice(1)) {
        const more = new KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
    } else if (env['KUBERNETES_SERVICE_HOST'] && env['KUBERNETES_SERVICE_PORT']) kc.loadFromCluster();
    else
      throw new UserError(
        listed.length ? `no kubeconfig: none of the files in KUBECONFIG exists (${listed.join(path.delimiter)})` : 'no kubeconfig: KUBECONFIG is not set and ~/.kube/config does not exist',
        'point KUBECONFIG at the cluster\'s kubeconfig file (the one kubectl uses), or create ~/.kube/config',
      );
  } catch (error) {
    if (error instanceof UserError) throw error;
    throw new UserError(`the kubeconfig cannot be read: ${(error as Error).message}`, `check ${files.join(', ') || 'the in-cluster service account'}`);
  }
  if (opts.context !== undefined) {
    if (!kc.getContextObject(opts.context)) {
      const names = kc.getContexts().map((c) => c.name);
      throw new UserError(`--context ${opts.context}: the kubeconfig has no such context`, names.length ? `its contexts: ${names.join(', ')}` : 'it has no contexts');
    }
    kc.setCurrentContext(opts.context);
  }
  const context = kc.getCurrentContext();
  const ctx = kc.getContextObject(context);
  if (!ctx) throw new UserError('the kubeconfig has no current context', 'set one with kubectl config use-context NAME, or pass --context NAME');
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UserError(`the kubeconfig context "${context}" names no cluster it defines`, 'fix the kubeconfig (kubectl config view)');
  return { kc, context, namespace: opts.namespace ?? opts.configNamespace ?? ctx.namespace ?? 'default', server: cluster.server };
}
