// Every definition passes asl-validator before it is written (DESIGN.md §3 invariant 3); its findings become
// dagc diagnostics. Gotchas (shared/notes/toolchain.md §3): it mutates its input, so it gets a copy, and both
// checks must be named (`{}` would turn ARN and path checks off).
//
// asl-validator's own entry builds a new Ajv and compiles its JSON Schema at every call (~1 s), and a split
// machine is validated part by part (issue 16: a 10,000-step chain is ~80 parts). So this runs the same
// checks, in the same order, with one Ajv per process: the schema step is asl-validator 4's
// checks/json-schema-errors.js with the Ajv kept (its setup only adds formats, so doing it once changes nothing),
// set up in asl-schema.ts and precompiled by the build; the other checks are asl-validator's own modules, run
// on views of the definition (viewOf), and in the built bundles their JSONPath queries are answered by
// fast-jsonpath.ts. validate-asl.test.ts compares the two, from the sources and bundled, on valid and broken
// definitions.
import type { ErrorObject, ValidateFunction } from 'ajv';
import { missingTransitionTargetErrors } from 'asl-validator/dist/src/checks/missing-transition-target-errors.js';
import { stateTransitionsErrors } from 'asl-validator/dist/src/checks/state-transitions-errors.js';
import { duplicateStateNames } from 'asl-validator/dist/src/checks/duplicate-state-names-errors.js';
import { missingTerminalStateErrors } from 'asl-validator/dist/src/checks/missing-terminal-state-errors.js';
import { mustNotHaveDuplicateFieldNamesAfterEvaluation } from 'asl-validator/dist/src/checks/duplicate-payload-template-fields.js';
import { AtMostOne, ExactlyOne, IsChoice, IsFail, IsMap, IsSucceed, IsTask, IsWait, stateChecks } from 'asl-validator/dist/src/checks/state-checks.js';
import type { AslCheckError, StateCheck } from 'asl-validator/dist/src/checks/state-checks.js';
import { StateMachineErrorCode } from 'asl-validator/dist/src/types.js';
import { compileAslValidator } from './asl-schema.js';
import * as precompiled from './precompiled-asl-schema.js';
import { setOwn } from '../../core/set-own.js';
import type { Diagnostic } from '../../core/diagnostics.js';

const OPTIONS = { checkPaths: true, checkArn: true };

let compiled: ValidateFunction | undefined;

/** asl-validator's schema step, precompiled by the build (asl-schema.ts), else compiled once per process. */
function schemaValidator(): ValidateFunction {
  return (compiled ??= precompiled.validate ?? compileAslValidator());
}

/** json-schema-errors.js's selection: the deepest errors, a oneOf error hiding the others at its path, no repeats. */
function jsonSchemaErrors(definition: unknown): AslCheckError[] {
  const validate = schemaValidator();
  validate(definition);
  const errors: ErrorObject[] | null | undefined = validate.errors;
  if (!errors) return [];
  let selected: ErrorObject[] = [];
  let deepest = 0;
  for (const error of errors) {
    const depth = error.instancePath.split('/').length;
    if (depth === deepest) selected.push(error);
    else if (depth > deepest) selected = [error];
    deepest = Math.max(deepest, depth);
  }
  const withOneOf = new Set(selected.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath));
  const out = selected
    .filter((e) => e.keyword === 'oneOf' || !withOneOf.has(e.instancePath))
    .map((e) => ({
      'Error code': StateMachineErrorCode.SchemaValidationFailed,
      Message: `${e.instancePath} is invalid. ${e.message ?? ''}`,
      schemaError: { instancePath: e.instancePath, schemaPath: decodeURIComponent(e.schemaPath) },
    }));
  return out.filter((v, i, a) => a.findIndex((v2) => v2.schemaError.schemaPath === v.schemaError.schemaPath && v2.schemaError.instancePath === v.schemaError.instancePath) === i);
}

const not =
  (...tests: StateCheck['filter'][]): StateCheck['filter'] =>
  (entry) =>
    !tests.some((t) => t(entry));

/** What the state checks read of a state besides its Type: the properties they count where they are (their
 * presence only), and the first step of the paths they count in (read whole). Filled by `count`. */
