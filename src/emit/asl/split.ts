// A state machine over a Step Functions quota (issue 16) — the 1,048,576-byte definition or the 25,000 events of
// one execution's history — becomes a parent machine that runs child machines, each under both quotas.
//
// The pipeline's own states (the branch of dagc.run, build-states.ts) are put in an order of their transitions
// (file order where free) and cut into parts by size and by the history events they may add (limits.ts counts
// them). Each part is a child machine started with `arn:aws:states:::states:startExecution.sync:2` (the parent
// waits, and gets the child's output as JSON: AWS docs "Start a new AWS Step Functions state machine execution").
// Routing crosses parts through the state's data: a transition leaving a part goes to an exit Pass that writes the
// target into `$.dagc_route.exit` and ends the child; the parent's Choice sends the run to the part holding the
// target, with `$.dagc_route.entry` naming it, and that part's first state (a Choice) goes there. So every
// `Next` and `Catch` (on_failure included) keeps its target whatever part it lands in. The terminal states a
// part reaches (Succeed, Fail, and the Passes leading only to them, e.g. dagc.cause → dagc.abort) are copied
// into it: a child that fails fails the parent's Task, which fails dagc.run as the state itself would have.
// The run id and the execution input, which states read from $$.Execution.Name and $$.Execution.Input, reach the
// children in `$.dagc_split` ({run, input}), where their paths are rewritten to read them.
// A parent over a limit (it holds a start, a route and an entry per part) is a machine of the same form, and is
// split the same way (emit-asl.ts), with parts numbered after the ones below and a route key of its own
// (`$.dagc_route2`…, SplitLevel): the parts of parts start the parts below them, and pass the data on whole.
// A Parallel or a Map too large for a part has its branches (packed, when a machine each is too many), or its
// item, run as child machines; one of those too long for a part is cut the same way (its states already read the context from `$.dagc_split`), and its
// machine starts its parts.
import type { ChoiceState, ParallelState, PassState, State, StateMachine } from './asl-types.js';
import { ARN_LIMIT, DEFINITION_LIMIT, HISTORY_LIMIT, compactSize, deployedBytes, estimateHistory, historyOfState, indentedBytes, writtenDefinition, writtenStateBytes } from './limits.js';
import { JsonWriter } from '../json-text.js';
import { MinHeap } from '../../core/min-heap.js';
import { setOwn } from '../../core/set-own.js';

export const START_EXECUTION = 'arn:aws:states:::states:startExecution.sync:2';
/** The DefinitionSubstitutions key of part k in the parent's definition (the wiring stack fills it with the ARN). */
export const partKey = (k: number) => `dagcPart${k}`;

/**
 * What a state grows by once deployed: each `${dagcPartK}` in it (a Task starting a part, in a parent split in
 * turn, or in the branches of a Parallel, or the item of a Map, that are parts) becomes a state machine's ARN, ARN_LIMIT
 * bytes at most (CloudFormation's DefinitionSubstitutions), counted as emit-asl.ts deployedBytes counts it.
 */
function arnGrowth(state: State): number {
  const s = state as unknown as Json;
  if (s.Type === 'Task' && s.Resource === START_EXECUTION) {
    const arn = (s.Parameters as Json | undefined)?.StateMachineArn;
    return typeof arn === 'string' && arn.startsWith('${') ? ARN_LIMIT : 0;
  }
  const inner = s.Type === 'Parallel' ? (s.Branches as { States: Record<string, State> }[]) : s.Type === 'Map' ? [s.ItemProcessor as { States: Record<string, State> }] : [];
  let total = 0;
  for (const b of inner) for (const state of Object.values(b.States)) total += arnGrowth(state);
  return total;
}

export interface AslSplitLimits {
  /** Bytes per definition (UTF-8, as written: SizeReport.written). */
  readonly definitionBytes: number;
  /** History events per execution. */
  readonly historyEvents: number;
}

export const DEFAULT_ASL_LIMITS: AslSplitLimits = { definitionBytes: DEFINITION_LIMIT, historyEvents: HISTORY_LIMIT };

/**
 * Which split this is: a parent over a limit (it holds a few states per part) is split in turn, its parts run
 * by a parent of its own, until one fits (emit-asl.ts). Each level numbers its parts after those made before
 * (`partsBefore`: every part's key and file stays one of a kind), and routes through a key of its own in the
 * state's data (`route`): a part of parts passes the data on whole, the key its parts route by included.
 */
export interface SplitLevel {
  readonly partsBefore: number;
  readonly route: string;
  /** Split even where it fits: the caller found it over a limit as it will be written (a branch's part, below). */
  readonly force?: boolean;
}

export const FIRST_SPLIT: SplitLevel = { partsBefore: 0, route: 'dagc_route' };

/** The level after `level`, whose parts follow `parts` parts in all: its route key `dagc_route2`, `dagc_route3`… */
export function nextSplit(level: SplitLevel, parts: number): SplitLevel {
  const n = level.route === FIRST_SPLIT.route ? 2 : Number(level.route.slice(FIRST_SPLIT.route.length)) + 1;
  return { partsBefore: parts, route: `${FIRST_SPLIT.route}${n}` };
}

