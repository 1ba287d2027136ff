// `dagc emulate --target asl --engine localstack`: a second interpreter as judge. The run is the asl emulator's
// (aws-local-stepfunctions, aws-local.ts), with every step through the real entrypoint, once; what it recorded
// (localstack-record.ts: each Task call's request and outcome, each execution's state events) is then replayed
// under LocalStack's ASL interpreter, the one the Python package moto ships (moto/stepfunctions/parser), by
// python/dagc_localstack_judge.py: the same compiled definition, the same execution names and inputs, each Task's
// outcome taken from the record, so that the second interpreter decides the control flow on its own (Retry,
// Catch, Choice, Parallel, Map, the paths, Fail). The two traces are then compared: per execution, the final
// status (and error), and the state events in order, per branch where the order is defined:
//  - events are grouped by the branch or map iteration they ran in (a state's scope, and the index of the
//    outermost map iteration, which is all aws-local-stepfunctions tells of where an event ran); a group holding
//    several runs of its scope (a map inside a map iteration) is compared as a multiset, since their
//    interleaving is timing;
//  - when a Parallel or Map fails (an error in one branch or iteration), which of its other branches were cut
//    short, and where, is timing too: there only the branches that ended in an error are compared, as a set.
// The runs agree, or the emulation exits 2 with the differences (and --json shows both traces).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { packageRoot } from '../../core/package-root.js';
import { spawnPiped } from '../../core/spawn-piped.js';
import type { State, StateMachine } from '../../emit/asl/asl-types.js';
import type { CompiledFile } from '../../emit/types.js';
import type { EmulateResult } from '../types.js';
import { AslRecorder } from './localstack-record.js';
import type { RecordedExecution, TraceEvent } from './localstack-record.js';
import { awsLocalEmulator, definitionOf, inlineDistributedMaps } from './aws-local.js';
import type { RecordedOptions } from './aws-local.js';

/** The emulator's retry waits, 1 ms per second of IntervalSeconds (aws-local.ts): the judge scales its own the same. */
const RETRY_SCALE = 0.001;
export const INSTALL_HINT = 'pip install "moto[server]>=5,<6" (or set DAGC_PYTHON to a python3 that has it)';

/** The judge's view of one execution (python/dagc_localstack_judge.py). */
export interface JudgedExecution {
  readonly name: string;
  readonly status: string;
  readonly error?: string | null;
  readonly cause?: string | null;
  readonly events: TraceEvent[];
  readonly unrecorded: { state: string; request: unknown }[];
  /** Calls matched despite a known difference of aws-local-stepfunctions (KNOWN_DIFFERENCES). */
  readonly known: { state: string; difference: keyof typeof KNOWN_DIFFERENCES; request: unknown }[];
}

/**
 * Differences of aws-local-stepfunctions from Step Functions that the judge allows, with the evidence. The
 * calls they affect are still matched, and reported as notes, not as disagreements.
 */
export const KNOWN_DIFFERENCES = {
  backslashes:
    'aws-local-stepfunctions 3.0.0 drops every backslash from the string an intrinsic function returns ' +
    '(BaseIntrinsicFunction.call: result.replaceAll("\\", "")): States.JsonToString of a text with a quote in it ' +
    'gives invalid JSON ({"a":"q"uote"}), where Step Functions gives {"a":"q\\"uote"} (AWS Step Functions ' +
    'developer guide, "Intrinsic functions for JSONPath states": States.JsonToString gives the data as escaped JSON); ' +
    "LocalStack's interpreter escapes",
  statesNameRefused:
    "LocalStack's interpreter (moto 5.2) refuses an error name that begins with \"States.\" when it is passed on by a " +
    "Fail state's ErrorPath or by a failed Parallel branch or Map iteration (CustomErrorName raises ValueError, and " +
    'the state fails with an uncatchable States.Runtime), where Step Functions reports the name as it is (AWS Step ' +
    'Functions developer guide, "Fail workflow state" and "Parallel workflow state"); dagc passes on States.Timeout ' +
    'that way. The judge lets the name through',
  runtimeUncatchable:
    "LocalStack's interpreter (moto 5.2) lets a States.ALL catcher or retrier take States.Runtime and " +
    'States.DataLimitExceeded (ErrorEqualsDecl matches States.ALL with every name), where Step Functions does not (AWS ' +
    'Step Functions developer guide, "Handling errors in Step Functions workflows", States.ALL: it cannot catch the ' +
    'States.DataLimitExceeded terminal error or Runtime error types). The judge holds LocalStack to the guide',
  lostTail:
    'aws-local-stepfunctions forwards the events of a branch or iteration to the execution\'s log asynchronously and ' +
    'drops those that arrive after the execution ended (EventLogger.dispatch after close): the last Pass/Succeed/Choice ' +
    'events of a branch ending with the execution are missing from its log',
} as const;

