// The library side of `dagc deploy`, `submit`, `watch`, `logs` and `runs list --target`: plain values in,
// results out, nothing printed. Each target's handlers (aws/, kube/) are imported only when that target is
// asked for, and their SDKs only then.
import path from 'node:path';
import { loadInputFiles } from '../config/inputs.js';
import { UserError } from '../core/errors.js';
import { baseName, checkTargetIntegrations, compileLoaded } from '../library/compile.js';
import { loadTarget } from '../library/targets.js';
import type { Reporter } from '../library/types.js';
import { ignoreDiagnostics } from '../library/types.js';
import { readDeploySettings } from './settings.js';
import type { DeploySettings } from './settings.js';
import type { DeployOptions, DeployRequest, DeployResult, RunRequest } from './types.js';
import type { RuntimeEvent } from '../runtime/events.js';
import type { RunLog } from '../services/run-log/types.js';

export type { Action, DeployOptions, DeployRequest, DeployResult, FieldChange, KubeOptions, ResourceOutcome, RunRequest } from './types.js';
export { RemoteError } from './types.js';
export type { DeploySettings } from './settings.js';

export const DEPLOY_TARGETS = ['argo', 'asl'] as const;


function checkTarget(target: string): 'argo' | 'asl' {
  if (target === 'argo' || target === 'asl') return target;
  throw new UserError(`dagc cannot deploy to "${target}"`, `deployable targets: ${DEPLOY_TARGETS.join(', ')} (bash writes a script: dagc compile --target bash)`);
}

/** The pipeline's identity in labels and tags: its file's base name, as compile names its output. */
export function pipelineIdentity(pipelineFile: string): string {
  return baseName(pipelineFile);
}

/** The pipeline as the target renders it for deployment, with its dag hash and deploy settings. */
async function rendered(request: DeployRequest, target: 'argo' | 'asl', report: Reporter) {
  const compiler = await loadTarget(target);
  const inputs = await loadInputFiles(request);
  if (inputs.warnings.length) await report(inputs.warnings);
  const settings = await readDeploySettings(request.configFile, request.cwd, request.env, request.varFiles);
  if (inputs.config.executor.type !== target && !compiler.executorTypes.includes(inputs.config.executor.type))
    throw new UserError(
      `the config's executor is "${inputs.config.executor.type}", not ${target}`,
      `give the config that renders the pipeline for ${target} (executor: {type: ${target}, config: …}) with -c`,
    );
  await checkTargetIntegrations(compiler, inputs.config);
  return { compiler, inputs, settings };
}

export async function deploy(request: DeployRequest, options: DeployOptions = {}, report: Reporter = ignoreDiagnostics): Promise<DeployResult> {
  const target = checkTarget(request.target);
  const { compiler, inputs, settings } = await rendered(request, target, report);
  const pipeline = pipelineIdentity(request.pipelineFile);
  if (target === 'asl') {
    const { files } = await compileLoaded(compiler, inputs, inputs.config, request, undefined, report);
    // A machine split into child machines (over a Step Functions quota) is the stack that wires them, whose
    // definitions CloudFormation reads from S3: dagc does not upload them (yet), so it deploys none of it rather
    // than the parent alone, whose parts would not exist.
    const stack = files.find((f) => f.path.endsWith('.stack.json'));
    if (files.length > 1 && stack)
      throw new UserError(
        `the state machine is split into ${files.length - 2} child machines (over a Step Functions quota), which dagc deploy does not deploy yet`,
        `write them with dagc compile --target asl -o FOLDER/, then: aws cloudformation package --template-file FOLDER/${path.basename(stack.path)} --s3-bucket BUCKET --output-template-file packaged.json && aws cloudformation deploy --template-file packaged.json --stack-name NAME --parameter-overrides RoleArn=ROLE`,
      );
    const { deployAsl } = await import('./aws/index.js');
    const outcomes = await deployAsl({ pipeline, dagHash: inputs.pipeline.dagHash, definition: files[0]!.text, settings: settings.asl, env: request.env }, options);
    return { target, outcomes };
  }
  const { deployArgo } = await import('./kube/index.js');
  const outcomes = await deployArgo({ request, compiler, inputs, settings: settings.argo, pipeline, report }, options);
  return { target, outcomes };
}

export interface SubmitRequest extends RunRequest {
  readonly runId?: string | undefined;
  readonly useCached?: string | undefined;
}

export interface SubmitResult {
  readonly target: string;
  readonly runId: string;
  /** The engine's id: an execution ARN, a Workflow's namespace/name. */
  readonly id: string;
  /** False when the same run was already started (nothing new was created). */
  readonly started: boolean;
}

