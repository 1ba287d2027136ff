// Checks of an Argo manifest that need no cluster (shared/notes/toolchain.md §4, the layering it suggests):
//  1. Argo's own JSON schema (shared/argo/workflow.schema.json) with Ajv2020 + ajv-formats, IntOrString and
//     Quantity patched to what Kubernetes accepts, and every object closed (`additionalProperties: false`),
//     so a misspelt field fails;
//  2. the full CRD of the kind (shared/argo/crds/): its openAPIV3Schema as JSON Schema (int-or-string as
//     anyOf, objects closed unless x-kubernetes-preserve-unknown-fields), which adds enums, name patterns and
//     list limits (200 templates, 200 tasks per DAG);
//  3. the CRD's CEL rules (x-kubernetes-validations) evaluated with @marcbachmann/cel-js;
//  4. what no schema sees: the entrypoint, every task's template, names in `depends`, cycles, duplicate
//     template names, and every `{{inputs.parameters.x}}` declared and every required input passed;
//  5. Argo's own validator (Go), where Go is installed: the judge of 4.
// Test support only (shared data is never copied into the project).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import addFormatsImport from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { parse as parseCel } from '@marcbachmann/cel-js';
import { SHARED } from './helpers/paths.js';
import { HAS_GO, goProgram } from './helpers/go.js';

type Json = Record<string, unknown>;
type Schema = Record<string, unknown>;

// ajv-formats is CommonJS; under NodeNext its default import is the module object.
const addFormats = ((addFormatsImport as unknown as { default?: unknown }).default ?? addFormatsImport) as (ajv: Ajv2020) => void;

const K8S_KEYWORDS = [
  'x-kubernetes-group-version-kind',
  'x-kubernetes-list-type',
  'x-kubernetes-patch-strategy',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-patch-merge-key',
  'x-kubernetes-map-type',
  'x-kubernetes-unions',
  'x-kubernetes-int-or-string',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-validations',
  'x-kubernetes-embedded-resource',
];

let schemaValidators: Map<string, ValidateFunction> | undefined;

function officialSchema(kind: string): ValidateFunction {
  if (!schemaValidators) {
    const schema = JSON.parse(readFileSync(path.join(SHARED, 'argo', 'workflow.schema.json'), 'utf8')) as { $id: string; definitions: Record<string, Schema> };
    const d = schema.definitions;
    d['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
    d['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { anyOf: [{ type: 'number' }, { type: 'string' }] };
    for (const def of Object.values(d)) if (def.type === 'object' && def.properties && def.additionalProperties === undefined) def.additionalProperties = false;
    const ajv = new Ajv2020({ allErrors: true, keywords: K8S_KEYWORDS.slice(0, 7) });
    addFormats(ajv);
    ajv.addSchema(schema);
    schemaValidators = new Map();
    for (const k of ['Workflow', 'WorkflowTemplate', 'CronWorkflow'])
      schemaValidators.set(k, ajv.getSchema(`${schema.$id}#/definitions/io.argoproj.workflow.v1alpha1.${k}`)!);
  }
  return schemaValidators.get(kind)!;
}

const CRD_FILES: Record<string, string> = {
  Workflow: 'argoproj.io_workflows.yaml',
  WorkflowTemplate: 'argoproj.io_workflowtemplates.yaml',
  CronWorkflow: 'argoproj.io_cronworkflows.yaml',
};
const crdRoots = new Map<string, Schema>();
const crdValidators = new Map<string, ValidateFunction>();

function crdRoot(kind: string): Schema {
  let root = crdRoots.get(kind);
  if (!root) {
    const crd = parseYaml(readFileSync(path.join(SHARED, 'argo', 'crds', CRD_FILES[kind]!), 'utf8'), { version: '1.1' }) as {
      spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
    };
    root = crd.spec.versions[0]!.schema.openAPIV3Schema;
    crdRoots.set(kind, root);
  }
  return root;
}

/** The CRD schema as JSON Schema: int-or-string → anyOf; objects closed unless they preserve unknown fields. */
function toJsonSchema(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'properties') out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, toJsonSchema(ps)]));
    else if (k === 'items' || (k === 'additionalProperties' && typeof v === 'object')) out[k] = toJsonSchema(v as Schema);
    else if (k === 'anyOf' || k === 'allOf' || k === 'oneOf') out[k] = (v as Schema[]).map(toJsonSchema);
    else if (!k.startsWith('x-kubernetes-')) out[k] = v;
  }
  if (s['x-kubernetes-int-or-string']) {
    delete out.type;
    delete out.anyOf;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !s['x-kubernetes-preserve-unknown-fields']) out.additionalProperties = false;
  return out;
}

