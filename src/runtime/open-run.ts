// Sets a run up before any node executes: integrations checked, services created, secrets collected for
// masking, the run record created (or joined, for the entrypoint), and a re-run's previous run loaded.
import type { DagcConfig, Parameters } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import { UserError } from '../core/errors.js';
import { createRunLogStore } from '../services/run-log/index.js';
import { createCatalog } from '../services/catalog/index.js';
import { createSecrets } from '../services/secrets/index.js';
import { createTracker } from '../services/tracking/index.js';
import type { RunLogStore, RunRecord } from '../services/run-log/types.js';
import { RunLogExistsError, RunLogNotFoundError } from '../services/run-log/types.js';
import { maskSecrets } from '../services/secrets/types.js';
import { isoNow } from './clock.js';
import { stepCodeIdentities } from './code-identity.js';
import type { PreviousRun, RunContext } from './context.js';
import { indexSteps } from './context.js';
import { createLimiter } from '../core/limit.js';
import type { EventSink } from './events.js';
import { checkRunId, generateRunId } from './run-id.js';
import { checkIntegrations, configureServices, maxParallelOf } from '../integrations/configured.js';
import { sharedWorkspace } from './workspace.js';
import { parseJson } from '../core/py-float.js';
import { mockedExecutor, onlyStep } from './mocking.js';
import { sameAsRecorded } from '../services/run-log/shared-values.js';

export interface OpenRunOptions {
  pipeline: Pipeline;
  config: DagcConfig;
  parameters: Parameters;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  events: EventSink;
  runId?: string;
  tag?: string;
  /** Re-run: the id of an earlier run whose successful steps are taken as they are (spec §3.11). */
  useCached?: string;
  /** `--step NAME`: only that root-level step runs, the rest is recorded mocked (magnus execute_step). */
  onlyStep?: string;
  /**
   * 'run': dagc traverses here and creates the run (an existing id is an error).
   * 'entrypoint': an engine calls one node; the first call creates the run, later ones join it.
   */
  mode: 'run' | 'entrypoint';
  /**
   * Refuse a run id the store already has even in entrypoint mode: the compare-and-set that makes a run id
   * exclusive for a rendered script (`dagc fan open`, before any step runs; issue 19).
   */
  exclusive?: boolean;
  /** Aborts running steps (Ctrl-C). */
  signal?: AbortSignal;
}

/** Initial parameters: the parameters file, then DAGC_PRM_ and MAGNUS_PRM_ variables present at start (2023 head, §4.1). */
export function initialParameters(fileParameters: Parameters, env: Readonly<Record<string, string | undefined>>): Parameters {
  const out: Parameters = { ...fileParameters };
  for (const prefix of ['MAGNUS_PRM_', 'DAGC_PRM_']) {
    for (const [k, raw] of Object.entries(env)) {
      if (!k.startsWith(prefix) || raw === undefined || k === `${prefix}MAP_VARIABLE`) continue;
      let value: unknown = raw;
      try {
        value = parseJson(raw);
      } catch {
        /* a plain string */
      }
      out[k.slice(prefix.length).toLowerCase()] = value;
    }
  }
  return out;
}

async function loadPrevious(store: RunLogStore, id: string, pipeline: Pipeline, events: EventSink): Promise<PreviousRun> {
  try {
    const log = await store.getRunLog(id);
    if (log.dag_hash !== pipeline.dagHash)
      events({
        kind: 'warning',
        message: `the pipeline changed since run "${id}" (dag hash ${log.dag_hash} then, ${pipeline.dagHash} now)`,
        hint: 'steps are matched by name; check that the skipped steps still mean the same',
      });
    return { log, steps: indexSteps(log), skipping: true };
  } catch (error) {
    if (error instanceof RunLogNotFoundError)
      throw new UserError(`there is no run "${id}" in ${store.location} to re-run`, 'list the runs with `dagc runs list` (with the same -c config)');
    throw error;
  }
}

