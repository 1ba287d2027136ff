// Checks a pipeline or config file against schemas/*.json (the schemas are the documentation) and turns
// ajv's errors into diagnostics a person can act on: the key or value at fault, one sentence in magnus's
// terms ("task step "train" should have a "command" field", magnus-spec.md §1.3), and a hint.
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../core/diagnostics.js';
import type { YamlDocument } from './load.js';
import { joinPointer, splitPointer } from '../core/pointer.js';
import { didYouMean } from '../core/suggest.js';
import * as precompiled from './precompiled-validators.js';
import { DEFINITION_LOADERS } from './precompiled-definitions.js';

export type SchemaKind = 'pipeline' | 'config';

let validators: Promise<Record<SchemaKind, ValidateFunction>> | undefined;

function getValidators(): Promise<Record<SchemaKind, ValidateFunction>> {
  validators ??= (async () => {
    if (precompiled.pipeline && precompiled.config)
      return { pipeline: precompiled.pipeline, config: precompiled.config };
    const { compileValidators } = await import('./schema-compile.js');
    return compileValidators();
  })();
  return validators;
}

const definitionValidators = new Map<string, Promise<ValidateFunction>>();

/**
 * The validator of one provider's config definition in schemas/config.schema.json: precompiled in its own
 * module in the build (src/front-end/precompiled-definitions.ts), compiled here in tests.
 */
export function definitionValidator(name: string): Promise<ValidateFunction> {
  let found = definitionValidators.get(name);
  if (!found) {
    found = (async () => {
      const load = Object.hasOwn(DEFINITION_LOADERS, name) ? DEFINITION_LOADERS[name] : undefined;
      const pre = load ? (await load()).validate : undefined;
      if (pre) return pre;
      const { compileDefinition } = await import('./schema-compile.js');
      return compileDefinition(name);
    })();
    definitionValidators.set(name, found);
  }
  return found;
}

let sectionDefinitionsMap: Promise<Readonly<Record<string, Readonly<Record<string, string>>>>> | undefined;

function sectionDefinitions(): Promise<Readonly<Record<string, Readonly<Record<string, string>>>>> {
  sectionDefinitionsMap ??= (async () => {
    if (precompiled.SECTION_DEFINITIONS) return precompiled.SECTION_DEFINITIONS;
    const compile = await import('./schema-compile.js');
    return compile.sectionDefinitions();
  })();
  return sectionDefinitionsMap;
}

/** Section keys as written (older spellings included) → the section. */
const SECTION_OF: Readonly<Record<string, string>> = {
  executor: 'executor',
  mode: 'executor',
  run_log_store: 'run_log_store',
  catalog: 'catalog',
  secrets: 'secrets',
  experiment_tracker: 'experiment_tracker',
  experiment_tracking: 'experiment_tracker',
};

/** The errors of each section's `config` under its provider's definition, at their place in the file. */
async function sectionConfigErrors(data: unknown): Promise<ErrorObject[]> {
  if (!data || typeof data !== 'object' || Array.isArray(data)) return [];
  const out: ErrorObject[] = [];
  const byType = await sectionDefinitions();
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const section = Object.hasOwn(SECTION_OF, key) ? SECTION_OF[key]! : undefined;
    if (!section || !value || typeof value !== 'object' || !('config' in value)) continue;
    const { type, config } = value as { type?: unknown; config?: unknown };
    const definition = typeof type === 'string' ? byType[section]?.[type] : undefined;
    if (!definition) continue;
    const validate = await definitionValidator(definition);
    if (!validate(config)) out.push(...(validate.errors ?? []).map((e) => ({ ...e, instancePath: `/${key}/config${e.instancePath}` })));
  }
  return out;
}

/** Every schema problem of the file, located and worded for people. */
export async function checkSchema(doc: YamlDocument, kind: SchemaKind): Promise<Diagnostic[]> {
  const validate = (await getValidators())[kind];
  const errors = validate(doc.data) ? [] : [...(validate.errors ?? [])];
  // Config sections (in a config file, or magnus 2022 style in a pipeline file): their providers' settings.
  errors.push(...(await sectionConfigErrors(doc.data)));
  return errors.length ? toDiagnostics(errors, doc, kind) : [];
}

/**
 * The problems of the value at `pointer` under another validator (a plugin's config schema), located and
 * worded as the config's own.
 */
