// Desired-state deployment (issue 17): every deployable object is a self-contained resource identified by kind
// and name; one handler per kind reads what the engine has, then creates, updates or deletes to reach what the
// pipeline wants, and does nothing when nothing differs. The engine-specific handlers live in aws/ and kube/;
// this file is what they share with the command line.
import type { InputFiles } from '../config/inputs.js';

/** Where an argo command goes, besides the kubeconfig (src/deploy/kube/config.ts). */
export interface KubeOptions {
  /** --context: a context of the kubeconfig (default: its current-context). */
  readonly context?: string | undefined;
  /** --namespace (default: deploy.argo.namespace, then the context's namespace, then "default"). */
  readonly namespace?: string | undefined;
}

export interface DeployRequest extends InputFiles, KubeOptions {
  /** argo or asl. */
  readonly target: string;
}

/** submit, watch, logs and runs list: the same inputs (the pipeline names the deployed resources). */
export type RunRequest = DeployRequest;

/** What deploying did (or, with --dry-run, would do) to one resource. */
export type Action = 'created' | 'updated' | 'unchanged' | 'deleted';

/** One field that differs: a JSON-pointer-like path, the engine's value and the desired one. */
export interface FieldChange {
  readonly path: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface ResourceOutcome {
  /** e.g. "StateMachine", "WorkflowTemplate". */
  readonly kind: string;
  readonly name: string;
  readonly action: Action;
  /** The fields that differ (empty when unchanged; everything desired when created). */
  readonly changes: readonly FieldChange[];
  /** A short word on what was done beyond the action, e.g. "version 3" or "alias live → version 3". */
  readonly note?: string;
}

export interface DeployOptions {
  /** Compute and report, change nothing. */
  readonly dryRun?: boolean;
  /** Delete resources dagc deployed for this pipeline (found by label/tag) that are no longer desired. */
  readonly prune?: boolean;
  /** Kubernetes: take over fields another field manager owns. */
  readonly forceConflicts?: boolean;
  /** Called as each resource is settled, so the CLI can print progress as it goes. */
  readonly onOutcome?: (outcome: ResourceOutcome) => void;
}

export interface DeployResult {
  readonly target: string;
  readonly outcomes: readonly ResourceOutcome[];
}

/**
 * The engine refused or could not be reached (an unreachable server, RBAC, a conflict, expired credentials,
 * throttling past the retries): printed without a stack, exit 1, as opposed to bad input (UserError, exit 2).
 * `done` lists what had already been changed when it happened, so nothing half-applied goes unreported.
 */
export class RemoteError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly done: readonly ResourceOutcome[] = [],
  ) {
    super(message);
    this.name = 'RemoteError';
  }

  withDone(done: readonly ResourceOutcome[]): RemoteError {
    return new RemoteError(this.message, this.hint, done);
  }
}

/** Labels (Kubernetes) and tags (AWS) dagc puts on everything it deploys; prune finds resources by these. */
export const MANAGED_BY_KEY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'dagc';
export const PIPELINE_KEY = 'dagc.dev/pipeline';
export const DAG_HASH_KEY = 'dagc.dev/dag-hash';