async function settingsOnly(request: RunRequest): Promise<{ target: 'argo' | 'asl'; settings: DeploySettings; template: boolean }> {
  const target = checkTarget(request.target);
  const settings = await readDeploySettings(request.configFile, request.cwd, request.env, request.varFiles);
  return { target, settings, template: target === 'asl' && (await rendersTemplate(request)) };
}

/** Whether the config's asl executor asks for the CloudFormation wrapper (then the stack holds the machine). */
async function rendersTemplate(request: RunRequest): Promise<boolean> {
  const { loadConfig } = await import('../config/load.js');
  const { value } = await loadConfig(request.configFile, { cwd: request.cwd, env: request.env, varFiles: [...(request.varFiles ?? [])] });
  const cfn = value?.executor.config?.['cloudformation'];
  return cfn !== undefined && cfn !== null && cfn !== false;
}

export async function submit(request: SubmitRequest, report: Reporter = ignoreDiagnostics): Promise<SubmitResult> {
  const target = checkTarget(request.target);
  const { generateRunId, checkRunId } = await import('../runtime/run-id.js');
  const runId = request.runId ?? generateRunId();
  // asl: any execution name Step Functions accepts (submitAsl checks it); its run log is under the run id it maps to.
  const bad = target === 'asl' ? undefined : checkRunId(runId);
  if (bad) throw new UserError(bad);
  if (request.useCached !== undefined) {
    const badOld = checkRunId(request.useCached);
    if (badOld) throw new UserError(`--use-cached: ${badOld}`);
  }
  const pipeline = pipelineIdentity(request.pipelineFile);
  if (target === 'asl') {
    // Per-run parameters and the run to re-use travel in the execution input, {parameters, use_cached}, which
    // every Task passes to `dagc asl-task` (README "asl target"); it is checked here with the reader the
    // containers use, so an input they would refuse is bad input now, before anything starts.
    const { settings, template } = await settingsOnly(request);
    const body: Record<string, unknown> = {};
    if (request.parametersFile !== undefined) {
      const { loadParameters } = await import('../config/load.js');
      const loaded = await loadParameters(request.parametersFile, { cwd: request.cwd, env: request.env, varFiles: [...(request.varFiles ?? [])] });
      if (!loaded.value || loaded.diagnostics.some((d) => d.severity === 'error')) {
        const { DiagnosticError } = await import('../core/diagnostics.js');
        throw new DiagnosticError(loaded.diagnostics);
      }
      body['parameters'] = loaded.value;
    }
    if (request.useCached !== undefined) body['use_cached'] = request.useCached;
    const { stringifyJson } = await import('../core/py-float.js');
    const input = stringifyJson(body);
    const { executionInput } = await import('../runtime/execution-input.js');
    const accepted = executionInput(input);
    if ('error' in accepted) throw new UserError(`the execution input cannot carry these parameters: ${accepted.error}`, 'rename the parameter in the -p file (the run reads it as DAGC_PRM_<NAME>)');
    const { submitAsl } = await import('./aws/index.js');
    const out = await submitAsl({ pipeline, settings: settings.asl, env: request.env, template }, runId, input);
    return { target, ...out };
  }
  const { compiler, inputs, settings } = await rendered(request, target, report);
  const { submitArgo } = await import('./kube/index.js');
  const out = await submitArgo({ request, compiler, inputs, settings: settings.argo, pipeline, report }, runId, request.useCached);
  return { target, ...out };
}

export interface EngineRun {
  readonly runId: string;
  /** asl: the execution's name, where it is not the run id (runtime/run-id.ts runIdOfExecutionName). */
  readonly execution?: string;
  readonly status: string;
  readonly started?: string;
  readonly ended?: string;
}

export async function listEngineRuns(request: RunRequest): Promise<EngineRun[]> {
  const { target, settings, template } = await settingsOnly(request);
  const pipeline = pipelineIdentity(request.pipelineFile);
  if (target === 'asl') {
    const { listAsl } = await import('./aws/index.js');
    return listAsl({ pipeline, settings: settings.asl, env: request.env, template });
  }
  const { listArgo } = await import('./kube/index.js');
  return listArgo({ request, settings: settings.argo, pipeline });
}

/**
 * What watch reports: the engine's view (a node's phase or the run's status, as the engine words it) and the run
 * log's, as the runtime's own step events (step-start when a step is PROCESSING, step-end when it has a final
 * status), so the command line shows them with `dagc run`'s progress display.
 */