export interface SplitMachine {
  readonly parent: StateMachine;
  readonly parts: readonly StateMachine[];
}

type Json = Record<string, unknown>;

/** Every transition target at a state's own level (not inside its branches or iterations). */
function targets(state: State): string[] {
  const out: string[] = [];
  const s = state as unknown as Json;
  if (typeof s.Next === 'string') out.push(s.Next);
  if (typeof s.Default === 'string') out.push(s.Default);
  for (const c of (s.Choices as Json[] | undefined) ?? []) if (typeof c.Next === 'string') out.push(c.Next);
  for (const c of (s.Catch as Json[] | undefined) ?? []) if (typeof c.Next === 'string') out.push(c.Next);
  return out;
}

/** The state with its transitions renamed by `to` (asked in the order Next, Default, Choices, Catch), copied
 * where one changes; the state itself when none does (most of a part's states lead within it). */
function retarget(state: State, to: (name: string) => string): State {
  const s = state as unknown as Json;
  const next = typeof s.Next === 'string' ? to(s.Next) : s.Next;
  const fallback = typeof s.Default === 'string' ? to(s.Default) : s.Default;
  const renamed = (list: unknown): unknown => {
    if (!Array.isArray(list)) return list;
    let out: Json[] | undefined;
    (list as Json[]).forEach((c, i) => {
      if (typeof c.Next !== 'string') return;
      const t = to(c.Next);
      if (t !== c.Next) (out ??= [...(list as Json[])])[i] = { ...c, Next: t };
    });
    return out ?? list;
  };
  const choices = renamed(s.Choices);
  const catchers = renamed(s.Catch);
  if (next === s.Next && fallback === s.Default && choices === s.Choices && catchers === s.Catch) return state;
  const copy = { ...s };
  if (next !== s.Next) copy.Next = next;
  if (fallback !== s.Default) copy.Default = fallback;
  if (choices !== s.Choices) copy.Choices = choices;
  if (catchers !== s.Catch) copy.Catch = catchers;
  return copy as unknown as State;
}

/** In a child, the run id and the execution input are the parent's, carried in `$.dagc_split`: a string naming
 * them is rewritten. */
const rewriteContext = (text: string) =>
  text.includes('$$.Execution.')
    ? text.split('$$.Execution.Input').join('$$.Execution.Input.dagc_split.input').split('$$.Execution.Name').join('$$.Execution.Input.dagc_split.run')
    : text;

/** rewriteContext over every string (key or value) of a value. Only the objects and arrays holding such a string
 * are copied; the rest is shared (a 10,000-step chain's parts went through JSON text and back: ~0.2 s). */
function contextRewriter(): (value: unknown) => unknown {
  // A frozen value (shared by many states: build-states.ts) is rewritten once, and its rewrite frozen and shared.
  const frozen = new Map<object, unknown>();
  const visit = (value: unknown): unknown => {
    if (typeof value === 'string') return rewriteContext(value);
    if (value === null || typeof value !== 'object') return value;
    if (Object.isFrozen(value)) {
      let done = frozen.get(value);
      if (done === undefined) {
        done = walk(value);
        if (done !== value) Object.freeze(done);
        frozen.set(value, done);
      }
      return done;
    }
    return walk(value);
  };
  const walk = (value: object): unknown => {
    // A copy is begun at the first member that changes, with the unchanged ones before it: most objects hold
    // no such string, and building a copy of each to throw away was most of this walk's time.
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        const w = visit(item);
        if (out === undefined && w !== item) out = value.slice(0, i);
        out?.push(w);
      }
      return out ?? value;
    }
    const object = value as Json;
    const keys = Object.keys(object);
    let out: Json | undefined;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const k = rewriteContext(key);
      const v = visit(object[key]);
      if (out === undefined && (k !== key || v !== object[key])) {
        out = {};
        for (let j = 0; j < i; j++) setOwn(out, keys[j]!, object[keys[j]!]);
      }
      if (out !== undefined) setOwn(out, k, v);
    }
    return out ?? value;
  };
  return visit;
}

/** A child's states (an offloaded branch's) with the parent's run id and input read from `$.dagc_split`. */
function readParentContext(states: Record<string, State>): Record<string, State> {
  return contextRewriter()(states) as Record<string, State>;
}

/** A branch of a part's entry Choice going to `name`, as written: ~260 bytes and the name twice (its line with
 * \`StringEquals\` broken where the name is long). */
const entryBytes = (name: string) => 300 + 2 * Buffer.byteLength(name, 'utf8');
/** An exit Pass on to `name`, as written: ~215 bytes and the name twice. */
const exitBytes = (name: string) => 240 + 2 * Buffer.byteLength(name, 'utf8');
/** What a state naming an exit instead of its target may grow by: the longer name (`dagc.exit-N`), and a line
 * it held on one line broken (a Catch's `{ "ErrorEquals": …, "Next": … }`). */