export function checkValueSchema(doc: YamlDocument, pointer: string, value: unknown, validate: ValidateFunction): Diagnostic[] {
  if (validate(value)) return [];
  const errors = (validate.errors ?? []).map((e) => ({ ...e, instancePath: pointer + e.instancePath }));
  return toDiagnostics(errors, doc, 'config');
}

/** Node types as written → the step schema's title. */
const STEP_TITLES = new Set([
  'task step',
  'stub step',
  'parallel step',
  'map step',
  'dag step',
  'success or fail step',
]);
const STEP_TYPES = ['task', 'stub', 'as-is', 'parallel', 'map', 'dag', 'success', 'fail'];
/** Every key some step type takes: a known key in the wrong step is "should not have", not "unknown". */
const STEP_FIELDS = new Set([
  'type',
  'next',
  'on_failure',
  'command',
  'command_type',
  'command_config',
  'retry',
  'catalog',
  'mode_config',
  'executor_config',
  'overrides',
  'branches',
  'iterate_on',
  'iterate_as',
  'branch',
  'dag_definition',
]);

/** What to write when a key is missing (magnus-spec.md §1.3). */
const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  next: 'add "next: <step>": the step to go to when this one succeeds',
  command: 'add "command:" with what to run (for python: module.function)',
  branches: 'add "branches:" with one graph (start_at, steps) per branch name',
  branch: 'add "branch:" with the graph (start_at, steps) to run for each item',
  iterate_on: 'add "iterate_on: <parameter>": the name of a list parameter to iterate on',
  iterate_as: 'add "iterate_as: <name>": the parameter name each item gets inside the branch',
  dag_definition: 'add "dag_definition: <file.yaml>": the file holding the sub-pipeline',
  type: `add "type:" (one of ${STEP_TYPES.join(', ')})`,
  start_at: 'add "start_at: <step>": the name of the first step',
  steps: 'add "steps:" with the steps of this graph, by name',
  dag: 'put the pipeline under a top-level "dag:" key (start_at, steps)',
  // Config sections (schemas/config.schema.json).
  config: 'add "config:" with the settings of this type (schemas/config.schema.json lists them)',
  image: 'add "image: <registry>/<image>:<tag>": the image every step runs in (it needs dagc)',
  bucket: 'add "bucket: <name of an existing S3 bucket>" (and optionally prefix: runs/)',
};

/** Why a key is refused in a step type, when it is a key that other step types take. */
function forbiddenHint(type: string, key: string): string {
  if (type === 'success' || type === 'fail')
    return `remove "${key}": a ${type} step ends its graph, nothing runs or follows it`;
  if (
    key === 'command' ||
    key === 'catalog' ||
    key === 'command_type' ||
    key === 'command_config' ||
    key === 'retry'
  )
    return `remove "${key}": a ${type} step runs ${type === 'parallel' ? 'its branches' : type === 'map' ? 'its branch for each item' : type === 'dag' ? "another file's pipeline" : 'nothing'}, not a command`;
  if (key === 'branch' && type === 'parallel')
    return 'a parallel step takes "branches" (several named graphs); "branch" is for map steps';
  if (key === 'branches' && type === 'map')
    return 'a map step takes one "branch" graph; "branches" is for parallel steps';
  return `remove "${key}": ${type} steps do not take it`;
}

const SECTION_NAMES: Readonly<Record<string, string>> = {
  executor: 'executor',
  mode: 'executor',
  run_log_store: 'run log store',
  catalog: 'catalog',
  secrets: 'secrets provider',
  experiment_tracker: 'experiment tracker',
  experiment_tracking: 'experiment tracker',
};

interface Where {
  /** e.g. 'step "train"', 'the dag', 'branch "a" of step "p"', '"executor"' */
  owner: string;
  /** The step's name and type when the owner is a step. */
  step?: { name: string; type?: string };
  /** The path below the owner, e.g. 'catalog.put[0]' ('' for the owner itself). */
  field: string;
  /** The top-level section when in one (executor, run_log_store, …). */
  section?: string;
}

