// `run`: dagc traverses the pipeline here (the local executor, or local-container with each task in a
// container) and records the run. `execute`: magnus's spelling, where the config's executor decides between
// running here and compiling for an engine (to the executor config's `output_file`).
import path from 'node:path';
import { UserError } from '../core/errors.js';
import { loadInputFiles } from '../config/inputs.js';
import type { InputFiles, Inputs } from '../config/inputs.js';
import type { EventSink } from '../runtime/events.js';
import type { RunLog, Status } from '../services/run-log/types.js';
import type { RunContext } from '../runtime/context.js';
import { closeUnfinished } from '../runtime/close-run.js';
import { killStoppable } from '../core/spawn-piped.js';
import { baseName, checkTargetIntegrations, compileLoaded } from './compile.js';
import type { CompileResult } from './compile.js';
import { loadTarget, targetOfExecutor } from './targets.js';
import { TRAVERSES_HERE } from '../config/executors.js';
import type { Reporter } from './types.js';
import { ignoreDiagnostics } from './types.js';

/** Executors with which dagc itself traverses the graph (the others render it for an engine). */
export { TRAVERSES_HERE } from '../config/executors.js';

export interface RunRequest extends InputFiles {
  readonly runId?: string | undefined;
  readonly tag?: string | undefined;
  /** Re-run: steps that succeeded in this run are taken as they are. */
  readonly useCached?: string | undefined;
  /** Only this root-level step runs; every other step is recorded mocked (magnus execute_step). */
  readonly step?: string | undefined;
  /** Stops the running steps (Ctrl-C); the run then ends FAIL, recorded. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Stops the run at once (a second Ctrl-C): every step's process group is SIGKILLed instead of given the TERM
   * grace, and the run log closes FAIL; aborts `signal` too when it has not been.
   */
  readonly force?: AbortSignal | undefined;
  /** Events while the executor gets ready (local-container probes its engine and images). */
  readonly onPrepare?: EventSink | undefined;
  /** Called once everything is checked, right before the run starts; returns the listener of its events. */
  readonly onStart?: (() => Promise<EventSink>) | undefined;
  /** Return the whole run log too. */
  readonly withRunLog?: boolean | undefined;
}

export interface RunOutcome {
  readonly runId: string;
  readonly status: string;
  /** Where the run log store keeps it (for messages). */
  readonly location: string;
  readonly runLog?: RunLog | undefined;
}

/** Runs already loaded inputs here (the executor must traverse here). */
export async function runLoaded(inputs: Inputs, request: RunRequest, report: Reporter): Promise<RunOutcome> {
  if (inputs.warnings.length) await report(inputs.warnings);
  const [{ openRun }, { runPipeline }, { checkProjectFolders }] = await Promise.all([
    import('../runtime/open-run.js'),
    import('../executors/local.js'),
    import('../runtime/project-folders.js'),
  ]);
  await checkProjectFolders(inputs.config, request.cwd);
  // local-container: everything is checked and the engine and images probed before the run exists.
  const containers =
    inputs.config.executor.type === 'local-container'
      ? await (await import('../executors/local-container.js')).prepareLocalContainer({
          pipeline: inputs.pipeline,
          config: inputs.config,
          pipelineFile: inputs.file,
          varFiles: inputs.varFiles,
          cwd: request.cwd,
          env: request.env,
          events: request.onPrepare ?? (() => {}),
        })
      : undefined;
  try {
    const events = request.onStart ? await request.onStart() : () => {};
    const ctx = await openRun({
      pipeline: inputs.pipeline,
      config: inputs.config,
      parameters: inputs.parameters,
      cwd: request.cwd,
      env: request.env,
      events,
      runId: request.runId,
      tag: request.tag,
      useCached: request.useCached,
      ...(request.step !== undefined ? { onlyStep: request.step } : {}),
      mode: 'run',
      signal: request.signal,
    });
    const status = await untilForced(runPipeline(ctx, containers?.leaf), ctx, request.force);
    const runLog = request.withRunLog ? await ctx.store.getRunLog(ctx.runId) : undefined;
    return { runId: ctx.runId, status, location: ctx.store.location, runLog };
  } finally {
    await containers?.dispose();
  }
}

/** How long a forced stop waits for the killed steps to record their end before closing the run itself. */
const FORCED_CLOSE_MS = 5000;

/**
 * A forced stop (second Ctrl-C) SIGKILLs every step process still running; the traversal then records their
 * ends and closes the run FAIL as after one Ctrl-C, only without the TERM grace. Should it not settle soon (a
 * store that hangs), whatever is still PROCESSING is closed FAIL here so the run log never claims a run that
 * nothing runs (issue 19: a second Ctrl-C left the run PROCESSING and the step's process group running).
 */
async function untilForced(
  running: Promise<Status>,
  ctx: Pick<RunContext, 'store' | 'runId' | 'events'>,
  force: AbortSignal | undefined,
): Promise<Status> {
  if (!force) return running;
  let onForce: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;
  const forced = new Promise<Status>((resolve, reject) => {
    onForce = () => {
      killStoppable();
      timer = setTimeout(() => {
        closeUnfinished(ctx, 'stopped by a second interrupt').then(resolve, reject);
      }, FORCED_CLOSE_MS);
    };
    if (force.aborted) onForce();
    else force.addEventListener('abort', onForce, { once: true });
  });
  try {
    return await Promise.race([running, forced]);
  } finally {
    if (onForce) force.removeEventListener('abort', onForce);
    if (timer) clearTimeout(timer);
  }
}

export async function run(request: RunRequest, report: Reporter = ignoreDiagnostics): Promise<RunOutcome> {
  const inputs = await loadInputFiles(request);
  const type = inputs.config.executor.type;
  if (!(TRAVERSES_HERE as readonly string[]).includes(type))
    throw new UserError(
      `the config's executor is "${type}", which renders the pipeline for an engine; dagc run traverses it here (local or local-container)`,
      `use \`dagc execute -f ${request.pipelineFile} -c <config>\` to let the config's executor decide, or a config with executor: {type: local}`,
    );
  return runLoaded(inputs, request, report);
}

export type ExecuteOutcome = ({ readonly ran: true } & RunOutcome) | ({ readonly ran: false; readonly executor: string } & CompileResult);

/** The config's executor decides: run here (as `run`), or compile to its `output_file` (not written here). */
export async function execute(request: RunRequest, report: Reporter = ignoreDiagnostics): Promise<ExecuteOutcome> {
  const inputs = await loadInputFiles(request);
  const type = inputs.config.executor.type;
  if ((TRAVERSES_HERE as readonly string[]).includes(type)) return { ran: true, ...(await runLoaded(inputs, request, report)) };
  const name = targetOfExecutor(type);
  if (!name)
    throw new UserError(`the "${type}" executor is not available in this version of dagc`, 'use executor: {type: local} (or `dagc run`) to run the pipeline here');
  const target = await loadTarget(name);
  if (inputs.warnings.length) await report(inputs.warnings);
  const configured = inputs.config.executor.config?.output_file;
  if (configured !== undefined && (typeof configured !== 'string' || !configured.trim()))
    throw new UserError('executor.config.output_file must be a file name', `e.g. output_file: ${target.defaultOutput('pipeline')}`);
  const output = path.resolve(request.cwd, (configured as string | undefined) ?? target.defaultOutput(baseName(request.pipelineFile)));
  await checkTargetIntegrations(target, inputs.config);
  return { ran: false, executor: type, ...(await compileLoaded(target, inputs, inputs.config, request, output, report)) };
}