function crdValidator(kind: string): ValidateFunction {
  let v = crdValidators.get(kind);
  if (!v) {
    // The CRD schema is draft-4-like OpenAPI; Ajv2020 compiles it once formats are known.
    const ajv = new Ajv2020({ allErrors: true, strict: false });
    addFormats(ajv);
    ajv.addFormat('int32', true).addFormat('int64', true).addFormat('byte', true);
    v = ajv.compile(toJsonSchema(crdRoot(kind)));
    crdValidators.set(kind, v);
  }
  return v;
}

const celCache = new Map<string, (ctx: Record<string, unknown>) => unknown>();
function celErrors(schema: Schema | undefined, value: unknown, at: string, out: string[]): string[] {
  if (value === undefined || value === null || !schema) return out;
  for (const rule of (schema['x-kubernetes-validations'] as { rule: string; message: string }[] | undefined) ?? []) {
    let fn = celCache.get(rule.rule);
    if (!fn) {
      fn = parseCel(rule.rule) as (ctx: Record<string, unknown>) => unknown;
      celCache.set(rule.rule, fn);
    }
    let ok: unknown;
    try {
      ok = fn({ self: value });
    } catch (error) {
      out.push(`${at}: CEL rule "${rule.rule}" could not be evaluated: ${(error as Error).message}`);
      continue;
    }
    if (ok !== true) out.push(`${at}: ${rule.message}`);
  }
  const props = schema.properties as Record<string, Schema> | undefined;
  if (props && typeof value === 'object' && !Array.isArray(value)) for (const [k, s] of Object.entries(props)) celErrors(s, (value as Json)[k], `${at}/${k}`, out);
  if (schema.items && Array.isArray(value)) value.forEach((v, i) => celErrors(schema.items as Schema, v, `${at}/${i}`, out));
  return out;
}

function specOf(doc: Json): Json {
  const spec = doc.spec as Json;
  return doc.kind === 'CronWorkflow' ? (spec.workflowSpec as Json) : spec;
}