/** One execution as compared: status, and the state events by branch (see the header). */
export interface ComparedForm {
  readonly status: string;
  readonly error: string | null;
  /** Per group (scope and outermost map index): the events in order, or sorted where several runs share it. */
  readonly groups: Record<string, string[]>;
  /** Per scope under a failed Parallel or Map: the distinct event sequences of the runs that ended in an error. */
  readonly failedRuns: Record<string, string[]>;
}

export interface Difference {
  readonly execution: string;
  readonly what: string;
  readonly awsLocal: unknown;
  readonly localstack: unknown;
}

export interface Judgement {
  readonly moto: string;
  /** The definition both ran (as compiled), so that the judge can be run again by hand. */
  readonly definition: StateMachine;
  readonly agree: boolean;
  readonly differences: Difference[];
  readonly known: { execution: string; state: string; difference: string }[];
  readonly executions: { name: string; awsLocal: RecordedExecution; localstack: JudgedExecution }[];
}

function pythonOf(env: Readonly<Record<string, string | undefined>>): string {
  return env.DAGC_PYTHON || 'python3';
}

/** The judge's environment: the caller's, less AWS settings (the interpreter runs against moto, in process) and dagc's. */
function judgeEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) if (!k.startsWith('AWS_') && !k.startsWith('DAGC_')) out[k] = v;
  return out;
}

async function runJudge(python: string, args: string[], env: Readonly<Record<string, string | undefined>>): Promise<{ code: number | null; stdout: string; stderr: string; error?: string }> {
  let stdout = '';
  let stderr = '';
  const script = path.join(packageRoot(), 'python', 'dagc_localstack_judge.py');
  const ran = await spawnPiped(python, [script, ...args], {
    env: judgeEnv(env),
    out: (t) => (stdout += t),
    err: (t) => (stderr += t),
  });
  return { code: ran.code, stdout, stderr, ...(ran.error !== undefined ? { error: ran.error } : {}) };
}

/** moto's version, or why LocalStack's interpreter cannot run here. */
export async function probeLocalstack(env: Readonly<Record<string, string | undefined>>): Promise<{ version: string } | { missing: string }> {
  const python = pythonOf(env);
  const ran = await runJudge(python, ['--probe'], env);
  if (ran.error !== undefined) return { missing: `cannot start ${python}: ${ran.error}` };
  if (ran.code !== 0) return { missing: `${python} cannot import moto's Step Functions interpreter (${(ran.stdout + ran.stderr).trim().split('\n').pop() ?? ''})` };
  return { version: ran.stdout.trim() };
}

/** Where each state runs: its scope ('' the machine, 'P[i]' branch i of Parallel P, 'M[*]' the iterations of Map M). */
interface Scope {
  readonly start: string;
  readonly parent?: { readonly scope: string; readonly state: string };
  /** The iterations of a Map that is in no map: their events carry their own index (the Map's events none). */
  readonly indexedHere: boolean;
}

