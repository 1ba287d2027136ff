// What a run report shows, computed once from a run log (and the step outputs its catalog holds): the data
// behind `dagc report` (HTML) and `dagc report --json`. Pure given its inputs, so the same run log always
// gives the same report; the order of steps is the run log's (creation order, as `runs show` prints it).
import path from 'node:path';
import type { DataCatalogEntry, RunLog, RunRecord, StepLog } from '../services/run-log/types.js';
import { MAP_PLACEHOLDER } from '../ir/types.js';
import type { DiagramGraph, DiagramStatus } from './diagram.js';
import { applyStatuses, combineStatuses, diagramFromDag } from './diagram.js';

export interface CapturedOutput {
  /** The catalog entry's name (magnus's `<step>[_<map value>…][_attempt<N>]`). */
  readonly name: string;
  readonly hash: string;
  /** The text, cut at MAX_OUTPUT characters (`truncated` then says how many there were). */
  readonly text?: string;
  readonly truncated?: number;
  /** Why the text could not be read (e.g. the catalog folder was removed). */
  readonly unavailable?: string;
  /** A link to the catalogued file (relative to the report) when the catalog is on this machine's disk. */
  readonly href?: string;
}

export interface ReportAttempt {
  readonly number: number;
  readonly status: string;
  readonly start: string;
  readonly end: string;
  /** Seconds. */
  readonly duration: number;
  /** Seconds since the run's first attempt started, for the timeline. */
  readonly offset: number;
  readonly message: string;
  /** Parameters as the attempt started with them. */
  readonly parameters: Record<string, unknown>;
  readonly output?: CapturedOutput;
}

export interface ReportCatalogEntry {
  readonly name: string;
  readonly stage: string;
  readonly hash: string;
  readonly location: string;
  readonly path: string;
  /** A link to the file (relative to the report) when the catalog is on this machine's disk. */
  readonly href?: string;
}

export interface ReportStep {
  /** `s0`, `s1`, … in run log order: the report's element ids. */
  readonly id: string;
  readonly name: string;
  /** Resolved internal name (map values in place). */
  readonly internalName: string;
  /** Internal name with map placeholders: the drawn node this step is an instance of. */
  readonly template: string;
  readonly type: string;
  readonly status: string;
  readonly message: string;
  readonly mock: boolean;
  readonly depth: number;
  /** The resolved internal name of the enclosing branch ('' at the root). */
  readonly parent: string;
  readonly attempts: readonly ReportAttempt[];
  readonly metrics: Record<string, unknown>;
  /**
   * Parameters after the step: as the next step of its branch started with them (the run log records
   * parameters only at attempt starts), or the run's final ones for the last root step. Absent when unknown.
   */
  readonly parametersAfter?: Record<string, unknown>;
  readonly catalog: readonly ReportCatalogEntry[];
  readonly codeIdentities: readonly { type: string; id: string | null; url: string | null; message: string }[];
  readonly branches: readonly { label: string; internalName: string; status: string; kind: 'branch' | 'item' | 'dag'; steps: readonly string[] }[];
}

export interface ReportData {
  readonly report_version: 1;
  readonly run: {
    readonly run_id: string;
    readonly status: string;
    readonly tag: string;
    readonly dag_hash: string | null;
    readonly created_at: string;
    readonly ended_at: string | null;
    readonly use_cached: boolean;
    readonly original_run_id: string;
    /** The run's parameters at its end. */
    readonly parameters: Record<string, unknown>;
    /** Seconds from the first attempt's start to the last attempt's end (0 without attempts). */
    readonly span: number;
  };
  readonly steps: readonly ReportStep[];
  /** The pipeline as drawn, statuses applied. */
  readonly diagram: DiagramGraph;
  /** Map steps' items as their fan-out recorded them, by the map step's resolved internal name. */
  readonly mapItems: Record<string, unknown[]>;
}

/** Characters of one attempt's output kept in the report; a bigger log is cut (the catalog keeps it all). */
export const MAX_OUTPUT = 200_000;

export interface ModelInputs {
  readonly record: RunRecord;
  readonly log: RunLog;
  readonly mapItems: Record<string, unknown[]>;
  /** Reads a catalogued text (a step's captured output); throws when it cannot. */
  readContent(entry: DataCatalogEntry): Promise<string>;
  /** Folder of the run's working directory (catalog locations are relative to it). */
  readonly cwd: string;
  /** Folder the report is written to, for relative links; undefined: no links (e.g. --json). */
  readonly reportDir?: string;
}

