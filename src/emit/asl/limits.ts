// Step Functions quotas a rendered definition must fit (AWS docs, "Step Functions service quotas"), and the
// estimates `dagc check --target asl` reports against them. Estimates are upper bounds: every state of the
// definition is counted once (both sides of an on_failure), with every retry used.
import type { State, StateMachine } from './asl-types.js';
import { INLINE_MAP_LIMIT } from './build-states.js';
import { JsonWriter } from '../json-text.js';

/** Maximum definition size: 1 MB (CreateStateMachine's `definition`: at most 1,048,576 characters in the Step
 * Functions API model; the CloudFormation resource's DefinitionString likewise), counted here in UTF-8 bytes of
 * the text as written (SizeReport.written), which are never fewer. */
export const DEFINITION_LIMIT = 1_048_576;
/** Maximum length of an ARN (a state machine's, which the split's stack puts in the parent's definition). */
export const ARN_LIMIT = 256;
/** Maximum input or output of a state, task or execution: 256 KiB of UTF-8. */
export const PAYLOAD_LIMIT = 262_144;
/** Maximum execution history of a Standard workflow. */
export const HISTORY_LIMIT = 25_000;
/** Maximum state name length (ASL; names.ts ASL_NAME_RULES). */
export const NAME_LIMIT = 80;

export interface SizeReport {
  /**
   * UTF-8 bytes of the definition as dagc writes it, which is what counts against the quota: `dagc deploy` sends
   * the written text, and the split's stack has CloudFormation read each written file from S3, refusing one over
   * 1,048,576 bytes (aws-cloudformation-resource-providers-stepfunctions, DefinitionProcessor.fetchS3Definition).
   * Where prettier lays the text out (json-text.ts gives up), JSON.stringify's two-space indentation, which
   * prettier's layout never exceeds.
   */
  written: number;
  /** UTF-8 bytes of JSON.stringify without whitespace. */
  compact: number;
}

/** UTF-8 bytes of the minified definition (a name in Unicode costs 2-4 bytes a character, not one UTF-16 code
 * unit). The written text is never smaller. */
export function compactSize(definition: unknown): number {
  return Buffer.byteLength(JSON.stringify(definition), 'utf8');
}

/** The text dagc writes for a definition (json-text.ts; undefined where prettier lays it out) and its bytes
 * (SizeReport.written). */
export function writtenDefinition(definition: unknown): { readonly text: string | undefined; readonly bytes: number } {
  const text = new JsonWriter().write(definition);
  return { text, bytes: text !== undefined ? Buffer.byteLength(text, 'utf8') : indentedBytes(definition, 0) + 1 };
}

/** A written definition's bytes once CloudFormation has put the parts' ARNs in (DefinitionSubstitutions), which
 * is what Step Functions counts. */
export function deployedBytes(bytes: number, text: string): number {
  let placeholders = 0;
  for (let i = text.indexOf('${dagcPart'); i !== -1; i = text.indexOf('${dagcPart', i + 1)) placeholders++;
  // Each `${dagcPartK}` becomes a state machine's ARN: no more than ARN_LIMIT.
  return bytes + placeholders * ARN_LIMIT;
}

/**
 * UTF-8 bytes of `value` as JSON.stringify(value, null, 2) lays it out, every line after the first indented
 * `indent` more columns: no fewer than prettier's layout of it there (a value on one line is shorter than the
 * same value broken, and prettier breaks no more than that).
 */
export function indentedBytes(value: unknown, indent: number): number {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) return 0;
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  return Buffer.byteLength(text, 'utf8') + lines * indent;
}

/**
 * UTF-8 bytes of `value` as Jackson's default pretty printer writes it: a member per line, indented two columns
 * per object, `"key" : value`; an array on one line, `[ a, b ]`; `{ }` and `[ ]` when empty. That is how
 * CloudFormation turns a state machine's `Definition` object into the definition string Step Functions counts
 * (aws-cloudformation-resource-providers-stepfunctions, DefinitionProcessor.convertDefinitionObjectToString).
 */
export function jacksonPrettyBytes(value: unknown): number {
  const walk = (v: unknown, depth: number): number => {
    if (v === null || typeof v !== 'object') return Buffer.byteLength(JSON.stringify(v) ?? 'null', 'utf8');
    if (Array.isArray(v)) {
      if (v.length === 0) return 3;
      let n = 4;
      for (let i = 0; i < v.length; i++) n += (i ? 2 : 0) + walk(v[i], depth);
      return n;
    }
    const object = v as Record<string, unknown>;
    const keys = Object.keys(object).filter((k) => object[k] !== undefined);
    if (keys.length === 0) return 3;
    // '{', each member on its own line (',' before all but the first), then '}' on a line of its own.
    let n = 2 + 1 + 2 * depth;
    for (let i = 0; i < keys.length; i++) n += (i ? 1 : 0) + 1 + 2 * (depth + 1) + Buffer.byteLength(JSON.stringify(keys[i]), 'utf8') + 3 + walk(object[keys[i]!], depth + 1);
    return n;
  };
  return walk(value, 0);
}

/** Columns a machine's states are indented by as written (the members of its top-level `States`). */
export const STATE_INDENT = '    ';

