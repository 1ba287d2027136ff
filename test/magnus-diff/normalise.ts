// The ONE normaliser of the differential suite, applied alike to magnus's run log and to dagc's: it keeps what a
// run means (statuses, names and their order, attempts, parameters, metrics, catalog entries with hashes) and
// drops what legitimately differs between two runs of the same pipeline (times, run ids, code identities, the
// run config that names each tool's own services). Everything else that differs must be listed, with its
// reason, in exceptions.yaml; `applyExceptions` removes exactly those paths from both sides.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseJson, PyFloat, stringifyJson } from '../../src/core/py-float.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- run logs of several magnus versions are foreign JSON */
type Json = any;

export interface Normalised {
  status: string;
  dag_hash: string | null;
  use_cached: boolean;
  tag: string | null;
  original_run_id: string | null;
  parameters: Json;
  /** Step internal names in run-log order, at every level (the order is part of the run). */
  order: string[];
  steps: Record<string, Json>;
}

function replaceRunIds(value: Json, runIds: readonly string[]): Json {
  let text = stringifyJson(value ?? null);
  for (const id of runIds) if (id) text = text.split(id).join('<run-id>');
  return parseJson(text);
}

function step(s: Json): Json {
  const out: Json = {
    name: s.name,
    internal_name: s.internal_name,
    status: s.status,
    step_type: s.step_type,
    message: s.message ?? '',
    mock: s.mock ?? false,
    attempts: (s.attempts ?? []).map((a: Json) => ({
      attempt_number: a.attempt_number,
      status: a.status,
      message: a.message ?? '',
      // 0.3.x records no attempt parameters: absent stays absent, so that difference shows.
      ...('parameters' in a ? { parameters: a.parameters } : {}),
    })),
    user_defined_metrics: s.user_defined_metrics ?? {},
    branches: {},
    data_catalog: (s.data_catalog ?? []).map((c: Json) => ({
      name: c.name,
      data_hash: c.data_hash,
      catalog_relative_path: c.catalog_relative_path,
      catalog_handler_location: c.catalog_handler_location,
      stage: c.stage,
    })),
  };
  for (const [key, b] of Object.entries<Json>(s.branches ?? {})) {
    out.branches[key] = { internal_name: b.internal_name, status: b.status, steps: steps(b.steps ?? {}) };
  }
  return out;
}

function steps(map: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries(Object.entries(map).map(([k, s]) => [k, step(s)]));
}

function order(map: Record<string, Json>, out: string[] = []): string[] {
  for (const [key, s] of Object.entries<Json>(map)) {
    out.push(key);
    for (const [bk, b] of Object.entries<Json>(s.branches ?? {})) {
      out.push(`${bk} (branch)`);
      order(b.steps ?? {}, out);
    }
  }
  return out;
}

/** The normalised run log; `runIds` are replaced wherever they occur (catalog paths, messages). */
export function normalise(log: Json, runIds: readonly string[]): Normalised {
  return replaceRunIds(
    {
      status: log.status,
      dag_hash: log.dag_hash ?? null,
      use_cached: log.use_cached ?? false,
      tag: log.tag ?? '',
      original_run_id: log.original_run_id ?? '',
      parameters: log.parameters ?? {},
      order: order(log.steps ?? {}),
      steps: steps(log.steps ?? {}),
    },
    runIds,
  ) as Normalised;
}

// ---------------------------------------------------------------------------------------------------------
// Exceptions: one file, each entry with its reason.