const ms = (iso: string) => {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : NaN;
};

interface Walked {
  step: StepLog;
  template: string;
  depth: number;
  parent: string;
  /** The catalog name of this step's captured output, attempt 1 (magnus 2023's naming, see below). */
  outputBase: string;
}

/**
 * Every step of the run log, depth first in run log order, with its template name and the base of its output's
 * catalog name: src/runtime/exec-node.ts outputLogName — enclosing parallel branch names and dag node names,
 * the step name, then the enclosing map values, joined by '_', spaces and slashes made '_'.
 */
function walkSteps(log: RunLog): Walked[] {
  const out: Walked[] = [];
  const visit = (
    steps: Record<string, StepLog>,
    templatePrefix: string,
    depth: number,
    parent: string,
    prefix: readonly string[],
    mapValues: readonly string[],
  ) => {
    for (const step of Object.values(steps)) {
      const template = templatePrefix ? `${templatePrefix}.${step.name}` : step.name;
      const outputBase = [...prefix, step.name, ...mapValues].join('_').replace(/ /g, '_').replace(/[/\\]/g, '_');
      out.push({ step, template, depth, parent, outputBase });
      for (const branch of Object.values(step.branches)) {
        const own = branch.internal_name.startsWith(`${step.internal_name}.`)
          ? branch.internal_name.slice(step.internal_name.length + 1)
          : branch.internal_name;
        if (step.step_type === 'map')
          visit(branch.steps, `${template}.${MAP_PLACEHOLDER}`, depth + 1, branch.internal_name, prefix, [...mapValues, own]);
        else if (step.step_type === 'dag')
          visit(branch.steps, `${template}.${own}`, depth + 1, branch.internal_name, [...prefix, step.name], mapValues);
        else visit(branch.steps, `${template}.${own}`, depth + 1, branch.internal_name, [...prefix, own], mapValues);
      }
    }
  };
  visit(log.steps, '', 0, '', [], []);
  return out;
}

const toPosix = (p: string) => p.split(path.sep).join('/');

function catalogHref(entry: DataCatalogEntry, cwd: string, reportDir: string | undefined): string | undefined {
  if (reportDir === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(entry.catalog_handler_location)) return undefined;
  const file = path.resolve(cwd, entry.catalog_handler_location, entry.catalog_relative_path);
  // Relative, so the report and its catalog can move together; each segment percent-encoded for the URL.
  return toPosix(path.relative(reportDir, file))
    .split('/')
    .map((s) => (s === '..' ? s : encodeURIComponent(s)))
    .join('/');
}

