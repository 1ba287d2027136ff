// Engine limits checked at compile time (DESIGN.md §3 invariant 3), so a manifest that Kubernetes or Argo
// would refuse never leaves dagc:
//  - the object size: the API server stores objects in etcd, whose default request limit is about 1.5 MB;
//    dagc keeps a manifest under 1 MiB of JSON (Kubernetes stores JSON), leaving room for the status Argo
//    writes into the same object. Over 256 KiB, client-side `kubectl apply` fails (it copies the manifest
//    into the last-applied-configuration annotation, and annotations are limited to 256 KiB in total);
//  - any single value over 128 KiB (a parameter, a command, a config);
//  - the Workflow CRD's list limits (argoproj.io_workflows.yaml, full CRD): at most 200 templates and 200
//    tasks per DAG template;
//  - names: at most 63 characters (52 for a CronWorkflow, whose workflows get an 11-character suffix) —
//    names.ts guarantees it, the budget reports the longest.
import type { Diagnostic } from '../../core/diagnostics.js';

export const MANIFEST_LIMIT = 1024 * 1024;
export const CLIENT_APPLY_LIMIT = 256 * 1024;
export const VALUE_LIMIT = 128 * 1024;
export const TEMPLATES_LIMIT = 200;
export const TASKS_LIMIT = 200;

export interface ManifestStats {
  /** Bytes of the largest object as JSON (what the API server stores). */
  readonly bytes: number;
  /** Objects written: the workflow and the WorkflowTemplates a split moved templates to (split.ts). */
  readonly objects: number;
  /** Bytes of every object as JSON. */
  readonly totalBytes: number;
  readonly largestValue: { readonly bytes: number; readonly where: string };
  /** Templates of the object with the most. */
  readonly templates: number;
  readonly largestDag: { readonly tasks: number; readonly template: string };
  readonly longestName: { readonly length: number; readonly name: string; readonly limit: number };
}

type Json = Record<string, unknown>;

/** The longest string value in `value` and where it is (`a.b[2].c`). The path is spelled only for a new longest:
 * spelling it at every value cost a 10,000-step compile more than the walk (issue 16). */
function largestString(value: unknown, best: { bytes: number; where: string }): void {
  const path: (string | number)[] = [];
  const spell = () => path.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      // A string's UTF-8 bytes are at least its length: only a longer one can win.
      if (v.length * 3 <= best.bytes) return;
      const bytes = Buffer.byteLength(v, 'utf8');
      if (bytes > best.bytes) {
        best.bytes = bytes;
        best.where = spell();
      }
    } else if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        path.push(i);
        walk(v[i]);
        path.pop();
      }
    } else if (v && typeof v === 'object')
      for (const k in v) {
        if (!Object.prototype.hasOwnProperty.call(v, k)) continue;
        path.push(k);
        walk((v as Record<string, unknown>)[k]);
        path.pop();
      }
  };
  walk(value);
}

/** `objects`: the main object first, then its WorkflowTemplates; `names`: every name with its own limit (the one
 * closest to its limit is reported). */
export function manifestStats(objects: readonly Json[], names: readonly (readonly [string, number])[]): ManifestStats {
  const largestValue = { bytes: 0, where: '' };
  let largestDag = { tasks: 0, template: '' };
  let bytes = 0;
  let totalBytes = 0;
  let templates = 0;
  for (const object of objects) {
    largestString(object, largestValue);
    const spec = object.spec as Json | undefined;
    const list = (((spec?.workflowSpec as Json | undefined) ?? spec)?.templates as Json[] | undefined) ?? [];
    templates = Math.max(templates, list.length);
    for (const t of list) {
      const tasks = (t.dag as { tasks?: unknown[] } | undefined)?.tasks?.length ?? 0;
      if (tasks > largestDag.tasks) largestDag = { tasks, template: String(t.name) };
    }
    const b = Buffer.byteLength(JSON.stringify(object), 'utf8');
    bytes = Math.max(bytes, b);
    totalBytes += b;
  }
  let longestName = { length: 0, name: '', limit: 63 };
  for (const [n, limit] of names) if (n.length / limit > longestName.length / longestName.limit) longestName = { length: n.length, name: n, limit };
  return { bytes, objects: objects.length, totalBytes, largestValue, templates, largestDag, longestName };
}

const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

/** `where`: the position the errors point at (the pipeline's first step: the pipeline is what outgrew a limit). */
export function checkLimits(stats: ManifestStats, where: { file: string; start: { line: number; column: number }; pointer?: string }): Diagnostic[] {
  const out: Diagnostic[] = [];
  const add = (severity: Diagnostic['severity'], code: string, message: string, hint: string) =>
    out.push({ code, severity, message, hint, file: where.file, start: where.start, ...(where.pointer !== undefined ? { pointer: where.pointer } : {}) });
  if (stats.bytes > MANIFEST_LIMIT)
    add(
      'error',
      'DAGC-ARGO-TOO-LARGE',
      `the manifest is ${kib(stats.bytes)} of JSON, over the ${kib(MANIFEST_LIMIT)} dagc allows for one Kubernetes object`,
      'split the pipeline (dag nodes can live in their own pipelines), or move repeated steps into a map',
    );
  else if (stats.bytes > CLIENT_APPLY_LIMIT)
    add(
      'warning',
      'DAGC-ARGO-LARGE',
      `the manifest is ${kib(stats.bytes)} of JSON: client-side \`kubectl apply\` cannot store it (256 KiB annotation limit)`,
      'submit it with `argo submit` or `kubectl create`, or apply it with `kubectl apply --server-side`',
    );
  if (stats.largestValue.bytes > VALUE_LIMIT)
    add(
      'error',
      'DAGC-ARGO-VALUE-TOO-LARGE',
      `${stats.largestValue.where} is ${kib(stats.largestValue.bytes)}, over the ${kib(VALUE_LIMIT)} limit for one value`,
      'large parameters belong in the catalog (files), not in the manifest',
    );
  if (stats.templates > TEMPLATES_LIMIT)
    add(
      'error',
      'DAGC-ARGO-TOO-MANY-TEMPLATES',
      `the manifest has ${stats.templates} templates; the Workflow CRD allows ${TEMPLATES_LIMIT}`,
      'each graph and each parallel, map or dag node is a template: use fewer, or split the pipeline',
    );
  if (stats.largestDag.tasks > TASKS_LIMIT)
    add(
      'error',
      'DAGC-ARGO-TOO-MANY-TASKS',
      `the DAG template ${stats.largestDag.template} has ${stats.largestDag.tasks} tasks; the Workflow CRD allows ${TASKS_LIMIT} per DAG`,
      'group steps into dag or parallel nodes (each gets its own DAG template), or repeat them with a map',
    );
  return out;
}