export interface DiffException {
  id: string;
  /** magnus versions it applies to ("0.3", "0.4.22", …: prefix match), or ["*"]. */
  versions: string[];
  /** Case ids (example:<file> / fixture:<name>, `*` wildcard), or ["*"]. */
  cases: string[];
  /** Only these run ids of a case (a re-run), when given. */
  runs?: string[];
  /**
   * Paths removed from both normalised logs, `/`-separated with JSON-pointer escapes (~0 ~, ~1 /); `*` is one
   * segment, `**` any number, `*[field~=regex]` a child whose field matches. The special path `run` excepts
   * the whole run (magnus cannot run the case).
   */
  paths: string[];
  reason: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const EXCEPTIONS_FILE = path.join(HERE, 'exceptions.yaml');

export function loadExceptions(): DiffException[] {
  const list = parseYaml(readFileSync(EXCEPTIONS_FILE, 'utf8')) as DiffException[];
  for (const e of list) {
    if (!e.id || !e.reason || !Array.isArray(e.paths) || !Array.isArray(e.cases) || !Array.isArray(e.versions))
      throw new Error(`${EXCEPTIONS_FILE}: every exception needs id, versions, cases, paths and reason (${JSON.stringify(e)})`);
  }
  return list;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(value);
}

export function appliesTo(e: DiffException, version: string, caseId: string, runId?: string): boolean {
  const versionOk = e.versions.some((v) => v === '*' || version === v || version.startsWith(`${v}.`));
  const runOk = !e.runs || runId === undefined || e.runs.includes(runId);
  return versionOk && runOk && e.cases.some((c) => wildcard(c, caseId));
}

const unescape = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
export const escapeSegment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** Removes every node matching `segments` below `node`; returns how many it removed. */
function removePath(node: Json, segments: string[]): number {
  if (segments.length === 0 || node === null || typeof node !== 'object') return 0;
  const [head, ...rest] = segments as [string, ...string[]];
  let removed = 0;
  const keys = Array.isArray(node) ? node.map((_, i) => String(i)) : Object.keys(node);
  if (head === '**') {
    removed += removePath(node, rest);
    for (const k of keys) removed += removePath(node[k], segments);
    return removed;
  }
  // `*[field~=regex]`: any child whose `field` matches (e.g. the captured-output entries of a data catalog).
  const filter = /^\*\[(\w+)~=(.*)\]$/.exec(head);
  for (const k of keys) {
    if (filter) {
      const child = node[k];
      if (child === null || typeof child !== 'object' || !new RegExp(unescape(filter[2]!)).test(String(child[filter[1]!]))) continue;
    } else if (head !== '*' && unescape(head) !== k) continue;
    if (rest.length === 0) {
      if (Array.isArray(node)) node[Number(k)] = '<excepted>';
      else delete node[k];
      removed++;
    } else removed += removePath(node[k], rest);
  }
  return removed;
}

/**
 * Applies the exceptions that concern (version, case, run) to both sides, in file order; returns the ids that
 * removed a difference (an exception that only removed equal values does not count as needed).
 */
export function applyExceptions(
  list: readonly DiffException[],
  version: string,
  caseId: string,
  runId: string,
  sides: Json[],
): Set<string> {
  const used = new Set<string>();
  for (const e of list) {
    if (!appliesTo(e, version, caseId, runId)) continue;
    const before = differences(sides[0], sides[1]).length;
    for (const p of e.paths) {
      if (p === 'run') continue;
      const segments = p.split('/').filter(Boolean);
      for (const side of sides) removePath(side, segments);
    }
    if (differences(sides[0], sides[1]).length < before) used.add(e.id);
  }
  return used;
}

// Compared and shown as JSON text that keeps floats: 2.0 and 2 are different values here (issue 15).
const show = (v: Json) => {
  const text = stringifyJson(v);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
};

/** The differences between two normalised logs, one line per path: `path: magnus … | dagc …`. */
export function differences(magnus: Json, dagc: Json, at = ''): string[] {
  if (stringifyJson(magnus) === stringifyJson(dagc)) return [];
  const isContainer = (v: Json) => v !== null && typeof v === 'object' && !(v instanceof PyFloat);
  const bothObjects = isContainer(magnus) && isContainer(dagc) && Array.isArray(magnus) === Array.isArray(dagc);
  if (!bothObjects || (Array.isArray(magnus) && magnus.length !== dagc.length)) {
    return [`${at || '/'}: magnus ${show(magnus)} | dagc ${show(dagc)}`];
  }
  const keys = [...new Set([...Object.keys(magnus), ...Object.keys(dagc)])];
  return keys.flatMap((k) => {
    const sub = `${at}/${escapeSegment(k)}`;
    if (!(k in magnus)) return [`${sub}: magnus (absent) | dagc ${show(dagc[k])}`];
    if (!(k in dagc)) return [`${sub}: magnus ${show(magnus[k])} | dagc (absent)`];
    return differences(magnus[k], dagc[k], sub);
  });
}