/**
 * UTF-8 bytes of a state as a member of a machine's top-level States as written (json-text.ts's layout), with
 * the ',' and line break after it; where prettier lays it out, an upper bound (indentedBytes). `writer` may keep
 * the layout (JsonWriter's laidOut).
 */
export function writtenStateBytes(name: string, state: unknown, writer: JsonWriter = new JsonWriter()): number {
  const bytes = writer.memberBytes(name, state, STATE_INDENT);
  if (bytes !== undefined) return bytes + 2;
  return STATE_INDENT.length + Buffer.byteLength(JSON.stringify(name), 'utf8') + 2 + indentedBytes(state, STATE_INDENT.length) + 2;
}

/** Both sizes, and the written text (for the file, so that it is laid out once). */
export function definitionSize(definition: unknown): SizeReport & { readonly text: string | undefined } {
  const written = writtenDefinition(definition);
  return { written: written.bytes, compact: compactSize(definition), text: written.text };
}

export interface BudgetAssumptions {
  /** Items per map when a map declares no map_width. */
  readonly mapWidth: number;
}

export interface HistoryEstimate {
  events: number;
  /** States by type, across all branches (each counted once). */
  states: Record<string, number>;
}

const isSync = (s: State) => s.Type === 'Task' && s.Resource.endsWith('.sync');

function retries(state: State): number {
  if ((state.Type !== 'Task' && state.Type !== 'Parallel') || !state.Retry) return 0;
  return state.Retry.reduce((n, r) => n + r.MaxAttempts, 0);
}

/**
 * History events of one pass through `states` (event types from the Step Functions API's HistoryEvent):
 * a .sync Task: Entered, Scheduled, Started, Submitted, Succeeded, Exited (6) and Scheduled, Started,
 * Submitted, Failed (4) per retry; an SDK Task 5; Pass/Succeed 2; Fail 1; Parallel/Map 4 plus their
 * branches (and 2 per Map iteration); a Distributed Map's iterations are child executions with their own
 * histories, so only its 5 own events count.
 */
function countEvents(states: Record<string, State>, widthOf: (state: State) => number, tally: Record<string, number> | undefined): number {
  let events = 0;
  for (const name in states) events += stateEvents(states[name]!, widthOf, tally);
  return events;
}

/** countEvents of one state (its branches and iterations included); `tally`, when given, counts the states by type. */
function stateEvents(state: State, widthOf: (state: State) => number, tally: Record<string, number> | undefined): number {
  if (tally) tally[state.Type] = (tally[state.Type] ?? 0) + 1;
  switch (state.Type) {
    case 'Task':
      return isSync(state) ? 6 + 4 * retries(state) : 5 + 3 * retries(state);
    case 'Pass':
    case 'Succeed':
      return 2;
    case 'Fail':
      return 1;
    case 'Parallel':
      // A retried task's Parallel (build-states.ts retriedTask) runs its branch again on every retry.
      return (4 + state.Branches.reduce((n, b) => n + countEvents(b.States, widthOf, tally), 0)) * (1 + retries(state));
    case 'Map': {
      const inner = countEvents(state.ItemProcessor.States, widthOf, tally);
      return state.ItemProcessor.ProcessorConfig.Mode === 'DISTRIBUTED' ? 5 : 4 + widthOf(state) * (2 + inner);
    }
  }
  return 0;
}

export function estimateHistory(machine: StateMachine, assume: BudgetAssumptions): HistoryEstimate {
  const states: Record<string, number> = {};
  // ExecutionStarted and ExecutionSucceeded/Failed.
  const events = 2 + countEvents(machine.States, () => Math.min(assume.mapWidth, INLINE_MAP_LIMIT), states);
  return { events, states };
}

/** The events one state adds to estimateHistory's count (what a machine of it alone counts, less the
 * execution's own 2): asked for every state of a machine being split, without a machine made for each. */
export function historyOfState(state: State, assume: BudgetAssumptions): number {
  const width = Math.min(assume.mapWidth, INLINE_MAP_LIMIT);
  return stateEvents(state, () => width, undefined);
}

/**
 * The largest state payload dagc itself puts in flight: an inline map's index list next to the indices of
 * the enclosing maps (the execution input is whatever the caller starts it with, and is not counted).
 */
export function estimatePayload(machine: StateMachine, assume: BudgetAssumptions): number {
  const width = Math.min(assume.mapWidth, INLINE_MAP_LIMIT);
  let worst = 2;
  const visit = (states: Record<string, State>, depth: number) => {
    for (const state of Object.values(states)) {
      if (state.Type === 'Parallel') for (const b of state.Branches) visit(b.States, depth);
      if (state.Type !== 'Map') continue;
      const idx = Array.from({ length: depth }, () => String(width - 1)).join(',');
      const inFlight = JSON.stringify({ idx, dagc: { items: Array.from({ length: width }, (_, i) => i) } });
      worst = Math.max(worst, Buffer.byteLength(inFlight, 'utf8'));
      visit(state.ItemProcessor.States, depth + 1);
    }
  };
  visit(machine.States, 0);
  return worst;
}
