// Faults injected into an emulated Argo workflow, in one request format for both engines: the built-in emulator
// (emulator.ts) and Argo's own controller (go/argo/harness, controller-engine.ts), so one fault case runs on both
// and the two can be compared. What each fault does is what Kubernetes and Argo's controller do to the pod
// (argoproj/argo-workflows v4.0.5, workflow/controller/operator.go assessNodeStatus / inferFailedReason /
// podReconciliation, workflow/util/util.go StopWorkflow / TerminateWorkflow):
//  - oom: the kernel kills the main container (SIGKILL, exit 137, reason OOMKilled): the node is Failed;
//  - evict: the kubelet evicts the pod (SIGKILL; pod Failed, reason Evicted, its message): Failed;
//  - node-loss: the pod's node goes away with the pod object: the controller finds the pod missing, Error
//    "pod deleted" (with when: success the process ran to exit 0 first, and its outputs are lost with it);
//  - stop / terminate: `argo stop` / `argo terminate` while the pod runs: the controller fails running nodes,
//    starts nothing new, asks the pods to stop (SIGTERM, then SIGKILL after the grace period); stop still runs
//    the exit handler, terminate does not (v1alpha1 ShutdownStrategy.ShouldExecute).

export type ArgoFaultKind = 'oom' | 'evict' | 'node-loss' | 'stop' | 'terminate';

export interface ArgoFault {
  readonly kind: ArgoFaultKind;
  /** The dagc dot path of the node whose pod it hits ("" or absent: the first pod). */
  readonly path?: string;
  /** Map item indices of that pod ("" outside maps). */
  readonly mapIndex?: string;
  /** Which try of a retried node (0: the first). */
  readonly attempt?: number;
  /** node-loss only: "success" loses the pod after its process exited 0, before the controller saw it. */
  readonly when?: 'start' | 'success';
  /** Milliseconds the pod's process runs before the fault. */
  readonly delayMs?: number;
}

/** Argo's node message for a pod that ended by a fault (inferFailedReason: the pod's message, else the main
 * container's reason and exit code; podReconciliation: "pod deleted"). */
export const FAULT_MESSAGES = {
  oom: 'main: OOMKilled (exit code 137)',
  evict: 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi.',
  'node-loss': 'pod deleted',
} as const;

/** The phase Argo gives a node whose pod ended by a kill fault. */
export const FAULT_PHASES = { oom: 'Failed', evict: 'Failed', 'node-loss': 'Error' } as const;

/**
 * Hands out faults to pods as they start, first match first, each fault once — as the harness does
 * (dagcStartPod): a fault matches a pod by its dot path, map indices and try, each when given.
 */
export class FaultPlan {
  private readonly used = new Set<number>();
  constructor(private readonly faults: readonly ArgoFault[] = []) {}

  take(pod: { readonly path: string; readonly mapIndex: string; readonly retries: number }): ArgoFault | undefined {
    for (const [i, f] of this.faults.entries()) {
      if (this.used.has(i)) continue;
      if (f.path && f.path !== pod.path) continue;
      if (f.mapIndex !== undefined && f.mapIndex !== pod.mapIndex) continue;
      if (f.attempt !== undefined && f.attempt !== pod.retries) continue;
      this.used.add(i);
      return f;
    }
    return undefined;
  }
}