/** Reference and graph rules Argo's `argo lint` checks and no schema can. */
export function semanticErrors(doc: Json): string[] {
  const errors: string[] = [];
  const spec = specOf(doc);
  const templates = (spec.templates as Json[]) ?? [];
  const byName = new Map<string, Json>();
  for (const t of templates) {
    if (byName.has(String(t.name))) errors.push(`duplicate template name ${String(t.name)}`);
    byName.set(String(t.name), t);
  }
  if (!byName.has(String(spec.entrypoint))) errors.push(`entrypoint ${String(spec.entrypoint)} is not a template`);
  const inputsOf = (t: Json) => ((t.inputs as Json | undefined)?.parameters as Json[] | undefined) ?? [];
  const workflowArgs = new Set((((spec.arguments as Json | undefined)?.parameters as Json[] | undefined) ?? []).map((p) => String(p.name)));
  for (const t of templates) {
    const declared = new Set(inputsOf(t).map((p) => String(p.name)));
    const text = JSON.stringify(t);
    for (const m of text.matchAll(/\{\{inputs\.parameters\.([^}]+)\}\}/g)) if (!declared.has(m[1]!)) errors.push(`${String(t.name)} uses undeclared input ${m[1]}`);
    for (const m of text.matchAll(/\{\{workflow\.parameters\.([^}]+)\}\}/g)) if (!workflowArgs.has(m[1]!)) errors.push(`${String(t.name)} uses undeclared workflow argument ${m[1]}`);
    const tasks = ((t.dag as Json | undefined)?.tasks as Json[] | undefined) ?? [];
    const taskNames = new Set(tasks.map((x) => String(x.name)));
    const edges = new Map<string, string[]>();
    for (const task of tasks) {
      const target = byName.get(String(task.template));
      if (!target) {
        errors.push(`${String(t.name)}/${String(task.name)} uses unknown template ${String(task.template)}`);
        continue;
      }
      const passed = new Set((((task.arguments as Json | undefined)?.parameters as Json[] | undefined) ?? []).map((p) => String(p.name)));
      const wanted = new Set(inputsOf(target).map((p) => String(p.name)));
      for (const p of passed) if (!wanted.has(p)) errors.push(`${String(t.name)}/${String(task.name)} passes ${p}, which ${String(task.template)} does not take`);
      for (const p of inputsOf(target)) if (p.default === undefined && p.value === undefined && !passed.has(String(p.name))) errors.push(`${String(t.name)}/${String(task.name)} does not pass ${String(p.name)}`);
      const deps = typeof task.depends === 'string' ? [...task.depends.matchAll(/([a-z0-9][-a-z0-9]*)\.(Succeeded|Failed|Errored|Skipped|Omitted)/g)].map((m) => m[1]!) : [];
      for (const d of deps) if (!taskNames.has(d)) errors.push(`${String(t.name)}/${String(task.name)} depends on unknown task ${d}`);
      for (const m of JSON.stringify(task).matchAll(/\{\{tasks\.([^.}]+)\./g)) if (!deps.includes(m[1]!)) errors.push(`${String(t.name)}/${String(task.name)} reads task ${m[1]} without depending on it`);
      edges.set(String(task.name), deps);
    }
    const state = new Map<string, 'open' | 'done'>();
    const visit = (n: string): boolean => {
      if (state.get(n) === 'done') return false;
      if (state.get(n) === 'open') return true;
      state.set(n, 'open');
      const cyclic = (edges.get(n) ?? []).some(visit);
      state.set(n, 'done');
      return cyclic;
    };
    for (const n of taskNames) if (visit(n)) errors.push(`${String(t.name)} has a dependency cycle through ${n}`);
  }
  return errors;
}

