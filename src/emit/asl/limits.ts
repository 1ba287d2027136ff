// Step Functions quotas a rendered definition must fit (AWS docs, "Step Functions service quotas"), and the
// estimates `dagc check --target asl` reports against them. Estimates are upper bounds: every state of the
// definition is counted once (both sides of an on_failure), with every retry used.
import type { State, StateMachine } from './asl-types.js';
import { INLINE_MAP_LIMIT } from './build-states.js';

/** Maximum definition size: 1 MB, counted in UTF-8 bytes (the CreateStateMachine request's size quota). */
export const DEFINITION_LIMIT = 1_048_576;
/** Maximum input or output of a state, task or execution: 256 KiB of UTF-8. */
export const PAYLOAD_LIMIT = 262_144;
/** Maximum execution history of a Standard workflow. */
export const HISTORY_LIMIT = 25_000;
/** Maximum state name length (ASL; names.ts ASL_NAME_RULES). */
export const NAME_LIMIT = 80;

export interface SizeReport {
  /** UTF-8 bytes of JSON.stringify without whitespace: what a deployment tool sends. */
  compact: number;
  /** With two-space indentation, about the written file. */
  indented: number;
}

/** UTF-8 bytes of the minified definition, what counts against the quota (a name in Unicode costs 2-4 bytes a
 * character, not one UTF-16 code unit). */
export function compactSize(definition: unknown): number {
  return Buffer.byteLength(JSON.stringify(definition), 'utf8');
}

/** Both sizes; the indented one is counted when first read (a split machine's parts only need the compact). */
export function definitionSize(definition: unknown): SizeReport {
  let indented: number | undefined;
  return {
    compact: compactSize(definition),
    get indented() {
      return (indented ??= Buffer.byteLength(JSON.stringify(definition, null, 2), 'utf8'));
    },
  };
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