const EXIT_REFERENCE_BYTES = 96;

const eventsOf = (state: State, mapWidth: number) => historyOfState(state, { mapWidth });

/**
 * The parent and its parts, or undefined when `machine` fits both quotas as it is. `run`: the name of the state
 * holding the pipeline (dagc.run); undefined for a part that is a branch of a Parallel (offloaded, below) and
 * too large itself: its own states are cut, and they read the run's context from `$.dagc_split` already (so
 * no context Pass, no rewrite), and the part that was to hold them becomes the parent of their parts. `mapWidth`: items per map for the history estimate. `onPart`, when given, is
 * told each part as soon as it is made, in the parts' order (`k` from 1), so that it can be checked while the
 * rest are made (emit-asl.ts, parts-check.ts); it is told none unless the machine is split, and every part it
 * returns.
 */
export function splitMachine(
  machine: StateMachine,
  run: string | undefined,
  limits: AslSplitLimits,
  mapWidth: number,
  onPart?: (part: StateMachine, k: number, text: string | undefined) => void,
  /** A machine's bytes as written (SizeReport.written); the caller may keep the text it measured. */
  measure: (machine: StateMachine) => number = (m) => writtenDefinition(m).bytes,
  level: SplitLevel = FIRST_SPLIT,
): SplitMachine | undefined {
  const route = `$.${level.route}`;
  // The minified text is never longer than the written one: when it is over, the machine is laid out no more.
  const fitsBytes = (m: StateMachine) => compactSize(m) <= limits.definitionBytes && measure(m) <= limits.definitionBytes;
  const fits = estimateHistory(machine, { mapWidth }).events <= limits.historyEvents && fitsBytes(machine);
  if (fits && !level.force) return undefined;
  // Each state is measured as a part will hold it: rewritten to read the parent's context (the terminals a part
  // copies as they are), laid out as a member of its States (json-text.ts). The layout is kept (laidOut) and
  // the part's text is made of it: each state is laid out once (a whole machine's layout took ~0.2 s of a
  // 10,000-step compile).
  const laidOut = new WeakMap<object, { readonly at: string; readonly text: string }>();
  const writer = new JsonWriter(laidOut);
  const inherited = run === undefined;
  const rewrite = inherited ? (state: unknown) => state : contextRewriter();
  const asPart = new Map<string, State>();
  const partState = (name: string, state: State): State => {
    let s = asPart.get(name);
    if (s === undefined) asPart.set(name, (s = terminal.has(name) ? state : (rewrite(state) as State)));
    return s;
  };
  // Each state's bytes are asked for up to four times (a terminal once per state reaching it): counted once.
  const sizes = new Map<string, number>();
  const bytesOf = (name: string, state: State): number => {
    let n = sizes.get(name);
    if (n === undefined) {
      sizes.set(name, (n = writtenStateBytes(name, partState(name, state), writer) + arnGrowth(state)));
    }
    return n;
  };
  // Every state's targets are asked for many times (the order, the parts, their entries and copies): listed once.
  const targetList = new Map<State, string[]>();
  const targetsOf = (state: State): string[] => {
    let list = targetList.get(state);
    if (list === undefined) targetList.set(state, (list = targets(state)));
    return list;
  };
  const held = run === undefined ? undefined : machine.States[run];
  if (run !== undefined && (held?.Type !== 'Parallel' || held.Branches.length !== 1)) return undefined;
  const holder = held as ParallelState | undefined;
  const branch = holder ? holder.Branches[0]! : machine;
  /** The machine with the states of `branch` replaced. */
  const withBranch = (startAt: string, branchStates: Record<string, State>): StateMachine =>
    run === undefined || holder === undefined
      ? { ...machine, StartAt: startAt, States: branchStates }
      : { ...machine, States: { ...machine.States, [run]: { ...holder, Branches: [{ StartAt: startAt, States: branchStates }] } } };
  // Terminal states, and Passes that lead only to Fail states (a step's abort note, dagc.cause → dagc.abort):
  // copied into each part that reaches them. A Pass on the way to a Succeed is a step (a stub) and stays in its
  // part: counting those too made a chain of stubs one terminal run and left it unsplit.
  const terminal = new Set<string>();
  const failing = new Set<string>();
  const all = Object.keys(branch.States);
  const passes: string[] = [];
  for (const name of all) {
    const type = branch.States[name]!.Type;
    if (type === 'Succeed' || type === 'Fail') {
      terminal.add(name);
      if (type === 'Fail') failing.add(name);
    } else if (type === 'Pass') passes.push(name);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of passes) {
      if (failing.has(name)) continue;
      const t = targetsOf(branch.States[name]!);
      if (t.length > 0 && t.every((x) => failing.has(x))) {
        failing.add(name);
        terminal.add(name);
        changed = true;
      }
    }
  }
  // A topological order of the other states (file order where free), the start first. Both are found before
  // any branch is offloaded (which changes no state's type or targets), so that once one is, the machine is split.
  const names = all.filter((n) => !terminal.has(n));
  const index = new Map<string, number>();
  for (let i = 0; i < names.length; i++) index.set(names[i]!, i);
  // Each state's targets among them, once each, by index.
  const after = names.map((n) => {
    const out: number[] = [];
    for (const t of targetsOf(branch.States[n]!)) {
      const j = index.get(t);
      if (j !== undefined && !out.includes(j)) out.push(j);
    }
    return out;
  });
  const indegree = new Int32Array(names.length);
  for (const list of after) for (const j of list) indegree[j]!++;
  const start = index.get(branch.StartAt);
  const ready = new MinHeap<number>((i) => (i === start ? -1 : i));
  for (let i = 0; i < names.length; i++) if (indegree[i] === 0) ready.push(i);
  const order: string[] = [];
  const orderIndex: number[] = [];
  for (let i = ready.pop(); i !== undefined; i = ready.pop()) {
    order.push(names[i]!);
    orderIndex.push(i);
    for (const j of after[i]!) if (--indegree[j]! === 0) ready.push(j);
  }
  if (order.length !== names.length || order[0] !== branch.StartAt) return undefined;

  // A Parallel too large for a part (a wide parallel node): each of its branches runs as a child machine; a Map
  // too large for one (a long chain in its item): its item does. One too large for one part (a long chain) is
  // split in turn: its machine is the parent of its parts, numbered after them (every machine starts only
  // machines made before it), routing by a key of its own.
  const offloaded: StateMachine[] = [];
  const tooLarge = (name: string, s: State) =>
    (s.Type === 'Parallel' || s.Type === 'Map') && (bytesOf(name, s) > limits.definitionBytes / 2 || eventsOf(s, mapWidth) > limits.historyEvents / 2);
  /**
   * `inner` (a Parallel's branch, a Map's item) as a child machine: the part, or, too long for one, its parts
   * and then the machine that starts them. Returns what runs it in the state's place: a Pass giving it the run's
   * context (`context`: where the data does not carry it), then the Task that starts it.
   */
  const offload = (
    name: string,
    by: 'Parallel' | 'Map',
    what: string,
    inner: { StartAt: string; States: Record<string, State> },
    context: boolean,
    /** `rewritten`: its states read the context already; `fits`: it is known to fit one part (measured by a bound). */
    known: { rewritten?: boolean; fits?: boolean } = {},
  ) => {
    const first = level.partsBefore + offloaded.length + 1;
    const comment = (k: number) => `${machine.Comment ?? ''} Part ${k}: ${what} ${name}, started by its ${by} (${START_EXECUTION}).`.trim();
    const whole = {
      Comment: comment(first),
      StartAt: inner.StartAt,
      // In a part already, the states read the run's context from `$.dagc_split`.
      States: inherited || known.rewritten ? inner.States : readParentContext(inner.States),
      ...(machine.TimeoutSeconds !== undefined ? { TimeoutSeconds: machine.TimeoutSeconds } : {}),
    } as StateMachine;
    // Its text, when it was laid out to be measured: the part's file (a part is laid out once).
    let text: string | undefined;
    const fits = () => {
      if (known.fits) return true;
      // (Laid out whatever its size: most fit, and the layout is the part's text then.)
      if (estimateHistory(whole, { mapWidth }).events > limits.historyEvents) return false;
      const written = writtenDefinition(whole);
      text = written.text;
      return deployedBytes(written.bytes, text ?? JSON.stringify(whole)) <= limits.definitionBytes;
    };
    // Too long for one part: its parts first, numbered from `first`, then the machine that starts them.
    const cutLevel: SplitLevel = { partsBefore: first - 1, route: nextSplit(level, first).route, force: true };
    let cut = fits()
      ? undefined
      : splitMachine(
            { ...whole, Comment: `${machine.Comment ?? ''} ${what[0]!.toUpperCase()}${what.slice(1)} ${name}:`.trim() },
            undefined,
            limits,
            mapWidth,
            (p, n, text) => {
              offloaded.push(p);
              onPart?.(p, n, text);
            },
            measure,
            cutLevel,
          );
    // That machine over a limit in turn (a start and a route per part), as the run's parent is (emit-asl.ts):
    // parts of parts, numbered after the parts they start, each level routing by a key of its own; a level that
    // makes it no smaller is dropped, and the machine is reported as it is.
    for (let sub = cutLevel, below = cut?.parts.length ?? 0; cut !== undefined; ) {
      const longest = { ...cut.parent, Comment: comment(99999) };
      if (estimateHistory(longest, { mapWidth }).events <= limits.historyEvents && fitsBytes(longest)) break;
      sub = { ...nextSplit(sub, level.partsBefore + offloaded.length), force: true };
      const made: [StateMachine, number, string | undefined][] = [];
      const above = splitMachine(cut.parent, undefined, limits, mapWidth, (p, n, t) => made.push([p, n, t]), measure, sub);
      if (above === undefined || above.parts.length >= below) break;
      for (const [p, n, t] of made) {
        offloaded.push(p);
        onPart?.(p, n, t);
      }
      below = above.parts.length;
      cut = { parent: above.parent, parts: [...cut.parts, ...above.parts] };
    }
    const k = level.partsBefore + offloaded.length + 1;
    offloaded.push(cut ? { ...cut.parent, Comment: comment(k) } : whole);
    onPart?.(offloaded[offloaded.length - 1]!, k, cut || text === undefined ? new JsonWriter().write(offloaded[offloaded.length - 1]!) : text);
    const start = startPart(k, { End: true });
    if (!context) return { StartAt: `dagc.part-${k}`, States: { [`dagc.part-${k}`]: start } };
    // In a part, its own context is its input's `dagc_split` (the Pass rewritten like the part's states).
    const pass = inherited ? (contextRewriter()(contextPass(`dagc.part-${k}`)) as State) : contextPass(`dagc.part-${k}`);
    return { StartAt: `dagc.part-${k}.context`, States: { [`dagc.part-${k}.context`]: pass, [`dagc.part-${k}`]: start } };
  };
  /** Whether a Parallel of `n` branches, each one starting a part, is over half a part (as tooLarge counts). */
  const startsTooLarge = (n: number): boolean => {
    const start = { StartAt: 'dagc.part-99999.context', States: { 'dagc.part-99999.context': contextPass('dagc.part-99999'), 'dagc.part-99999': startPart(99999, { End: true }) } };
    const bytes = indentedBytes(start, 8) + 2 + ARN_LIMIT;
    const events = estimateHistory(start, { mapWidth }).events + 2;
    return n * bytes > limits.definitionBytes / 2 || n * events > limits.historyEvents / 2;
  };
  /**
   * A Parallel's branches as parts: in the branches' order, as many as fit together in one part (a Parallel of
   * them, ResultPath null like the one they come from: a branch failing fails it, and so the part, and so the
   * Task starting it, which fails the Parallel it is a branch of). For a Parallel too wide to start a part per
   * branch: packing costs a quarter more to compile (200 branches of 50 steps, by instructions: the bounds, and
   * larger machines to lay out and validate), so a part per branch is kept where it fits.
   */
  const offloadBranches = (name: string, branches: readonly StateMachine[]): StateMachine[] => {
    const out: StateMachine[] = [];
    // Room in a part for the branches it runs, each counted at no less than its layout there (in the Branches of
    // the part's one state: 8 columns in), as it will read the run's context; the part is measured whole when it
    // is made (offload).
    const byteBudget = limits.definitionBytes - 4096 - Buffer.byteLength(machine.Comment ?? '', 'utf8');
    // Each branch's states are rewritten to read the context once, here, and measured as they will be written.
    const rewrite = contextRewriter();
    const eventBudget = limits.historyEvents - 100;
    let group: { branch: StateMachine; index: number }[] = [];
    let bytes = 0;
    let events = 0;
    const flush = () => {
      // Within both budgets by the bounds: it fits one part, unless it is one branch over them alone.
      const fits = bytes <= byteBudget && events <= eventBudget;
      if (group.length === 1) out.push(offload(name, 'Parallel', 'a branch of', group[0]!.branch, !inherited, { rewritten: true, fits }));
      else if (group.length > 1) {
        const from = group[0]!.index + 1;
        const to = group[group.length - 1]!.index + 1;
        const parallel = {
          Type: 'Parallel',
          Comment: `branches ${from}–${to} of ${name}, run at once in this part`,
          Branches: group.map((g) => g.branch),
          ResultPath: null,
          End: true,
        } as unknown as State;
        out.push(offload(name, 'Parallel', `branches ${from}–${to} of`, { StartAt: 'dagc.branches', States: { 'dagc.branches': parallel } }, !inherited, { rewritten: true, fits }));
      }
      group = [];
      bytes = 0;
      events = 0;
    };
    branches.forEach((original, index) => {
      const branch = inherited ? original : { StartAt: original.StartAt, States: rewrite(original.States) as Record<string, State> };
      const b = indentedBytes(branch, 8) + 2;
      const e = estimateHistory({ StartAt: branch.StartAt, States: branch.States }, { mapWidth }).events + 2;
      if (group.length && (bytes + b > byteBudget || events + e > eventBudget)) flush();
      group.push({ branch, index });
      bytes += b;
      events += e;
    });
    flush();
    return out;
  };
  // The branch's own states, unless a state is offloaded: then a copy with that state's branches or item replaced.
  let states = branch.States;
  if (Object.keys(branch.States).some((name) => tooLarge(name, branch.States[name]!))) {
    states = {};
    for (const [name, s] of Object.entries(branch.States)) {
      // Only a Parallel or a Map is offloaded: the size of any other state is asked for when it is packed.
      if (!tooLarge(name, s)) setOwn(states, name, s);
      // A branch's data is the Parallel's: in a part, it carries `dagc_split` on.
      // A part per branch, unless the Parallel starting them all would be too large for a part itself.
      else if (s.Type === 'Parallel')
        setOwn(states, name, {
          ...s,
          Branches: startsTooLarge(s.Branches.length) ? offloadBranches(name, s.Branches) : s.Branches.map((b) => offload(name, 'Parallel', 'a branch of', b, !inherited)),
        });
      // An item's data is the ItemSelector's. A Distributed Map's items read the run id and the input there
      // already (build-states.ts), and are child executions of their own: `$$.Execution` is theirs.
      else if (s.Type === 'Map') {
        const processor = s.ItemProcessor;
        const distributed = processor.ProcessorConfig.Mode === 'DISTRIBUTED';
        setOwn(states, name, { ...s, ItemProcessor: { ProcessorConfig: processor.ProcessorConfig, ...offload(name, 'Map', 'the item of', processor, !distributed) } });
      }
      sizes.delete(name);
      asPart.delete(name);
    }
  }
  const withOffloaded = (): StateMachine => withBranch(branch.StartAt, states);
  if (offloaded.length) {
    const parent = withOffloaded();
    if (estimateHistory(parent, { mapWidth }).events <= limits.historyEvents && fitsBytes(parent)) return { parent, parts: offloaded };
  }
  const offset = level.partsBefore + offloaded.length;

  // Parts by size and events, leaving room for the entry Choice, the exits and the terminals each part copies.
  // Only the terminals a part's own states reach count against its bytes (there may be one per step, e.g. a
  // Pass noting a task's abort: counting every one against every part made parts shrink as the pipeline grew,
  // down to one state each from ~6,000 steps, issue 16).
  const reached = new Map<string, readonly string[]>();
  const reach = (t: string): readonly string[] => {
    const known = reached.get(t);
    if (known) return known;
    reached.set(t, [t]);
    const all = new Set([t]);
    for (const x of targetsOf(states[t]!)) if (terminal.has(x)) for (const y of reach(x)) all.add(y);
    const list = [...all];
    reached.set(t, list);
    return list;
  };
  // Room for the part's own lines (its Comment, the parent's and a few words more; StartAt; its entry Choice but
  // for the branches; TimeoutSeconds), and a margin for what the estimates below miss.
  const byteBudget = limits.definitionBytes - 4096 - 1024 - Buffer.byteLength(machine.Comment ?? '', 'utf8');
  const eventBudget = limits.historyEvents - 100;
  /** Where each state went: its part's index from 1, counting the cut parts only (not the offloaded ones). */
  const partOf = new Map<string, number>();
  // Which earlier states lead to each state, in the order of the transitions: a part's entries are the states
  // of it that a state of an earlier part leads to (the order is topological, so no later part leads back).
  // (By the states' indices in `names`; the earlier states by their places in the order.)
  const leadsInto: number[][] = names.map(() => []);
  for (let p = 0; p < orderIndex.length; p++) for (const j of after[orderIndex[p]!]!) leadsInto[j]!.push(p);
  const parts: string[][] = [];
  const entries: Set<string>[] = [];
  const exitTargets: string[][] = [];
  const children: StateMachine[] = [];
  /** Makes the child machine of the part just cut (`members`, the i-th from 0) and tells it. */
  const makeChild = (members: string[]): void => {
    const i = parts.length;
    parts.push(members);
    for (const n of members) partOf.set(n, i + 1);
    // The entries: the start (part 1), then each state a state of an earlier part leads to, in the order of
    // those transitions (the earlier state's place in the order, then its targets' order).
    const found: [number, string][] = [];
    for (const t of members) for (const from of leadsInto[index.get(t)!]!) if (partOf.get(order[from]!) !== i + 1) found.push([from, t]);
    found.sort((a, b) => a[0] - b[0]);
    const routed = new Set<string>(i === 0 ? [branch.StartAt] : []);
    // One state's transitions to two entries: in its targets' order.
    for (let j = 0; j < found.length; ) {
      const from = found[j]![0];
      const here = new Set<string>();
      for (; j < found.length && found[j]![0] === from; j++) here.add(found[j]![1]);
      for (const t of targetsOf(states[order[from]!]!)) if (here.has(t)) routed.add(t);
    }
    entries.push(routed);
    const k = offset + i + 1;
    const own = new Set(members);
    const out: Record<string, State> = {};
    const exits = new Map<string, string>();
    const copied = new Set<string>();
    const copy = (t: string) => {
      if (copied.has(t)) return;
      copied.add(t);
      for (const x of targetsOf(states[t]!)) copy(x);
    };
    const to = (t: string): string => {
      if (own.has(t)) return t;
      if (terminal.has(t)) {
        copy(t);
        return t;
      }
      let exit = exits.get(t);
      if (!exit) {
        exit = `dagc.exit-${exits.size + 1}`;
        exits.set(t, exit);
      }
      return exit;
    };
    const entry = 'dagc.entry-part';
    const body: Record<string, State> = {};
    for (const n of members) setOwn(body, n, retarget(partState(n, states[n]!), to));
    // The comments name no later part: a part is made before the cuts after it are known.
    out[entry] = {
      Type: 'Choice',
      Comment: `part ${k}: starts where the parent's ${route}.entry says`,
      Choices: [...routed].map((t) => ({ And: [{ Variable: `${route}.entry`, IsPresent: true }, { Variable: `${route}.entry`, StringEquals: t }], Next: t })),
      Default: members[0]!,
    } as unknown as ChoiceState;
    // (No state name holds '$': ASL_NAME_RULES. The states are rewritten already: partState.)
    for (const [n, s] of Object.entries(body)) setOwn(out, n, s);
    for (const t of [...terminal].filter((x) => copied.has(x))) setOwn(out, t, states[t]!);
    exitTargets.push([...exits.keys()]);
    for (const [t, exit] of exits)
      out[exit] = { Type: 'Pass', Comment: `on to ${t}, in a later part (the parent routes it)`, Result: { exit: t }, ResultPath: route, End: true } as unknown as PassState;
    const child = {
      Comment: `${machine.Comment ?? ''} Part ${k}, started by the parent machine (${START_EXECUTION}).`.trim(),
      StartAt: entry,
      States: out,
      ...(machine.TimeoutSeconds !== undefined ? { TimeoutSeconds: machine.TimeoutSeconds } : {}),
    } as StateMachine;
    children.push(child);
    // Its text, from each state's layout kept when it was measured (the last state is laid out again: no ','
    // follows it, which may let it fit one line), the same as laying the part out whole.
    if (onPart) onPart(child, k, writer.write(child));
  };
  let current: string[] = [];
  let copied = new Set<string>();
  let bytes = 0;
  let events = 0;
  /** The bytes of the terminals `n` reaches that the part does not copy yet. */
  const newTerminalBytes = (n: string, into?: Set<string>): number => {
    let total = 0;
    const seen = new Set<string>();
    for (const t of targetsOf(states[n]!))
      if (terminal.has(t))
        for (const y of reach(t))
          if (!copied.has(y) && !seen.has(y)) {
            seen.add(y);
            total += bytesOf(y, states[y]!);
            into?.add(y);
          }
    return total;
  };
  // What the part's entries and exits add, as they arise: a state that a state of an earlier part leads to is an
  // entry (a branch of the part's Choice); each target of the part's states not in it (yet) is an exit, with its
  // Pass and what the states naming it grow by, taken back when the target joins the part.
  let exits = new Map<string, number>();
  const addedBy = (n: string, j: number, fresh: boolean): number => {
    let total = 0;
    const entry = fresh ? leadsInto[j]!.length > 0 : leadsInto[j]!.some((p) => partOf.has(order[p]!));
    if (entry || (parts.length === 0 && n === branch.StartAt)) total += entryBytes(n);
    if (!fresh) total -= exits.get(n) ?? 0;
    for (const t of after[j]!) total += (fresh || !exits.has(names[t]!) ? exitBytes(names[t]!) : 0) + EXIT_REFERENCE_BYTES;
    return total;
  };
  // Each part is made as soon as it is cut, so that it can be checked while the rest are cut (onPart).
  for (const n of order) {
    const j = index.get(n)!;
    // Each state may add an exit Pass and an entry branch, 2 events.
    const own = bytesOf(n, states[n]!);
    const e = eventsOf(states[n]!, mapWidth) + 2;
    if (current.length && (bytes + own + addedBy(n, j, false) + newTerminalBytes(n) > byteBudget || events + e > eventBudget)) {
      makeChild(current);
      current = [];
      copied = new Set();
      exits = new Map();
      bytes = 0;
      events = 0;
    }
    bytes += own + addedBy(n, j, current.length === 0 && parts.length > 0) + newTerminalBytes(n, copied);
    current.push(n);
    exits.delete(n);
    for (const t of after[j]!) exits.set(names[t]!, (exits.get(names[t]!) ?? exitBytes(names[t]!)) + EXIT_REFERENCE_BYTES);
    events += e;
  }
  // A machine over a limit whose states fit one part (dagc's own states around them made it too large) is one
  // part and the parent that starts it.
  makeChild(current);

  // The parent's pipeline: the context for the children (unless it is carried already), then each part and the
  // Choice that routes on from it.
  const pipeline: Record<string, State> = inherited ? {} : { 'dagc.split': contextPass(`dagc.part-${offset + 1}`) };
  const enter = new Map<string, string>();
  parts.forEach((_, i) => {
    const k = offset + i + 1;
    for (const t of entries[i]!) if (i > 0) enter.set(t, `dagc.enter-${k}-${enter.size + 1}`);
  });
  parts.forEach((_, i) => {
    const k = offset + i + 1;
    pipeline[`dagc.part-${k}`] = startPart(k, { Next: `dagc.part-${k}.route` });
    const leaving = exitTargets[i]!;
    pipeline[`dagc.part-${k}.route`] = {
      Type: 'Choice',
      Comment: `where part ${k} left the run (${route}.exit), or the end of the pipeline`,
      Choices: leaving.map((t) => ({ And: [{ Variable: `${route}.exit`, IsPresent: true }, { Variable: `${route}.exit`, StringEquals: t }], Next: enter.get(t)! })),
      Default: 'dagc.split-end',
    } as unknown as ChoiceState;
  });
  for (const [t, name] of enter)
    pipeline[name] = { Type: 'Pass', Comment: `enters part ${offset + partOf.get(t)!} at ${t}`, Result: { entry: t }, ResultPath: route, Next: `dagc.part-${offset + partOf.get(t)!}` } as unknown as PassState;
  pipeline['dagc.split-end'] = { Type: 'Succeed', Comment: 'the last part ended the pipeline' } as unknown as State;
  // A route Choice with no rule is invalid ASL: such a part only ends the pipeline.
  for (let k = offset + 1; k <= offset + parts.length; k++) {
    const route = pipeline[`dagc.part-${k}.route`] as unknown as Json;
    if ((route.Choices as unknown[]).length === 0) {
      delete pipeline[`dagc.part-${k}.route`];
      (pipeline[`dagc.part-${k}`] as unknown as Json).Next = 'dagc.split-end';
    }
  }
  const parent = withBranch(inherited ? `dagc.part-${offset + 1}` : 'dagc.split', pipeline);
  return { parent, parts: [...offloaded, ...children] };
}