function ajvText(v: ValidateFunction): string[] {
  return (v.errors ?? []).slice(0, 10).map((e) => `${e.instancePath} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Every problem the four layers find, as readable lines (empty when the manifest is valid). */
export function checkManifest(text: string): string[] {
  const doc = parseYaml(text, { version: '1.1' }) as Json;
  const kind = String(doc.kind);
  if (!CRD_FILES[kind]) return [`unknown kind ${kind}`];
  const problems: string[] = [];
  const official = officialSchema(kind);
  if (!official(doc)) problems.push(...ajvText(official).map((e) => `schema: ${e}`));
  const crd = crdValidator(kind);
  if (!crd(doc)) problems.push(...ajvText(crd).map((e) => `crd: ${e}`));
  problems.push(...celErrors(crdRoot(kind), doc, '', []).map((e) => `cel: ${e}`));
  problems.push(...semanticErrors(doc).map((e) => `lint: ${e}`));
  problems.push(...argoValidatorErrors(text).map((e) => `argo: ${e}`));
  return problems;
}

/** 5. Argo's own workflow/validate (go/argo/cmd/argo-validate), as the controller and as argo lint run it, where Go
 * is installed (test/argo-validate.test.ts prints the notice when it is not). */
export function argoValidatorErrors(text: string): string[] {
  if (!HAS_GO) return [];
  const bin = goProgram('argo-validate')!;
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-check-'));
  try {
    const file = path.join(dir, 'manifest.yaml');
    writeFileSync(file, text);
    const r = spawnSync(bin, ['--json', file], { encoding: 'utf8' });
    if (r.status !== 0 && r.status !== 1) return [`argo-validate failed (exit ${String(r.status)}): ${r.stderr}`];
    return r.stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as { mode: string; ok: boolean; error?: string })
      .filter((v) => !v.ok)
      .map((v) => `${v.mode}: ${v.error ?? ''}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A split pipeline (emit/argo/split.ts): the workflow and its WorkflowTemplates. Layers 1–3 on every object; layer 4
 * on the workflow with every templateRef resolved (the named WorkflowTemplate must hold the template; identical
 * copies of a template count once); layer 5 on all files together, as `kubectl create -f` of the folder would
 * give them to the controller.
 */
export function checkObjects(texts: readonly string[]): string[] {
  const docs = texts.map((t) => parseYaml(t, { version: '1.1' }) as Json);
  const problems: string[] = [];
  for (const doc of docs) {
    const kind = String(doc.kind);
    if (!CRD_FILES[kind]) {
      problems.push(`unknown kind ${kind}`);
      continue;
    }
    const name = String((doc.metadata as Json | undefined)?.name ?? (doc.metadata as Json | undefined)?.generateName);
    const official = officialSchema(kind);
    if (!official(doc)) problems.push(...ajvText(official).map((e) => `${name} schema: ${e}`));
    const crd = crdValidator(kind);
    if (!crd(doc)) problems.push(...ajvText(crd).map((e) => `${name} crd: ${e}`));
    problems.push(...celErrors(crdRoot(kind), doc, '', []).map((e) => `${name} cel: ${e}`));
  }
  const owned = new Map<string, Map<string, Json>>();
  for (const doc of docs.slice(1)) owned.set(String((doc.metadata as Json).name), new Map(((doc.spec as Json).templates as Json[]).map((t) => [String(t.name), t])));
  const merged = new Map<string, Json>();
  const add = (t: Json, where: string) => {
    const known = merged.get(String(t.name));
    if (known && JSON.stringify(known) !== JSON.stringify(t)) problems.push(`${where}: template ${String(t.name)} differs from another of that name`);
    const tasks = ((t.dag as Json | undefined)?.tasks as Json[] | undefined)?.map((task) => {
      if (!task.templateRef) return task;
      const ref = task.templateRef as Json;
      if (!owned.get(String(ref.name))?.has(String(ref.template))) problems.push(`${where}/${String(t.name)}/${String(task.name)}: templateRef ${String(ref.name)}/${String(ref.template)} resolves to nothing`);
      const { templateRef: _ref, ...rest } = task;
      return { ...rest, template: ref.template };
    });
    merged.set(String(t.name), tasks ? { ...t, dag: { ...(t.dag as Json), tasks } } : t);
  };
  const main = docs[0]!;
  for (const t of (specOf(main).templates as Json[]) ?? []) add(t, 'workflow');
  for (const [name, templates] of owned) for (const t of templates.values()) add(t, name);
  const flat = { ...main, spec: { ...specOf(main), templates: [...merged.values()] } };
  problems.push(...semanticErrors(flat).map((e) => `lint: ${e}`));
  if (HAS_GO) {
    const bin = goProgram('argo-validate')!;
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-check-'));
    try {
      const files = texts.map((t, i) => {
        const file = path.join(dir, `object-${i}.yaml`);
        writeFileSync(file, t);
        return file;
      });
      const r = spawnSync(bin, ['--json', ...files], { encoding: 'utf8' });
      if (r.status !== 0 && r.status !== 1) problems.push(`argo-validate failed (exit ${String(r.status)}): ${r.stderr}`);
      else
        problems.push(
          ...r.stdout
            .split('\n')
            .filter((l) => l.trim())
            .map((l) => JSON.parse(l) as { mode: string; ok: boolean; error?: string })
            .filter((v) => !v.ok)
            .map((v) => `argo ${v.mode}: ${v.error ?? ''}`),
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return problems;
}