const COUNTED = new Set<string>();
const READ_WHOLE = new Set<string>(['Type']);
type CountSpec = { props: string[]; errorCode: string; path?: string };
const count = (check: (spec: CountSpec) => StateCheck['checker'], spec: CountSpec): StateCheck['checker'] => {
  if (spec.path === undefined) for (const p of spec.props) COUNTED.add(p);
  else READ_WHOLE.add(/^\$\.([A-Za-z]+)/.exec(spec.path)![1]!);
  return check(spec);
};

/** validator.js's state checks, in its order. */
const STATE_CHECKS: StateCheck[] = [
  { filter: IsTask, checker: count(AtMostOne, { props: ['TimeoutSeconds', 'TimeoutSecondsPath'], errorCode: StateMachineErrorCode.TaskTimeoutError }) },
  { filter: IsTask, checker: count(AtMostOne, { props: ['HeartbeatSeconds', 'HeartbeatSecondsPath'], errorCode: StateMachineErrorCode.TaskHeartbeatError }) },
  { filter: IsMap, checker: count(ExactlyOne, { props: ['ItemProcessor', 'Iterator'], errorCode: StateMachineErrorCode.MapItemProcessorError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['ItemSelector', 'Parameters'], errorCode: StateMachineErrorCode.MapItemSelectorError }) },
  { filter: IsWait, checker: count(ExactlyOne, { props: ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'], errorCode: StateMachineErrorCode.WaitDurationError }) },
  { filter: not(IsSucceed, IsFail, IsChoice), checker: count(ExactlyOne, { props: ['End', 'Next'], errorCode: StateMachineErrorCode.TerminalStateWithNextError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['ToleratedFailureCount', 'ToleratedFailureCountPath'], errorCode: StateMachineErrorCode.MapToleratedFailureError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['ToleratedFailurePercentage', 'ToleratedFailurePercentagePath'], errorCode: StateMachineErrorCode.MapToleratedFailureError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['MaxConcurrency', 'MaxConcurrencyPath'], errorCode: StateMachineErrorCode.MapMaxConcurrencyError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['Items', 'ItemsPath'], errorCode: StateMachineErrorCode.MapItemsError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['MaxItems', 'MaxItemsPath'], path: '$.ItemReader.ReaderConfig', errorCode: StateMachineErrorCode.MapItemReaderMaxItemsError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['MaxItemsPerBatch', 'MaxItemsPerBatchPath'], path: '$.ItemBatcher', errorCode: StateMachineErrorCode.MapItemBatcherError }) },
  { filter: IsMap, checker: count(AtMostOne, { props: ['MaxInputBytesPerBatch', 'MaxInputBytesPerBatchPath'], path: '$.ItemBatcher', errorCode: StateMachineErrorCode.MapItemBatcherError }) },
  { filter: IsFail, checker: count(AtMostOne, { props: ['Cause', 'CausePath'], errorCode: StateMachineErrorCode.FailCauseProperty }) },
  { filter: IsFail, checker: count(AtMostOne, { props: ['Error', 'ErrorPath'], errorCode: StateMachineErrorCode.FailErrorProperty }) },
];

/** What jsonpath-plus's `$..States` (validator.js) finds: the value of every `States` key at any depth, those
 * inside a found value included, parents before children. A walk of its own: JSONPath's took ~0.1 s a part. */
function everyStates(json: unknown): unknown[] {
  const found: unknown[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (Array.isArray(value)) {
      for (const v of value) visit(v);
      return;
    }
    for (const key of Object.keys(value)) {
      const v = (value as Record<string, unknown>)[key];
      if (key === 'States') found.push(v);
      visit(v);
    }
  };
  visit(json);
  return found;
}

/** What asl-validator's graph checks (missing-transition-target, state-transitions, duplicate-state-names,
 * missing-terminal-state) look for at any depth, what they walk into (States, and the nested machines of
 * Parallel and Map), and what they read of each state (`state.Type`, `state.End`). */
const GRAPH: View = {
  keys: new Set(['StartAt', 'Next', 'Default']),
  containers: new Set(['States', 'Branches', 'Iterator']),
  stateKeys: new Set(['Type', 'End']),
};
/** What duplicate-payload-template-fields looks for: every Parameters and ResultSelector, whole. */
const PAYLOADS: View = { keys: new Set(['Parameters', 'ResultSelector']), containers: new Set(), stateKeys: new Set() };
/** What the state checks (state-checks.js, STATE_CHECKS) read: every States object at any depth (`$..['States']`),
 * of each of its states the Type, whether each property a check counts is there (`prop in state`), and the
 * objects a check with a path reads into (`$.ItemReader.ReaderConfig`, `$.ItemBatcher`), whole. */
const STATES: View = { keys: new Set(), containers: new Set(['States']), stateKeys: READ_WHOLE, statePresence: COUNTED };

interface View {
  readonly keys: ReadonlySet<string>;
  readonly containers: ReadonlySet<string>;
  readonly stateKeys: ReadonlySet<string>;
  /** Of each state, these keys are kept with their view, or an empty value of their kind: a check asks only
   * whether they are there. */
  readonly statePresence?: ReadonlySet<string>;
}

/**
 * The part of a definition a check's JSONPath queries can see, for the checks whose every query is a recursive
 * descent for some keys (`$..States`, `$..[StartAt,Next,Default]`, `$..[Parameters,ResultSelector]`) or a step
 * from what one found: every object and array on the way to one of `keys`, in its order, with those keys'
 * values by reference; every member of a `containers` value kept (a States object: its state names), as a
 * view; of each state (a member of a States object), its `stateKeys` too; what holds none of them left out.
 * Each query then finds the same values, in the same order, as in the whole definition, so the check reports
 * the same (validate-asl.test.ts compares with asl-validator). JSONPath's descent costs by the node, and a
 * Task's payload (command, environment, retries) is most of a machine's nodes: run on the whole of a
 * 10,000-step chain's parts these checks took ~0.8 s (issue 16).
 */
function viewOf(definition: unknown, view: View): unknown {
  return viewsOf(definition, view, undefined)[0];
}

/** A view's role at a value: 'container' (every member kept), 'state' (a States member: its stateKeys kept),
 * undefined (none: kept only where something is found below), or null (the view takes nothing from here down:
 * it kept the value whole, or there is no such view). */
type Role = 'container' | 'state' | undefined | null;

/**
 * viewOf of two views in one walk (the graph checks' and the state checks' both go through every payload).
 * Under no role nothing is made until something is found: a copy begun then holds the members before it,
 * which under no role are left out (objects) or empty (arrays).
 */
function viewsOf(definition: unknown, a: View, b: View | undefined): [unknown, unknown] {
  const empty = (v: unknown) => (v !== null && typeof v === 'object' ? (Array.isArray(v) ? [] : {}) : v);
  /** The second view's result of the visit that just returned (the first's is its value). */
  let second: unknown;
  const visit = (v: unknown, ra: Role, rb: Role): unknown => {
    if (v === null || typeof v !== 'object' || (ra === null && rb === null)) {
      second = undefined;
      return undefined;
    }
    if (Array.isArray(v)) {
      let outA: unknown[] | undefined;
      let outB: unknown[] | undefined;
      const ia = ra === null ? null : undefined;
      const ib = rb === null ? null : undefined;
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        const wa = visit(item, ia, ib);
        const wb = second;
        if (ra !== null && (outA !== undefined || wa !== undefined)) {
          if (outA === undefined) {
            outA = [];
            for (let j = 0; j < i; j++) outA.push(empty(v[j]));
          }
          outA.push(wa !== undefined ? wa : empty(item));
        }
        if (rb !== null && (outB !== undefined || wb !== undefined)) {
          if (outB === undefined) {
            outB = [];
            for (let j = 0; j < i; j++) outB.push(empty(v[j]));
          }
          outB.push(wb !== undefined ? wb : empty(item));
        }
      }
      second = rb === null ? undefined : (outB ?? (rb === 'container' ? v.map(empty) : undefined));
      return ra === null ? undefined : (outA ?? (ra === 'container' ? v.map(empty) : undefined));
    }
    const object = v as Record<string, unknown>;
    let outA: Record<string, unknown> | undefined = ra === null || ra === undefined ? undefined : {};
    let outB: Record<string, unknown> | undefined = rb === null || rb === undefined ? undefined : {};
    for (const k of Object.keys(object)) {
      const member = object[k];
      // Each view: the key kept whole, or the member visited with a role (and, when nothing is found in it,
      // kept empty where the view keeps every member of a container, a container, or a counted property).
      let ca: Role = null;
      let cb: Role = null;
      let emptyA = false;
      let emptyB = false;
      if (ra !== null) {
        if (a.keys.has(k) || (ra === 'state' && a.stateKeys.has(k))) setOwn((outA ??= {}), k, member);
        else {
          const container = a.containers.has(k);
          // The members of a States object are states; those of the other containers (Branches' machines, an
          // Iterator's StartAt and States) hold what the checks look for.
          ca = container ? 'container' : ra === 'container' ? 'state' : undefined;
          emptyA = ra === 'container' || container || (ra === 'state' && a.statePresence?.has(k) === true);
        }
      }
      if (rb !== null) {
        if (b!.keys.has(k) || (rb === 'state' && b!.stateKeys.has(k))) setOwn((outB ??= {}), k, member);
        else {
          const container = b!.containers.has(k);
          cb = container ? 'container' : rb === 'container' ? 'state' : undefined;
          emptyB = rb === 'container' || container || (rb === 'state' && b!.statePresence?.has(k) === true);
        }
      }
      if (ca === null && cb === null) continue;
      const wa = visit(member, ca, cb);
      const wb = second;
      if (ca !== null) {
        if (wa !== undefined) setOwn((outA ??= {}), k, wa);
        else if (emptyA) setOwn((outA ??= {}), k, empty(member));
      }
      if (cb !== null) {
        if (wb !== undefined) setOwn((outB ??= {}), k, wb);
        else if (emptyB) setOwn((outB ??= {}), k, empty(member));
      }
    }
    second = outB;
    return outA;
  };
  const first = visit(definition, undefined, b === undefined ? null : undefined);
  return [first ?? {}, b === undefined ? undefined : (second ?? {})];
}

/** asl-validator 4's validator(definition, { checkPaths: true, checkArn: true }).errors, with the Ajv kept. */
export function aslErrors(input: unknown): AslCheckError[] {
  // validator.js gives every state its QueryLanguage (on a copy of the definition: the checks after it only read,
  // and ajv is set up not to change data). Here the states get it in place and lose it again before returning:
  // copying a split machine's parts took ~0.3 s of a 10,000-step compile.
  const definition = input as { QueryLanguage?: string };
  const defaultQueryLanguage = definition.QueryLanguage ?? 'JSONPath';
  const given: [Record<string, unknown>, boolean, unknown][] = [];
  try {
    for (const states of everyStates(definition) as Record<string, Record<string, unknown>>[])
      for (const name of Object.keys(states)) {
        const state = states[name]!;
        if (state.QueryLanguage) continue;
        given.push([state, Object.prototype.hasOwnProperty.call(state, 'QueryLanguage'), state.QueryLanguage]);
        state.QueryLanguage = defaultQueryLanguage;
      }
    const errors = jsonSchemaErrors(definition);
    if (errors.length) return errors;
    // The graph checks' view and the state checks' view, made in one walk.
    const [graph, states] = viewsOf(definition, GRAPH, STATES);
    return [
      ...missingTransitionTargetErrors(graph, OPTIONS),
      ...stateTransitionsErrors(graph, OPTIONS),
      ...duplicateStateNames(graph, OPTIONS),
      ...missingTerminalStateErrors(graph, OPTIONS),
      ...mustNotHaveDuplicateFieldNamesAfterEvaluation(viewOf(definition, PAYLOADS), OPTIONS),
      ...stateChecks(states, OPTIONS, STATE_CHECKS),
    ];
  } finally {
    // Last added, first removed: each object goes back to the shape (and key order) it had.
    for (let i = given.length - 1; i >= 0; i--) {
      const [state, had, value] = given[i]!;
      if (had) state.QueryLanguage = value;
      else delete state.QueryLanguage;
    }
  }
}

export function validateDefinition(definition: unknown, file: string): Diagnostic[] {
  return aslErrors(definition).map((e) => ({
    code: 'DAGC-ASL-INVALID',
    severity: 'error' as const,
    message: `the rendered state machine is not valid ASL: ${e['Error code']}: ${e.Message}${
      e.schemaError?.instancePath ? ` (at ${e.schemaError.instancePath})` : ''
    }`,
    hint: 'this is a dagc bug unless a config value (ARN, prefix, name) is malformed: please report it with the pipeline',
    file,
    start: { line: 1, column: 1 },
  }));
}