/**
 * Whether a step of this run has already executed (not taken from the previous run). With one process per
 * node, this is how a re-run knows that its cache was dropped (spec §3.11: skipping ends at the first node
 * that really executes); success/fail nodes do not count, as they always execute.
 */
async function hasExecutedForReal(store: RunLogStore, runId: string): Promise<boolean> {
  const log = await store.getRunLog(runId);
  for (const step of indexSteps(log).values())
    if (!step.mock && step.step_type !== 'success' && step.step_type !== 'fail') return true;
  return false;
}

export async function openRun(opts: OpenRunOptions): Promise<RunContext> {
  const { pipeline, config, cwd, events } = opts;
  const { errors, warnings } = checkIntegrations(config);
  if (errors.length) throw new UserError(errors.map((e) => e.message).join('; '), errors[0]?.hint);
  for (const w of warnings) events({ kind: 'warning', message: w.message, hint: w.hint });

  // Each entrypoint call is its own process: an in-memory run log would be lost between them.
  if (opts.mode === 'entrypoint' && config.run_log_store.type === 'buffered')
    throw new UserError(
      'dagc exec and dagc fan run one node per process, so the buffered (in-memory) run log store cannot be used',
      'use run_log_store: {type: chunked-fs} (the default) or {type: file-system}',
    );
  const mocking = opts.onlyStep !== undefined ? onlyStep(pipeline, opts.onlyStep) : config.executor.type === 'mocked' ? mockedExecutor() : undefined;
  if (mocking && opts.useCached) throw new UserError('a re-run (--use-cached) cannot also mock steps', 'drop --step, or use executor: {type: local}');
  const runId = opts.runId ?? generateRunId();
  const bad = checkRunId(runId);
  if (bad) throw new UserError(bad, 'pass --run-id with a simpler name');

  const services = configureServices(config, opts.mode);
  const store = createRunLogStore(services.run_log_store, { cwd });
  const catalog = createCatalog(services.catalog, { cwd });
  const secrets = createSecrets(services.secrets, { cwd });
  const tracker = createTracker(services.experiment_tracker);
  const secretValues = new Set<string>(Object.values(await secrets.getAll()));

  const previous = opts.useCached ? await loadPrevious(store, opts.useCached, pipeline, events) : undefined;
  let parameters = initialParameters(opts.parameters, opts.env);
  // A re-run continues the earlier run: its parameters win (magnus-spec.md §3.11). A value given now that differs
  // would be dropped without a word, so it is named (once, by the call that creates the run; see below).
  // Compared with what the earlier run started from (its first attempt's parameters): the same -p as then is
  // no news, even where its steps changed the value since.
  const started = previous ? (Object.values(previous.log.steps).find((s) => s.attempts.length)?.attempts[0]?.parameters ?? previous.log.parameters) : {};
  const overridden = previous
    ? Object.keys(parameters).filter(
        // A large value is recorded in the attempts as a reference to it (services/run-log/shared-values.ts).
        (k) => Object.hasOwn(previous.log.parameters, k) && !sameAsRecorded(parameters[k], started[k]),
      )
    : [];
  if (previous) parameters = { ...parameters, ...previous.log.parameters };

  const record: RunRecord = {
    run_id: runId,
    dag_hash: pipeline.dagHash,
    use_cached: previous !== undefined,
    tag: opts.tag ?? '',
    original_run_id: previous ? previous.log.run_id : '',
    status: 'PROCESSING',
    run_config: {
      executor: config.executor,
      run_log_store: config.run_log_store,
      catalog: config.catalog,
      secrets: config.secrets,
      experiment_tracker: config.experiment_tracker,
      variables: pipeline.variables,
      pipeline: pipeline.dag,
    },
    created_at: isoNow(),
  };
  // A previous run that recorded nothing in its catalog (killed before its first task finished, stubs only) has
  // no catalog folder to copy: the re-run starts from it all the same (issue 19). One that did and whose folder
  // is gone is refused before the run record exists, so a refused re-run leaves no record (issue 19); checked by
  // the calls that must create the run (dagc run, dagc fan open), not by an engine's every later call.
  const copiesCatalog = previous !== undefined && [...previous.steps.values()].some((s) => s.data_catalog.length > 0);
  if (copiesCatalog && (opts.mode === 'run' || opts.exclusive)) await catalog.checkRun?.(previous.log.run_id);
  let stored: RunRecord;
  try {
    stored = await store.createRun(record, parameters, { existsOk: opts.mode === 'entrypoint' && !opts.exclusive });
  } catch (error) {
    if (error instanceof RunLogExistsError)
      throw new UserError(
        `a run "${runId}" already exists in ${store.location}`,
        'choose another --run-id, or re-run it with --use-cached ' + runId + ' and a new id',
      );
    throw error;
  }
  const created = stored.created_at === record.created_at;
  if (created && previous && overridden.length)
    events({
      kind: 'warning',
      message: `--use-cached ${previous.log.run_id}: the re-run keeps the parameters of run ${previous.log.run_id}, so the new value${overridden.length > 1 ? 's' : ''} of ${overridden.map((k) => `"${k}"`).join(', ')} ${overridden.length > 1 ? 'are' : 'is'} not used`,
      hint: `run without --use-cached to use the new values (a re-run repeats run ${previous.log.run_id} from where it failed)`,
    });
  // The experiment tracker's run-level record, made once, by the creator (mlflow: the parent of step runs).
  if (created) await tracker.startRun?.(runId, Date.parse(record.created_at));
  // Said once per run (by the call that created it): steps share this folder, which no cluster does.
  if (created && sharedWorkspace(config))
    events({
      kind: 'warning',
      message: `shared_workspace: every step runs in ${cwd} and sees the files earlier steps left there, as magnus did`,
      hint: 'on a cluster each step starts from its image and its catalog gets only; drop executor.config.shared_workspace to run steps that way here',
    });
  // A catalog folder that went away since the check above (or one an engine's first call finds gone): the new
  // run's record closes FAIL rather than staying PROCESSING.
  if (previous && created && copiesCatalog) {
    try {
      await catalog.copyRun(previous.log.run_id, runId);
    } catch (error) {
      await store.updateRun(runId, { status: 'FAIL', ended_at: isoNow() });
      throw error;
    }
  }
  if (previous && !created) previous.skipping = !(await hasExecutedForReal(store, runId));

  const maxParallel = opts.mode === 'run' ? maxParallelOf(config.executor) : 1;
  const tag = opts.tag ?? '';
  return {
    pipeline,
    config,
    runId,
    tag,
    cwd,
    store,
    catalog,
    secrets,
    tracker,
    events: (e) => events(e.kind === 'output' ? { ...e, line: maskSecrets(e.line, secretValues) } : e),
    secretValues,
    previous,
    maxParallel,
    signal: opts.signal,
    limit: createLimiter(maxParallel),
    stepEnv: {
      DAGC_RUN_TAG: tag,
      MAGNUS_RUN_TAG: tag,
      ...(config.file ? { DAGC_CONFIG_FILE: config.file, MAGNUS_CONFIG_FILE: config.file } : {}),
      // Where the step-side API (dagc step-api) finds the run's services; DAGC_STEP_API_MODE says whether the
      // step runs where dagc traverses or inside an engine's pod or container (services configured as there).
      DAGC_PROJECT_DIR: cwd,
      DAGC_STEP_API_MODE: opts.mode,
      // The era decides how the step-side Python casts arguments (python/dagc_shim.py cast_by_annotation).
      ...(config.magnusEra ? { DAGC_MAGNUS_ERA: config.magnusEra.era } : {}),
    },
    codeIdentities: () => stepCodeIdentities(cwd, opts.env),
    ...(mocking ? { mocking } : {}),
  };
}