function scopesOf(definition: StateMachine): { scopeOf: Map<string, string>; scopes: Map<string, Scope> } {
  const scopeOf = new Map<string, string>();
  const scopes = new Map<string, Scope>([['', { start: definition.StartAt, indexedHere: false }]]);
  const walk = (states: Record<string, State>, scope: string, inMap: boolean) => {
    for (const [name, state] of Object.entries(states)) {
      scopeOf.set(name, scope);
      if (state.Type === 'Parallel')
        state.Branches.forEach((b, i) => {
          const id = `${name}[${i}]`;
          scopes.set(id, { start: b.StartAt, parent: { scope, state: name }, indexedHere: false });
          walk(b.States, id, inMap);
        });
      if (state.Type === 'Map') {
        const id = `${name}[*]`;
        scopes.set(id, { start: state.ItemProcessor.StartAt, parent: { scope, state: name }, indexedHere: !inMap });
        walk(state.ItemProcessor.States, id, true);
      }
    }
  };
  walk(definition.States, '', false);
  return { scopeOf, scopes };
}

/**
 * The emulator runs a Distributed Map as a Task of the map's name (its ItemReader) and an inline map renamed
 * (inlineDistributedMaps): the inline map's name → the map's, as the judge runs the definition as compiled.
 */
function inlinedMaps(definition: StateMachine): Map<string, string> {
  const readers = new Set<string>();
  const find = (states: Record<string, State>) => {
    for (const [name, state] of Object.entries(states)) {
      if (state.Type === 'Map' && state.ItemReader) readers.add(name);
      if (state.Type === 'Parallel') for (const b of state.Branches) find(b.States);
      if (state.Type === 'Map') find(state.ItemProcessor.States);
    }
  };
  find(definition.States);
  const out = new Map<string, string>();
  const walk = (states: Record<string, State>) => {
    for (const [name, state] of Object.entries(states)) {
      if (readers.has(name) && state.Type === 'Task' && state.Next !== undefined) out.set(state.Next, name);
      if (state.Type === 'Parallel') for (const b of state.Branches) walk(b.States);
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  if (readers.size) walk(inlineDistributedMaps(definition.States));
  return out;
}

const token = (e: TraceEvent) => `${e.kind} ${e.state}${e.error !== undefined ? ` (${e.error})` : ''}`;

/** An execution's trace in the compared form (the header says why each rule). */
export function comparedForm(definition: StateMachine, status: string, error: string | null | undefined, events: readonly TraceEvent[], renamed = new Map<string, string>()): ComparedForm {
  const { scopeOf, scopes } = scopesOf(definition);
  const byGroup = new Map<string, TraceEvent[]>();
  for (const raw of events) {
    const e = renamed.has(raw.state) ? { ...raw, state: renamed.get(raw.state)! } : raw;
    const key = `${scopeOf.get(e.state) ?? '?'}#${e.index ?? ''}`;
    byGroup.set(key, [...(byGroup.get(key) ?? []), e]);
  }
  // The emulator's ItemReader Task exits and its inline map is entered at once: one state in the definition.
  const mapNames = new Set(renamed.values());
  if (mapNames.size)
    for (const [key, list] of byGroup) {
      const kept: TraceEvent[] = [];
      for (const e of list) {
        const last = kept[kept.length - 1];
        if (mapNames.has(e.state) && e.kind === 'entered' && last?.kind === 'exited' && last.state === e.state) kept.pop();
        else kept.push(e);
      }
      byGroup.set(key, kept);
    }
  const runsIn = (key: string, list: readonly TraceEvent[]) => list.filter((e) => e.kind === 'entered' && e.state === scopes.get(key.split('#')[0]!)?.start).length;
  const parentKey = (key: string): string | undefined => {
    const [scope, index] = key.split('#') as [string, string];
    const s = scopes.get(scope);
    return s?.parent ? `${s.parent.scope}#${s.indexedHere ? '' : index}` : undefined;
  };
  const cut = new Map<string, boolean>();
  const isCut = (key: string): boolean => {
    const known = cut.get(key);
    if (known !== undefined) return known;
    const parent = parentKey(key);
    const state = scopes.get(key.split('#')[0]!)?.parent?.state;
    const value = parent !== undefined && (isCut(parent) || (byGroup.get(parent) ?? []).some((e) => e.state === state && e.kind !== 'entered' && e.kind !== 'exited'));
    cut.set(key, value);
    return value;
  };
  const groups: Record<string, string[]> = {};
  const failedRuns: Record<string, Set<string>> = {};
  for (const key of [...byGroup.keys()].sort()) {
    const list = byGroup.get(key)!;
    const tokens = list.map(token);
    const runs = runsIn(key, list);
    if (isCut(key)) {
      const scope = key.split('#')[0]!;
      if (runs === 1 && list[list.length - 1]?.kind === 'fail') (failedRuns[scope] ??= new Set()).add(tokens.join(' → '));
      continue;
    }
    groups[key] = runs > 1 ? [...tokens].sort() : tokens;
  }
  return {
    status,
    error: status === 'FAILED' ? (error ?? null) : null,
    groups,
    failedRuns: Object.fromEntries(Object.entries(failedRuns).map(([k, v]) => [k, [...v].sort()])),
  };
}

/** The differences between the two engines' forms of one execution. */
/** The type of every state of a definition, branches and iterations included. */
function stateTypes(definition: StateMachine): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (states: Record<string, State>) => {
    for (const [name, state] of Object.entries(states)) {
      out.set(name, state.Type);
      if (state.Type === 'Parallel') for (const b of state.Branches) walk(b.States);
      if (state.Type === 'Map') walk(state.ItemProcessor.States);
    }
  };
  walk(definition.States);
  return out;
}

/**
 * aws-local-stepfunctions passes a branch's (an iteration's) events on to the execution's log asynchronously, and
 * drops those that arrive once the execution has ended (EventLogger.dispatch after close): the last events of a
 * branch that ends with the execution can be missing from its log. Such a tail is of states that take no time
 * (Pass, Succeed, Choice: entered, exited); a group whose recorded events are the judge's less such a tail is
 * taken as the same, and reported as that known difference.
 */
function lostTail(a: readonly string[], b: readonly string[], types: ReadonlyMap<string, string>): boolean {
  if (a.length >= b.length || a.some((t, i) => t !== b[i])) return false;
  return b.slice(a.length).every((t) => {
    const [kind, ...rest] = t.split(' ');
    return (kind === 'entered' || kind === 'exited') && ['Pass', 'Succeed', 'Choice'].includes(types.get(rest.join(' ')) ?? '');
  });
}

function differences(execution: string, a: ComparedForm, b: ComparedForm, unrecorded: JudgedExecution['unrecorded'], types: ReadonlyMap<string, string>, known: Judgement['known']): Difference[] {
  const out: Difference[] = [];
  if (a.status !== b.status || a.error !== b.error) out.push({ execution, what: 'final status', awsLocal: [a.status, a.error], localstack: [b.status, b.error] });
  for (const key of [...new Set([...Object.keys(a.groups), ...Object.keys(b.groups)])].sort())
    if (key.split('#')[0] !== '' && lostTail(a.groups[key] ?? [], b.groups[key] ?? [], types)) known.push({ execution, state: key, difference: 'lostTail' });
    else if (JSON.stringify(a.groups[key] ?? []) !== JSON.stringify(b.groups[key] ?? []))
      out.push({ execution, what: `events of ${key.replace(/#$/, '') || 'the machine'}`, awsLocal: a.groups[key] ?? [], localstack: b.groups[key] ?? [] });
  for (const key of [...new Set([...Object.keys(a.failedRuns), ...Object.keys(b.failedRuns)])].sort())
    if (JSON.stringify(a.failedRuns[key] ?? []) !== JSON.stringify(b.failedRuns[key] ?? []))
      out.push({ execution, what: `failed runs of ${key}`, awsLocal: a.failedRuns[key] ?? [], localstack: b.failedRuns[key] ?? [] });
  for (const call of unrecorded) out.push({ execution, what: `a Task call the recorded run never made: ${call.state}`, awsLocal: null, localstack: call.request });
  return out;
}

/** Replays the recorded executions under LocalStack's interpreter and compares the traces. */
export async function judge(definition: StateMachine, recorded: readonly RecordedExecution[], env: Readonly<Record<string, string | undefined>>): Promise<Judgement> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-localstack-'));
  // The request is kept when the judge fails, to run it again by hand.
  let keep = false;
  try {
    const requestFile = path.join(dir, 'request.json');
    // A part of a split machine is an execution of its own, replayed against its own definition.
    const request = {
      definition,
      retryScale: RETRY_SCALE,
      executions: recorded.map((e) => ({ name: e.name, input: e.input, ...(e.definition !== undefined ? { definition: e.definition } : {}), calls: e.calls.filter((c) => c.outcome !== undefined) })),
    };
    writeFileSync(requestFile, JSON.stringify(request));
    const python = pythonOf(env);
    const ran = await runJudge(python, [requestFile], env);
    if (ran.error !== undefined || ran.code !== 0) {
      keep = true;
      throw new Error(`LocalStack's interpreter (${python} dagc_localstack_judge.py ${requestFile}) failed: ${ran.error ?? `exit ${ran.code}`}\n${ran.stderr.trim()}`);
    }
    const verdict = JSON.parse(ran.stdout) as { moto: string; executions: JudgedExecution[] };
    const all: Difference[] = [];
    const known: Judgement['known'] = [];
    const executions = recorded.map((awsLocal, i) => {
      const localstack = verdict.executions[i]!;
      const ran = (awsLocal.definition as StateMachine | undefined) ?? definition;
      const types = stateTypes(ran);
      const a = comparedForm(ran, awsLocal.status, awsLocal.error, awsLocal.events, inlinedMaps(ran));
      const b = comparedForm(ran, localstack.status, localstack.error, localstack.events);
      all.push(...differences(awsLocal.name, a, b, localstack.unrecorded, types, known));
      for (const k of localstack.known) known.push({ execution: awsLocal.name, state: k.state, difference: k.difference });
      return { name: awsLocal.name, awsLocal, localstack };
    });
    return { moto: verdict.moto, definition, agree: all.length === 0, differences: all, known, executions };
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
}

function describeDifference(d: Difference): string {
  const show = (v: unknown) => (Array.isArray(v) ? (v.length ? `\n      ${v.map(String).join('\n      ')}` : ' (none)') : ` ${JSON.stringify(v)}`);
  return `  ${d.execution}: ${d.what}\n    aws-local-stepfunctions:${show(d.awsLocal)}\n    localstack:${show(d.localstack)}`;
}

export async function emulateJudged(files: readonly CompiledFile[], options: RecordedOptions): Promise<EmulateResult> {
  // Before any step runs: without moto there is no judge, and the run would be the default engine's.
  const probe = await probeLocalstack(options.env);
  if ('missing' in probe) throw new UserError(`--engine localstack needs LocalStack's ASL interpreter, the Python package moto: ${probe.missing}`, INSTALL_HINT);
  const record = new AslRecorder();
  const recorded: RecordedOptions = { ...options, engine: undefined, record };
  const ran = await awsLocalEmulator.emulate(files, recorded);
  await record.settled();
  const file = files[0];
  if (!file) throw new Error('the asl target compiled no definition (dagc bug)');
  const judgement = await judge(definitionOf(file.text), record.executions, options.env);
  const events = judgement.executions.reduce((n, e) => n + e.localstack.events.length, 0);
  const summary = judgement.executions.map((e) => `${e.name} ${e.localstack.status}`).join(', ');
  for (const kind of new Set(judgement.known.map((k) => k.difference)))
    options.err(
      `dagc emulate: note: ${judgement.known
        .filter((k) => k.difference === kind)
        .map((k) => `${k.execution} ${k.state}`)
        .join(', ')}: a known difference, ${KNOWN_DIFFERENCES[kind as keyof typeof KNOWN_DIFFERENCES] ?? kind}\n`,
    );
  if (judgement.agree) {
    options.err(`dagc emulate: LocalStack's interpreter (moto ${judgement.moto}) agrees: ${summary}, ${events} state events\n`);
    return { ...ran, engine: `${ran.engine}; LocalStack's interpreter (moto ${judgement.moto}) agrees`, details: judgement };
  }
  options.err(`dagc emulate: the engines disagree (aws-local-stepfunctions, LocalStack's interpreter from moto ${judgement.moto}):\n${judgement.differences.map(describeDifference).join('\n')}\n`);
  return { exitCode: 2, engine: `${ran.engine}; LocalStack's interpreter (moto ${judgement.moto}) disagrees`, details: judgement };
}
