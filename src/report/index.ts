// `dagc report`'s library side: read one run through the configured run log store (file-system, chunked-fs,
// s3), its step outputs through the catalog the run recorded, and turn them into the report's data and its
// HTML page. Nothing here prints.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ServiceSection } from '../config/types.js';
import { UserError } from '../core/errors.js';
import type { DataCatalogEntry, RunLog, RunLogStore, RunRecord } from '../services/run-log/types.js';
import { RunLogNotFoundError } from '../services/run-log/types.js';
import { applyStatuses, combineStatuses, diagramToDot } from './diagram.js';
import type { DiagramGraph, DiagramStatus } from './diagram.js';
import { renderHtml } from './html.js';
import type { ReportData } from './model.js';
import { buildReportModel } from './model.js';
import { inlineSvg, renderSvg } from './svg.js';

export type { ReportData } from './model.js';

/** The word that stands for the newest run of a store, wherever a run id is asked for. */
export const LATEST = 'latest';

/**
 * The run id `id` means: itself, or with `latest` the newest run (by creation time, as `runs list` sorts).
 * A real run called "latest" wins over the alias.
 */
export async function resolveRunId(store: RunLogStore, id: string): Promise<string> {
  if (id !== LATEST) return id;
  try {
    await store.getRun(id);
    return id;
  } catch (error) {
    if (!(error instanceof RunLogNotFoundError)) throw error;
  }
  const runs = await store.listRuns();
  const time = (r: RunRecord) => {
    const t = Date.parse(r.created_at);
    return Number.isFinite(t) ? t : -Infinity;
  };
  const newest = [...runs].sort((a, b) => time(b) - time(a) || (a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0))[0];
  if (!newest) throw new UserError(`there are no runs in ${store.location}, so none is the latest`, 'run a pipeline first: dagc run pipeline.yaml');
  return newest.run_id;
}

/** The run record and its whole run log; a clear UserError when the store has no such run. */
export async function readRun(store: RunLogStore, id: string, listHint: string): Promise<{ record: RunRecord; log: RunLog }> {
  const runId = await resolveRunId(store, id);
  try {
    const [record, log] = await Promise.all([store.getRun(runId), store.getRunLog(runId)]);
    return { record, log };
  } catch (error) {
    if (error instanceof RunLogNotFoundError) throw new UserError(`there is no run "${runId}" in ${store.location}`, listHint);
    throw error;
  }
}

/** Map items as each map's fan-out stored them, by the map step's resolved internal name. */
async function mapItemsOf(store: RunLogStore, log: RunLog): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const visit = async (steps: RunLog['steps']) => {
    for (const step of Object.values(steps)) {
      if (step.step_type === 'map') {
        const items = await store.getMapItems(log.run_id, step.internal_name);
        if (items) out[step.internal_name] = items;
      }
      for (const b of Object.values(step.branches)) await visit(b.steps);
    }
  };
  await visit(log.steps);
  return out;
}

/**
 * Reads a catalogued text with the catalog the run recorded in run_config (where its outputs went): a file
 * below the working directory for file-system, an object for s3 (with the run's bucket settings; credentials
 * from the SDK's chain, as for the run).
 */
function contentReader(log: RunLog, cwd: string) {
  const section = (log.run_config as { catalog?: ServiceSection }).catalog;
  let s3: Promise<(key: string) => Promise<string | undefined>> | undefined;
  return async (entry: DataCatalogEntry): Promise<string> => {
    if (!entry.catalog_handler_location.startsWith('s3://'))
      return readFile(path.resolve(cwd, entry.catalog_handler_location, entry.catalog_relative_path), 'utf8');
    if (section?.type !== 's3') throw new Error('the run recorded no s3 catalog settings');
    s3 ??= (async () => {
      const { openObjectStore, s3Settings } = await import('../services/s3-client.js');
      const objects = openObjectStore(s3Settings('catalog', section.config ?? {}, ['compute_data_folder']));
      return async (key: string) => (await objects.getText(key))?.text;
    })();
    const text = await (await s3)(entry.catalog_relative_path);
    if (text === undefined) throw new Error(`no object ${entry.catalog_handler_location}${entry.catalog_relative_path}`);
    return text;
  };
}

export interface ReportOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where the HTML will be written (its folder anchors the links to catalog files); none for data only. */
  readonly outputFile?: string;
  /** For the not-found hint, e.g. "see the runs with `dagc runs list -c conf.yaml`". */
  readonly listHint?: string;
}

/** The report's data for run `id` (or `latest`) of `store`. */
export async function reportData(store: RunLogStore, id: string, opts: ReportOptions): Promise<ReportData> {
  const { record, log } = await readRun(store, id, opts.listHint ?? 'see the runs there with `dagc runs list`');
  return buildReportModel({
    record,
    log,
    mapItems: await mapItemsOf(store, log),
    readContent: contentReader(log, opts.cwd),
    cwd: opts.cwd,
    ...(opts.outputFile ? { reportDir: path.dirname(path.resolve(opts.cwd, opts.outputFile)) } : {}),
  });
}

/**
 * The drawing as SVG elements coloured by status: every composite open (`svg`) and each one closed into a node
 * (`overview`, ids `c<i>` for `n<i>`); and the internal name behind each drawn node.
 */
export async function statusSvg(diagram: DiagramGraph): Promise<{ svg: string; overview: string; keys: string[] }> {
  const { dot, keys } = diagramToDot(diagram, { statuses: true });
  const closed = diagramToDot(diagram, { statuses: true, collapse: true, idPrefix: 'c' });
  return { svg: inlineSvg(await renderSvg(dot)), overview: inlineSvg(await renderSvg(closed.dot)), keys };
}

/** The self-contained HTML report of run `id` (or `latest`). */
export async function reportHtml(store: RunLogStore, id: string, opts: ReportOptions): Promise<{ html: string; data: ReportData }> {
  const data = await reportData(store, id, opts);
  const { svg, overview, keys } = await statusSvg(data.diagram);
  return { html: renderHtml({ data, svg, overview, keys }), data };
}

/**
 * A status for every drawn node of a pipeline from a run log: the combined status of the node's instances
 * (map items), matched by internal name with the map values replaced by the placeholder.
 */
export function applyRunStatuses(diagram: DiagramGraph, data: ReportData): void {
  const instances = new Map<string, DiagramStatus[]>();
  for (const s of data.steps) instances.set(s.template, [...(instances.get(s.template) ?? []), s.status as DiagramStatus]);
  applyStatuses(diagram, (key) => combineStatuses(instances.get(key) ?? []));
}
