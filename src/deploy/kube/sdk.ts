// @kubernetes/client-node, loaded only when an argo deploy command runs (it is large). Bundled, the package may
// arrive as its `default` export, so both shapes are accepted.
import type * as KubeSdk from '@kubernetes/client-node';

type Kube = typeof KubeSdk;
let kube: Promise<Kube> | undefined;

export const kubeSdk = (): Promise<Kube> =>
  (kube ??= import('@kubernetes/client-node').then((m) => ('KubeConfig' in m ? m : (m as unknown as { default: Kube }).default)));