export type WatchEvent =
  | { readonly kind: 'engine'; readonly text: string }
  | { readonly kind: 'run-log'; readonly event: RuntimeEvent }
  | { readonly kind: 'run-log-unreadable'; readonly reason: string };

export interface WatchOptions {
  readonly intervalMs?: number;
  readonly onEvent: (event: WatchEvent) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

/**
 * The run log's step statuses as they change, for watch: each poll reads the run through the config's run log
 * store and reports the steps whose status differs from the last poll. A store that cannot be read (no run yet,
 * no credentials for it) is said once, and polling goes on.
 */
async function runLogFollower(request: RunRequest, runId: string, say: (event: WatchEvent) => void | Promise<void>): Promise<() => Promise<void>> {
  const { loadConfig } = await import('../config/load.js');
  const { value } = await loadConfig(request.configFile, { cwd: request.cwd, env: request.env, varFiles: [...(request.varFiles ?? [])] });
  if (!value || value.run_log_store.type === 'buffered') return async () => {};
  const { createRunLogStore } = await import('../services/run-log/index.js');
  const store = createRunLogStore(value.run_log_store, { cwd: request.cwd, env: request.env });
  const seen = new Map<string, string>();
  let unreadable = '';
  return async () => {
    let log;
    try {
      log = await store.getRunLog(runId);
    } catch (error) {
      const why = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      if (why !== unreadable) await say({ kind: 'run-log-unreadable', reason: why });
      unreadable = why;
      return;
    }
    unreadable = '';
    for (const event of stepEvents(log.steps, seen)) await say({ kind: 'run-log', event });
  };
}

/** The step events of the statuses that changed since `seen` (updated), in the run log's order. */
export function stepEvents(steps: RunLog['steps'], seen: Map<string, string>): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  const visit = (level: RunLog['steps']) => {
    for (const step of Object.values(level)) {
      const before = seen.get(step.internal_name);
      if (before !== step.status) {
        seen.set(step.internal_name, step.status);
        const last = step.attempts.at(-1);
        if (step.status === 'PROCESSING') out.push({ kind: 'step-start', step: step.internal_name, stepType: step.step_type, attempt: step.attempts.length + 1 });
        else if (step.status === 'SUCCESS' || step.status === 'FAIL')
          out.push({
            kind: 'step-end',
            step: step.internal_name,
            stepType: step.step_type,
            status: step.status,
            mock: step.mock,
            seconds: last?.duration ?? 0,
            message: step.message || last?.message || '',
          });
      }
      for (const branch of Object.values(step.branches)) visit(branch.steps);
    }
  };
  visit(steps);
  return out;
}

export async function watch(request: RunRequest, runId: string, options: WatchOptions): Promise<{ status: string; ok: boolean }> {
  const { target, settings, template } = await settingsOnly(request);
  const pipeline = pipelineIdentity(request.pipelineFile);
  // asl: an execution's name may be given, whose run log is under the run id it maps to (runtime/run-id.ts).
  const { runIdOfExecutionName } = await import('../runtime/run-id.js');
  const follow = await runLogFollower(request, target === 'asl' ? runIdOfExecutionName(runId) : runId, options.onEvent);
  // Engine events first, then what the run log says at the same poll: the two views side by side.
  const onEvent = async (e: { text: string; tick?: boolean }) => {
    if (e.tick) await follow();
    else await options.onEvent({ kind: 'engine', text: e.text });
  };
  const opts = { ...(options.intervalMs !== undefined ? { intervalMs: options.intervalMs } : {}), ...(options.signal ? { signal: options.signal } : {}) };
  if (target === 'asl') {
    const { watchAsl } = await import('./aws/index.js');
    return watchAsl({ pipeline, settings: settings.asl, env: request.env, template }, runId, onEvent, opts);
  }
  const { watchArgo } = await import('./kube/index.js');
  return watchArgo({ request, settings: settings.argo, pipeline }, runId, onEvent, opts);
}

export interface EngineLog {
  readonly step: string;
  /** Where it came from, e.g. "pod my-run-123". */
  readonly source: string;
  readonly text: string;
}

export async function engineLogs(request: RunRequest, runId: string, step: string | undefined): Promise<EngineLog[]> {
  const { target, settings } = await settingsOnly(request);
  if (target === 'asl')
    throw new UserError('Step Functions keeps no step output dagc can read (it is in the jobs\' CloudWatch logs)', `dagc logs ${runId}${step ? ` ${step}` : ''} -c CONFIG reads the output the run captured in its catalog`);
  const { logsArgo } = await import('./kube/index.js');
  return logsArgo({ request, settings: settings.argo, pipeline: pipelineIdentity(request.pipelineFile) }, runId, step);
}