/** Names a place in a pipeline or config file the way its author thinks of it. */
export function describePointer(pointer: string, data: unknown, kind: SchemaKind): Where {
  const segs = splitPointer(pointer);
  let owner = kind === 'pipeline' ? 'the pipeline file' : 'the config file';
  let step: Where['step'];
  let field: string[] = [];
  let section: string | undefined;
  let state: 'root' | 'graph' | 'steps' | 'step' | 'branches' | 'other' = 'root';
  let value: unknown = data;
  let graphName = 'the dag';
  const child = (v: unknown, k: string) =>
    v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  for (const seg of segs) {
    const parentValue = value;
    value = child(value, seg);
    switch (state) {
      case 'root':
        if (kind === 'pipeline' && seg === 'dag') {
          state = 'graph';
          owner = graphName;
          field = [];
          continue;
        }
        section = seg;
        state = 'other';
        owner = `"${seg}"`;
        field = [];
        continue;
      case 'graph':
        if (seg === 'steps') {
          state = 'steps';
          field = ['steps'];
          continue;
        }
        break;
      case 'steps': {
        const type = child(value, 'type');
        step = { name: seg, ...(typeof type === 'string' ? { type } : {}) };
        owner = `step "${seg}"`;
        field = [];
        state = 'step';
        continue;
      }
      case 'step':
        if (seg === 'branches') {
          state = 'branches';
          field = ['branches'];
          continue;
        }
        if (seg === 'branch' && step?.type === 'map') {
          graphName = `the branch of map step "${step.name}"`;
          owner = graphName;
          step = undefined;
          field = [];
          state = 'graph';
          continue;
        }
        break;
      case 'branches':
        graphName = `branch "${seg}" of step "${step?.name ?? ''}"`;
        owner = graphName;
        step = undefined;
        field = [];
        state = 'graph';
        continue;
      default:
        break;
    }
    state = 'other';
    field.push(Array.isArray(parentValue) ? `[${seg}]` : seg);
  }
  return {
    owner,
    ...(step ? { step } : {}),
    field: field.join('.').replace(/\.\[/g, '['),
    ...(section ? { section } : {}),
  };
}

function subject(where: Where): string {
  return where.field ? `"${where.field}" of ${where.owner}` : where.owner;
}

function describeValue(value: unknown): string {
  if (value === null || value === undefined) return 'empty (null)';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'object':
      return 'a mapping';
    case 'string':
      return `the text "${value.length > 40 ? `${value.slice(0, 37)}...` : value}"`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return String(value);
    default:
      return typeof value;
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'text',
  object: 'a mapping',
  array: 'a list',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  null: 'empty',
};

function typeWords(type: unknown): string {
  const list = (Array.isArray(type) ? type : [type])
    .filter((t) => t !== 'null')
    .map((t) => TYPE_WORDS[String(t)] ?? String(t));
  return list.join(' or ');
}

function listed(values: readonly string[]): string {
  return values.join(', ');
}

interface SchemaLike {
  title?: string;
  properties?: Record<string, unknown>;
  patternProperties?: Record<string, unknown>;
  errorMessage?: string;
  /** What to do instead, for a key the schema refuses with `not` (see schema-compile.ts). */
  errorHint?: string;
}

/**
 * A likely intended key: a near spelling (didYouMean), else a key that one is the start of ("start" for
 * "start_at"), else the same word without a plural ending ("retries" for "retry").
 */
export function suggestKey(word: string, candidates: readonly string[]): string | undefined {
  const near = didYouMean(word, candidates);
  if (near) return near;
  const w = word.toLowerCase();
  if (w.length >= 4) {
    const prefixed = candidates.find((c) => c.toLowerCase().startsWith(w) || w.startsWith(c.toLowerCase()));
    if (prefixed) return prefixed;
  }
  const stem = w.replace(/ies$/, 'y').replace(/s$/, '');
  return candidates.find((c) => c.toLowerCase() === stem);
}

function toDiagnostics(errors: readonly ErrorObject[], doc: YamlDocument, kind: SchemaKind): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  // A misspelt key is both unknown and missing ("nxt" for "next"): one diagnostic, on the misspelling.
  const meant = new Set<string>();
  for (const e of errors) {
    if (e.keyword !== 'additionalProperties') continue;
    const allowed = Object.keys(((e.parentSchema ?? {}) as SchemaLike).properties ?? {});
    const guess = suggestKey((e.params as { additionalProperty: string }).additionalProperty, allowed);
    if (guess) meant.add(`${e.instancePath}\0${guess}`);
  }
  for (const e of errors) {
    // `if` only says that a `then` failed; the `then`'s own errors say what. The discriminator repeats the
    // `type` enum or required error. `const` pins `type` inside a step schema that was chosen by that very
    // type, so it never fails on its own.
    // `propertyNames` only says that a name failed; the name's own error (with `propertyName`) says how.
    if (e.keyword === 'if' || e.keyword === 'discriminator' || e.keyword === 'const' || e.keyword === 'propertyNames')
      continue;
    if (
      e.keyword === 'required' &&
      meant.has(`${e.instancePath}\0${(e.params as { missingProperty: string }).missingProperty}`)
    )
      continue;
    const d = toDiagnostic(e, doc, kind);
    if (!d) continue;
    const key = `${d.pointer} ${d.code} ${d.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(d);
  }
  return out;
}

function toDiagnostic(e: ErrorObject, doc: YamlDocument, kind: SchemaKind): Diagnostic | undefined {
  const parent = (e.parentSchema ?? {}) as SchemaLike;
  const pointer = e.instancePath;
  const where = describePointer(pointer, doc.data, kind);
  const value = e.data;
  // A key that fails `propertyNames` (an environment variable name): shown at the key itself.
  if (e.propertyName !== undefined)
    return doc.at(
      joinPointer(pointer, e.propertyName),
      'DAGC-SCHEMA-VALUE',
      `the key "${e.propertyName}" in ${subject(where)} ${parent.errorMessage ?? e.message ?? 'is not valid'}`,
      'rename the key',
      { part: 'key' },
    );
  switch (e.keyword) {
    case 'required': {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      if (STEP_TITLES.has(parent.title ?? '') && where.step)
        return doc.at(
          pointer,
          'DAGC-SCHEMA-MISSING-KEY',
          `${where.step.type ?? 'this'} step "${where.step.name}" should have ${article(missing)} "${missing}" field`,
          REQUIRED_HINTS[missing],
          { part: 'key' },
        );
      if (pointer === '' && missing === 'dag')
        return doc.at(
          pointer,
          'DAGC-PIPELINE-NO-DAG',
          `no dag found in ${doc.file}: it has no "dag" block`,
          REQUIRED_HINTS.dag,
          { part: 'key' },
        );
      if (missing === 'type' && where.section)
        return doc.at(
          pointer,
          'DAGC-SCHEMA-MISSING-KEY',
          `the ${SECTION_NAMES[where.section] ?? where.section} section "${where.section}" has no "type"`,
          `add "type:" with the provider's name`,
          { part: 'key' },
        );
      return doc.at(
        pointer,
        'DAGC-SCHEMA-MISSING-KEY',
        `${subject(where)} has no "${missing}"`,
        REQUIRED_HINTS[missing] ?? `add "${missing}:"`,
        { part: 'key' },
      );
    }
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const at = joinPointer(pointer, key);
      const allowed = Object.keys(parent.properties ?? {});
      if (STEP_TITLES.has(parent.title ?? '') && where.step && STEP_FIELDS.has(key)) {
        const type = where.step.type ?? 'this';
        return doc.at(
          at,
          'DAGC-SCHEMA-FORBIDDEN-KEY',
          `${type} step "${where.step.name}" should not have ${article(key)} "${key}" field`,
          forbiddenHint(type, key),
          { part: 'key' },
        );
      }
      const guess = suggestKey(key, allowed);
      const extension = parent.patternProperties?.['^x-'] ? ' (or x-<anything> for anchors)' : '';
      return doc.at(
        at,
        'DAGC-SCHEMA-UNKNOWN-KEY',
        `unknown key "${key}" in ${where.field ? `"${where.field}" of ` : ''}${where.owner}`,
        guess
          ? `did you mean "${guess}"?`
          : allowed.length
            ? `known keys here: ${listed(allowed)}${extension}`
            : 'remove it: nothing goes here',
        { part: 'key' },
      );
    }
    case 'type': {
      const expected = typeWords((e.params as { type: unknown }).type);
      if (where.step && where.field === '')
        return doc.at(
          pointer,
          'DAGC-SCHEMA-TYPE',
          `step "${where.step.name}" must be a mapping of its settings, not ${describeValue(value)}`,
          'indent its keys (type, next, …) under the step name',
          {},
        );
      if (where.field === 'steps' && (value === null || value === undefined))
        return doc.at(
          pointer,
          'DAGC-SCHEMA-TYPE',
          `"steps" of ${where.owner} is empty`,
          'indent the steps under "steps:", each a name followed by its settings',
          {},
        );
      return doc.at(
        pointer,
        'DAGC-SCHEMA-TYPE',
        `${subject(where)} must be ${expected}, not ${describeValue(value)}`,
        typeHint(expected, value),
        {},
      );
    }
    case 'enum': {
      const allowed = ((e.params as { allowedValues: unknown[] }).allowedValues ?? []).map(String);
      const guess = typeof value === 'string' ? didYouMean(value, allowed) : undefined;
      const hint = `${guess ? `did you mean "${guess}"? ` : ''}known: ${listed(allowed)}`;
      if (where.step && where.field === 'type')
        return doc.at(
          pointer,
          'DAGC-SCHEMA-UNKNOWN-TYPE',
          `step "${where.step.name}" has the unknown type ${describeValue(value).replace(/^the text /, '')}`,
          hint,
          {},
        );
      if (where.section && where.field === 'type')
        return doc.at(
          pointer,
          'DAGC-CONFIG-UNKNOWN-PROVIDER',
          `unknown ${SECTION_NAMES[where.section] ?? where.section} type ${describeValue(value).replace(/^the text /, '')}`,
          hint,
          {},
        );
      return doc.at(
        pointer,
        'DAGC-SCHEMA-UNKNOWN-VALUE',
        `${subject(where)} cannot be ${describeValue(value)}`,
        hint,
        {},
      );
    }
    case 'minimum':
    case 'exclusiveMinimum': {
      const limit = (e.params as { limit: number }).limit;
      const bound = e.keyword === 'minimum' ? `at least ${limit}` : `more than ${limit}`;
      return doc.at(
        pointer,
        'DAGC-SCHEMA-VALUE',
        `${subject(where)} must be ${bound}, not ${String(value)}`,
        valueHint(where.field),
        {},
      );
    }
    case 'minLength':
      return doc.at(
        pointer,
        'DAGC-SCHEMA-VALUE',
        `${subject(where)} is empty text`,
        'write a value, or remove the key',
        {},
      );
    case 'minProperties':
      return doc.at(
        pointer,
        'DAGC-SCHEMA-VALUE',
        `${subject(where)} is an empty mapping`,
        where.field === 'branches' ? 'give at least one branch' : 'add at least one entry',
        {},
      );
    case 'pattern':
      return doc.at(
        pointer,
        'DAGC-SCHEMA-VALUE',
        `${subject(where)} ${parent.errorMessage ?? `must match ${(e.params as { pattern: string }).pattern}`}, not ${describeValue(value)}`,
        parent.errorMessage ? `write ${parent.errorMessage.replace(/^must be /, '')}` : undefined,
        {},
      );
    case 'not':
      // A key kept in the schema only to refuse it with a reason (errorMessage), e.g. asl's `secrets`.
      return doc.at(
        pointer,
        'DAGC-SCHEMA-FORBIDDEN-KEY',
        `${subject(where)} ${parent.errorMessage ?? 'is not allowed here'}`,
        parent.errorHint ?? 'remove it',
        { part: 'key' },
      );
    case 'uniqueItems': {
      const { i, j } = e.params as { i: number; j: number };
      return doc.at(
        joinPointer(pointer, i),
        'DAGC-SCHEMA-VALUE',
        `${subject(where)} lists ${describeValue((value as unknown[])[i])} twice (items ${j + 1} and ${i + 1})`,
        'remove the repeated item',
        {},
      );
    }
    default:
      return doc.at(
        pointer,
        'DAGC-SCHEMA-VALUE',
        `${subject(where)} ${e.message ?? 'is not valid'}`,
        'see schemas/*.schema.json for what this key takes',
        {},
      );
  }
}

function article(word: string): string {
  return /^[aeiou]/i.test(word) ? 'an' : 'a';
}

function typeHint(expected: string, value: unknown): string {
  if (expected === 'text' && (typeof value === 'number' || typeof value === 'boolean'))
    return `quote it to make it text: "${String(value)}"`;
  if (expected === 'a whole number' && typeof value === 'string' && /^\s*\d+\s*$/.test(value))
    return `remove the quotes: ${value.trim()}`;
  if (expected === 'a list') return 'write one "- item" per line under the key, or [a, b]';
  if (expected === 'a mapping') return 'indent "key: value" lines under it';
  return `write ${expected} here`;
}

function valueHint(field: string): string | undefined {
  if (field === 'retry') return 'retry is the number of attempts: 1 runs the step once';
  if (field === 'max_time') return 'max_time is in seconds, e.g. 3600';
  if (field.endsWith('max_parallel')) return 'max_parallel is how many branches may run at once, 1 or more';
  return undefined;
}