export async function buildReportModel(inputs: ModelInputs): Promise<ReportData> {
  const { record, log } = inputs;
  const walked = walkSteps(log);
  const starts = walked.flatMap((w) => w.step.attempts.map((a) => ms(a.start_time))).filter(Number.isFinite);
  const ends = walked.flatMap((w) => w.step.attempts.map((a) => ms(a.end_time))).filter(Number.isFinite);
  const t0 = starts.length ? Math.min(...starts) : NaN;
  const span = starts.length && ends.length ? Math.max(0, (Math.max(...ends) - t0) / 1000) : 0;

  const ids = new Map<string, string>(walked.map((w, i) => [w.step.internal_name, `s${i}`]));
  // Siblings of each branch, to find what came after a step ("parameters after").
  const byParent = new Map<string, Walked[]>();
  for (const w of walked) byParent.set(w.parent, [...(byParent.get(w.parent) ?? []), w]);

  const steps: ReportStep[] = [];
  for (const [i, w] of walked.entries()) {
    const { step } = w;
    const outputNames = new Map(
      step.attempts.map((a) => [a.attempt_number > 1 ? `${w.outputBase}_attempt${a.attempt_number}` : w.outputBase, a.attempt_number]),
    );
    const outputs = new Map<number, DataCatalogEntry>();
    const catalog: ReportCatalogEntry[] = [];
    for (const entry of step.data_catalog) {
      const n = step.step_type === 'task' && entry.stage === 'put' ? outputNames.get(entry.name) : undefined;
      if (n !== undefined && !outputs.has(n)) {
        outputs.set(n, entry);
        continue;
      }
      const href = catalogHref(entry, inputs.cwd, inputs.reportDir);
      catalog.push({
        name: entry.name,
        stage: entry.stage,
        hash: entry.data_hash,
        location: entry.catalog_handler_location,
        path: entry.catalog_relative_path,
        ...(href ? { href } : {}),
      });
    }
    const attempts: ReportAttempt[] = [];
    for (const a of step.attempts) {
      const entry = outputs.get(a.attempt_number);
      let output: CapturedOutput | undefined;
      if (entry) {
        const href = catalogHref(entry, inputs.cwd, inputs.reportDir);
        const base = { name: entry.name, hash: entry.data_hash, ...(href ? { href } : {}) };
        try {
          const text = await inputs.readContent(entry);
          output = text.length > MAX_OUTPUT ? { ...base, text: text.slice(0, MAX_OUTPUT), truncated: text.length } : { ...base, text };
        } catch (error) {
          output = { ...base, unavailable: (error as Error).message };
        }
      }
      const start = ms(a.start_time);
      attempts.push({
        number: a.attempt_number,
        status: a.status,
        start: a.start_time,
        end: a.end_time,
        duration: a.duration,
        offset: Number.isFinite(start) && Number.isFinite(t0) ? (start - t0) / 1000 : 0,
        message: a.message,
        parameters: a.parameters,
        ...(output ? { output } : {}),
      });
    }
    steps.push({
      id: `s${i}`,
      name: step.name,
      internalName: step.internal_name,
      template: w.template,
      type: step.step_type,
      status: step.status,
      message: step.message,
      mock: step.mock,
      depth: w.depth,
      parent: w.parent,
      attempts,
      metrics: step.user_defined_metrics,
      ...parametersAfter(w, byParent.get(w.parent) ?? [], log),
      catalog,
      codeIdentities: step.code_identities.map((c) => ({
        type: c.code_identifier_type,
        id: c.code_identifier,
        url: c.code_identifier_url,
        message: c.code_identifier_message,
      })),
      branches: Object.values(step.branches).map((b) => ({
        label: b.internal_name.startsWith(`${step.internal_name}.`) ? b.internal_name.slice(step.internal_name.length + 1) : b.internal_name,
        internalName: b.internal_name,
        status: b.status,
        kind: step.step_type === 'map' ? ('item' as const) : step.step_type === 'dag' ? ('dag' as const) : ('branch' as const),
        steps: Object.values(b.steps).map((s) => ids.get(s.internal_name) ?? ''),
      })),
    });
  }

  // The drawing: the pipeline the run log recorded; a dag node's sub-graph from the steps its branches ran.
  const subGraph = (key: string): DiagramGraph => {
    const seen = new Set<string>();
    const nodes = walked
      .filter((w) => w.template.startsWith(`${key}.`) && !w.template.slice(key.length + 1).includes('.'))
      .filter((w) => !seen.has(w.template) && seen.add(w.template))
      .map((w) => ({ key: w.template, name: w.step.name, type: w.step.step_type, status: 'NOT_RUN' as DiagramStatus, branches: [] }));
    return { nodes, edges: [] };
  };
  const diagram = diagramFromDag((log.run_config as { pipeline?: unknown }).pipeline, subGraph);
  const instances = new Map<string, DiagramStatus[]>();
  for (const w of walked) instances.set(w.template, [...(instances.get(w.template) ?? []), w.step.status as DiagramStatus]);
  applyStatuses(diagram, (key) => combineStatuses(instances.get(key) ?? []));

  return {
    report_version: 1,
    run: {
      run_id: log.run_id,
      status: log.status,
      tag: log.tag,
      dag_hash: log.dag_hash,
      created_at: record.created_at,
      ended_at: record.ended_at ?? null,
      use_cached: log.use_cached,
      original_run_id: log.original_run_id,
      parameters: log.parameters,
      span,
    },
    steps,
    diagram,
    mapItems: inputs.mapItems,
  };
}

/** The parameters the next step of the same branch started with (by time), or the run's for the last root step. */
function parametersAfter(w: Walked, siblings: readonly Walked[], log: RunLog): { parametersAfter?: Record<string, unknown> } {
  const last = w.step.attempts[w.step.attempts.length - 1];
  if (!last) return {};
  const end = ms(last.end_time);
  let best: { start: number; parameters: Record<string, unknown> } | undefined;
  for (const s of siblings) {
    if (s === w) continue;
    const first = s.step.attempts[0];
    if (!first) continue;
    const start = ms(first.start_time);
    if (start >= end && (!best || start < best.start)) best = { start, parameters: first.parameters };
  }
  if (best) return { parametersAfter: best.parameters };
  if (w.parent === '' && (w.step.step_type === 'success' || w.step.step_type === 'fail')) return { parametersAfter: log.parameters };
  return {};
}