/** The run id and the execution input in `$.dagc_split`, for the child machines (their $$.Execution is their own). */
function contextPass(next: string): State {
  return {
    Type: 'Pass',
    Comment: 'the run id and the execution input, for the child machines (their $$.Execution is their own)',
    Parameters: { 'run.$': '$$.Execution.Name', 'input.$': '$$.Execution.Input' },
    ResultPath: '$.dagc_split',
    Next: next,
  } as unknown as State;
}

/** The Task that runs part k and waits for it; the child's output (JSON with :2) is the run's data from there on. */
function startPart(k: number, then: { Next: string } | { End: true }): State {
  return {
    Type: 'Task',
    Comment: `runs part ${k} (a child machine), waiting for it`,
    Resource: START_EXECUTION,
    Parameters: { StateMachineArn: `\${${partKey(k)}}`, 'Input.$': '$' },
    ResultPath: '$.dagc_part',
    OutputPath: '$.dagc_part.Output',
    ...then,
  } as unknown as State;
}

/**
 * The CloudFormation that wires a split machine: each part an AWS::StepFunctions::StateMachine, and the parent
 * whose DefinitionSubstitutions give `${dagcPart<k>}` the part's ARN (Ref of a state machine is its ARN). The role
 * is a parameter: it must allow what the jobs need and, for the parts, states:StartExecution, DescribeExecution,
 * StopExecution and the EventBridge rule a .sync call manages (AWS docs, "IAM policies for nested workflows").
 *
 * Each machine's definition is the file written beside the stack, named by a local path in DefinitionS3Location:
 * `aws cloudformation package` uploads each file to S3 and puts its Bucket and Key there (its artifact exporter
 * knows this property; cfn-lint says W3002, "may only work with 'package'"). Inline (DefinitionString), the
 * definitions made the template as large as the machine, ~18 MB for a 10,000-step chain, where CloudFormation
 * takes at most 1 MB from S3 (issue 16).
 */
