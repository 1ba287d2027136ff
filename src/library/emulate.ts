// `emulate`: compile for a target exactly as `compile` does (for the working directory, as `dagc compile`
// prints it), then hand those files to the target's emulator, which runs them here with the engine's
// semantics. Where the engine would need cloud resources the config does not name, the target fills them in as
// config first (Compiler.emulationConfig), so what runs is still what `compile` makes of a config.
import path from 'node:path';
import { loadInputFiles } from '../config/inputs.js';
import type { InputFiles } from '../config/inputs.js';
import { UserError } from '../core/errors.js';
import { packageRoot } from '../core/package-root.js';
import type { CompiledFile } from '../emit/types.js';
import type { EmulateResult } from '../emulate/types.js';
import { checkTargetIntegrations, compileLoaded, imageProjectFolder } from './compile.js';
import { loadTarget } from './targets.js';
import type { Reporter } from './types.js';
import { ignoreDiagnostics } from './types.js';

export interface EmulateRequest extends InputFiles {
  readonly target: string;
  /** Default: a new time-based id. */
  readonly runId?: string | undefined;
  /** Re-run from this run; default: $DAGC_USE_CACHED, as the compiled scripts read it. */
  readonly useCached?: string | undefined;
  /** Where the steps' output goes. */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** The engine implementation, where the target has more than one (argo: dagc or argo; asl: aws-local-stepfunctions or localstack). */
  readonly engine?: string | undefined;
}

export interface EmulateRun extends EmulateResult {
  readonly runId: string;
  /** The files that ran, as `compile` produced them. */
  readonly files: readonly CompiledFile[];
}

/** How an engine's container runs dagc here: this Node and this package's bin/dagc.js. */
export function thisDagc(): string[] {
  return [process.execPath, path.join(packageRoot(), 'bin', 'dagc.js')];
}

export async function emulate(request: EmulateRequest, report: Reporter = ignoreDiagnostics): Promise<EmulateRun> {
  // --engine: argo (dagc's emulator, or Argo's controller) and asl (aws-local-stepfunctions, or it judged by localstack).
  if (request.engine !== undefined && request.target !== 'argo' && request.target !== 'asl')
    throw new UserError(`--engine chooses what runs an Argo manifest or a state machine; the ${request.target} target has one engine`, 'leave --engine out');
  const target = await loadTarget(request.target);
  const inputs = await loadInputFiles(request);
  const config = target.emulationConfig?.(inputs.config) ?? inputs.config;
  // With a config filled in for emulation, the cloud's integrations do not apply: nothing runs there (the
  // emulator checks the given config's own, as every entrypoint call will).
  if (config === inputs.config) await checkTargetIntegrations(target, config);
  // asl: -p's parameters travel in the execution input, as `dagc submit` sends them; the jobs name no -p file.
  const atStart = target.parametersAtStart === true && request.parametersFile !== undefined;
  const { files } = await compileLoaded(target, inputs, config, atStart ? { ...request, parametersFile: undefined } : request, undefined, report);
  const runId = request.runId ?? (await import('../runtime/run-id.js')).generateRunId();
  const result = await target.emulate(files, {
    runId,
    useCached: request.useCached ?? (request.env.DAGC_USE_CACHED || undefined),
    ...(atStart ? { parameters: inputs.parameters } : {}),
    // Pods and jobs start in the image's project folder, the pipeline's (compile names files from there).
    cwd: target.pathsFrom === 'output' ? request.cwd : imageProjectFolder(request),
    env: request.env,
    dagc: thisDagc(),
    pipeline: inputs.pipeline,
    config: inputs.config,
    out: request.out,
    err: request.err,
    engine: request.engine,
  });
  return { ...result, runId: result.runId ?? runId, files };
}
