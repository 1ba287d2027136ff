// The mlflow experiment tracker, over MLflow's REST API (DESIGN.md §5; https://mlflow.org/docs/latest/rest-api.html,
// the /api/2.0/mlflow endpoints that MLflow 2 and 3 servers both serve). No MLflow client is needed: steps
// run in any language and engines run one `dagc exec` per step, so every process talks to the server itself.
//
// Layout in MLflow: the experiment `experiment_name`; one MLflow run per dagc run (run name = the dagc run id,
// tag dagc_run_id), created with the dagc run and found by that tag by every step process; under it one nested run per step
// that succeeded (tag mlflow.parentRunId, run name = the step's internal name) holding the parameters the
// step started with (MLflow params, JSON text) and the metrics it recorded (numbers as MLflow metrics; other
// JSON values as tags `metric.<name>`, since an MLflow metric is a number). Credentials come from the
// environment MLflow's own clients read (MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and
// MLFLOW_TRACKING_PASSWORD), never from the config, which every run log records.
import { UserError } from '../../core/errors.js';
import type { ServiceProvider } from '../provider.js';
import type { ExperimentTracker, TrackedStep } from './types.js';

type Env = Readonly<Record<string, string | undefined>>;

export interface MlflowSettings {
  /** The server's base URL, e.g. http://127.0.0.1:5000. */
  readonly trackingUri: string;
  readonly experimentName: string;
  /** Tags of the run-level MLflow run. */
  readonly tags: Readonly<Record<string, string>>;
}

/** MLflow's limit on a param value (mlflow/utils/validation.py MAX_PARAM_VAL_LENGTH, 6000 since 2.x). */
const MAX_PARAM = 6000;
/** MLflow's limit on a tag value (MAX_TAG_VAL_LENGTH). */
const MAX_TAG = 8000;

/** Where the server is: the config's tracking_uri, else MLFLOW_TRACKING_URI (as MLflow's clients read it). */
export function trackingUri(config: Readonly<Record<string, unknown>>, env: Env): string | undefined {
  const uri = typeof config.tracking_uri === 'string' ? config.tracking_uri : env.MLFLOW_TRACKING_URI;
  return uri && /^https?:\/\//.test(uri) ? uri.replace(/\/+$/, '') : undefined;
}

export const NO_TRACKING_URI = {
  message: 'the mlflow experiment tracker has no server: experiment_tracker.config.tracking_uri is not set and MLFLOW_TRACKING_URI is not an http(s) URL',
  hint: 'set tracking_uri: http://HOST:5000 under experiment_tracker.config (or export MLFLOW_TRACKING_URI)',
};

export function mlflowSettings(config: Readonly<Record<string, unknown>>, env: Env): MlflowSettings {
  // The schema (schemas/config.schema.json mlflow_tracker_config) checked the shapes; this only converts.
  const uri = trackingUri(config, env);
  if (uri === undefined) throw new UserError(NO_TRACKING_URI.message, NO_TRACKING_URI.hint);
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries((config.tags ?? {}) as Record<string, unknown>)) tags[k] = String(v);
  return { trackingUri: uri, experimentName: typeof config.experiment_name === 'string' ? config.experiment_name : 'dagc', tags };
}

interface MlflowError {
  error_code?: string;
  message?: string;
}

class MlflowRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'MlflowRequestError';
  }
}

function authHeader(env: Env): Record<string, string> {
  if (env.MLFLOW_TRACKING_TOKEN) return { authorization: `Bearer ${env.MLFLOW_TRACKING_TOKEN}` };
  if (env.MLFLOW_TRACKING_USERNAME !== undefined && env.MLFLOW_TRACKING_PASSWORD !== undefined)
    return { authorization: `Basic ${Buffer.from(`${env.MLFLOW_TRACKING_USERNAME}:${env.MLFLOW_TRACKING_PASSWORD}`).toString('base64')}` };
  return {};
}