export function splitStack(
  dagHash: string,
  /** The files of the parent and of each part, in that order, relative to the stack's folder. */
  files: readonly string[],
  /** JSON.stringify of the parent and of each part, in the same order: the parts each one starts are read there. */
  texts: readonly string[],
): Record<string, unknown> {
  const parts = files.length - 1;
  // CloudFormation substitutes a machine's own DefinitionSubstitutions only: each machine names the parts it
  // starts (the parent; a part holding a wide Parallel whose branches are parts).
  const substitutions = (text: string) => {
    const keys = [...new Set([...text.matchAll(/"\$\{(dagcPart(\d+))\}"/g)].map((m) => Number(m[2])))].sort((a, b) => a - b);
    return keys.length ? { DefinitionSubstitutions: Object.fromEntries(keys.map((k) => [partKey(k), { Ref: `Part${k}` }])) } : {};
  };
  const resources: Record<string, unknown> = {};
  for (let i = 0; i < parts; i++)
    resources[`Part${i + 1}`] = {
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { RoleArn: { Ref: 'RoleArn' }, DefinitionS3Location: files[i + 1], ...substitutions(texts[i + 1]!) },
    };
  resources.StateMachine = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: { RoleArn: { Ref: 'RoleArn' }, DefinitionS3Location: files[0], ...substitutions(texts[0]!) },
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `dagc pipeline ${dagHash.slice(0, 12)}: a state machine split into ${parts} child machines (dagc compile --target asl); deploy with aws cloudformation package, which uploads the definitions, then aws cloudformation deploy`,
    Parameters: { RoleArn: { Type: 'String', Description: 'the role of every machine: the jobs it runs, and states:StartExecution/DescribeExecution/StopExecution plus events:PutTargets/PutRule/DescribeRule on StepFunctionsGetEventsForStepFunctionsExecutionRule' } },
    Resources: resources,
    Outputs: { StateMachineArn: { Value: { Ref: 'StateMachine' } } },
  };
}