/** A JSON text no longer than `max` characters (MLflow refuses longer values). */
function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function createMlflowTracker(settings: MlflowSettings, env: Env): ExperimentTracker {
  const headers = { 'content-type': 'application/json', ...authHeader(env) };

  async function call<T>(method: 'GET' | 'POST', endpoint: string, body?: unknown): Promise<T> {
    const url = `${settings.trackingUri}/api/2.0/mlflow/${endpoint}`;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    } catch (error) {
      throw new UserError(
        `the mlflow tracker cannot reach ${settings.trackingUri}: ${(error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message}`,
        'start the MLflow server (`mlflow server`), or fix experiment_tracker.config.tracking_uri',
      );
    }
    const text = await response.text();
    if (!response.ok) {
      let parsed: MlflowError = {};
      try {
        parsed = JSON.parse(text) as MlflowError;
      } catch {
        // not JSON: a proxy's page; the status says enough
      }
      throw new MlflowRequestError(response.status, parsed.error_code ?? '', `${endpoint}: HTTP ${response.status} ${parsed.message ?? text.slice(0, 200)}`);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  const failed = (what: string, error: unknown): never => {
    if (error instanceof UserError) throw error;
    throw new UserError(`the mlflow tracker could not ${what}: ${(error as Error).message}`, `check the MLflow server at ${settings.trackingUri} and its credentials (MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME/PASSWORD)`);
  };

  let experiment: Promise<string> | undefined;
  function experimentId(): Promise<string> {
    experiment ??= (async () => {
      const byName = async () => {
        try {
          const r = await call<{ experiment: { experiment_id: string } }>('GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(settings.experimentName)}`);
          return r.experiment.experiment_id;
        } catch (error) {
          if (error instanceof MlflowRequestError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
          throw error;
        }
      };
      const found = await byName();
      if (found !== undefined) return found;
      try {
        return (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: settings.experimentName })).experiment_id;
      } catch (error) {
        // Another step process created it first.
        if (error instanceof MlflowRequestError && error.code === 'RESOURCE_ALREADY_EXISTS') {
          const again = await byName();
          if (again !== undefined) return again;
        }
        throw error;
      }
    })();
    return experiment;
  }

  interface RunInfo {
    run_id: string;
    start_time?: number | string;
  }
  const runs = new Map<string, Promise<string>>();

  async function searchRuns(experimentIdValue: string, filter: string): Promise<RunInfo[]> {
    const r = await call<{ runs?: { info: RunInfo }[] }>('POST', 'runs/search', { experiment_ids: [experimentIdValue], filter, max_results: 50, run_view_type: 'ACTIVE_ONLY' });
    return (r.runs ?? []).map((x) => x.info);
  }

  /** Creates the run-level MLflow run of a dagc run (by the one process that created the dagc run). */
  async function createParent(runId: string, startMs: number): Promise<string> {
    const exp = await experimentId();
    const tags = [
      ...Object.entries(settings.tags).map(([key, value]) => ({ key, value: clip(value, MAX_TAG) })),
      { key: 'dagc_run_id', value: runId },
      { key: 'dagc_kind', value: 'run' },
      { key: 'mlflow.runName', value: runId },
    ];
    return (await call<{ run: { info: RunInfo } }>('POST', 'runs/create', { experiment_id: exp, start_time: startMs, run_name: runId, tags })).run.info.run_id;
  }

  async function findParent(runId: string): Promise<string | undefined> {
    const found = await searchRuns(await experimentId(), `tags.dagc_run_id = '${runId}' and tags.dagc_kind = 'run'`);
    // Oldest first, should a run have two (a tracker added to a config between a run and its re-run).
    return [...found].sort((a, b) => Number(a.start_time ?? 0) - Number(b.start_time ?? 0) || (a.run_id < b.run_id ? -1 : 1))[0]?.run_id;
  }

  /**
   * The run-level MLflow run. The process that created the dagc run (the run log store decides: exactly one
   * creator) creates it in startRun; every other step process finds it by its tag. One that looks before the
   * creator is done waits for it (engines start steps only after the run exists, so this is short) and
   * creates it itself only when none appears, e.g. for a run that began before the tracker was configured.
   */
  function parentRun(runId: string, startMs: number): Promise<string> {
    let found = runs.get(runId);
    if (!found) {
      found = (async () => {
        for (let wait = 100; wait <= 3200; wait *= 2) {
          const existing = await findParent(runId);
          if (existing) return existing;
          await new Promise((resolve) => setTimeout(resolve, wait));
        }
        return (await findParent(runId)) ?? createParent(runId, startMs);
      })();
      remember(runId, found);
    }
    return found;
  }

  function remember(runId: string, found: Promise<string>): void {
    runs.set(runId, found);
    // A failed lookup is not remembered: the next step tries again.
    found.catch(() => runs.delete(runId));
  }

  return {
    async startRun(runId: string, startMs: number) {
      const created = (async () => (await findParent(runId)) ?? createParent(runId, startMs))();
      remember(runId, created);
      try {
        await created;
      } catch (error) {
        failed(`create the MLflow run of ${runId}`, error);
      }
    },

    async logStep(s: TrackedStep) {
      let parent: string;
      try {
        parent = await parentRun(s.runId, s.startMs);
      } catch (error) {
        return failed(`find or create the MLflow run of ${s.runId}`, error);
      }
      try {
        const exp = await experimentId();
        const tags = [
          { key: 'mlflow.parentRunId', value: parent },
          { key: 'mlflow.runName', value: clip(s.step, 250) },
          { key: 'dagc_run_id', value: s.runId },
          { key: 'dagc_kind', value: 'step' },
          { key: 'dagc_step', value: clip(s.step, MAX_TAG) },
          { key: 'dagc_attempt', value: String(s.attempt) },
        ];
        const child = (await call<{ run: { info: RunInfo } }>('POST', 'runs/create', { experiment_id: exp, start_time: s.startMs, run_name: clip(s.step, 250), tags })).run.info.run_id;
        const metrics: { key: string; value: number; timestamp: number; step: number }[] = [];
        const metricTags: { key: string; value: string }[] = [];
        for (const [key, value] of Object.entries(s.metrics)) {
          if (typeof value === 'number' && Number.isFinite(value)) metrics.push({ key, value, timestamp: s.endMs, step: 0 });
          else if (typeof value === 'boolean') metrics.push({ key, value: value ? 1 : 0, timestamp: s.endMs, step: 0 });
          else metricTags.push({ key: `metric.${key}`, value: clip(JSON.stringify(value) ?? 'null', MAX_TAG) });
        }
        const params = Object.entries(s.parameters).map(([key, value]) => ({ key, value: clip(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null'), MAX_PARAM) }));
        // log-batch takes at most 1000 metrics, 100 params and 100 tags per request.
        const batches = Math.max(Math.ceil(metrics.length / 1000), Math.ceil(params.length / 100), Math.ceil(metricTags.length / 100));
        for (let k = 0; k < batches; k++)
          await call('POST', 'runs/log-batch', {
            run_id: child,
            metrics: metrics.slice(k * 1000, (k + 1) * 1000),
            params: params.slice(k * 100, (k + 1) * 100),
            tags: metricTags.slice(k * 100, (k + 1) * 100),
          });
        await call('POST', 'runs/update', { run_id: child, status: 'FINISHED', end_time: s.endMs });
      } catch (error) {
        failed(`record step "${s.step}" of ${s.runId}`, error);
      }
    },
  };
}

export const mlflow: ServiceProvider<ExperimentTracker> = {
  service: 'experiment_tracker',
  name: 'mlflow',
  create(config, opts) {
    const env = opts.env ?? process.env;
    return createMlflowTracker(mlflowSettings(config, env), env);
  },
};
