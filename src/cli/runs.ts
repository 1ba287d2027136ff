// `dagc runs list` and `dagc runs show <run-id>`: what the run log store holds, for people (an aligned table,
// a step tree) and for tools (`--json`: the run list, or the whole run log as DESIGN.md §7 promises). The store
// is the config's run_log_store; without -c the defaults apply, which is where runs made with defaults went.
import type { Command, Io, ParsedArgs } from './types.js';
import { UsageError, UserError, requirePositional, stringOption } from './types.js';
import { hasErrors } from '../core/diagnostics.js';
import { didYouMean } from '../core/suggest.js';
import type { RunLog, RunLogStore, RunRecord, StepLog } from '../services/run-log/types.js';
import { RunLogNotFoundError } from '../services/run-log/types.js';
import { ENGINE_RUNS_OPTIONS } from './engine-runs-options.js';
import { stringifyJson } from '../core/py-float.js';

const SUBCOMMANDS = ['list', 'show', 'close'] as const;

/** Status colours, used only on a terminal that has not asked for none (NO_COLOR). */
const STATUS_COLOURS: Record<string, number> = {
  SUCCESS: 32,
  FAIL: 31,
  PROCESSING: 33,
  CREATED: 33,
  TRIGGERED: 36,
};

export interface FormatOptions {
  color: boolean;
}

function paintStatus(status: string, opts: FormatOptions): string {
  const code = STATUS_COLOURS[status];
  return opts.color && code ? `\u001b[${code}m${status}\u001b[39m` : status;
}

export function formatSeconds(seconds: number): string {
  return `${seconds.toFixed(3)}s`;
}

/** Seconds between two ISO times, or undefined while the run has not ended. */
function runSeconds(record: RunRecord): number | undefined {
  if (!record.ended_at) return undefined;
  const ms = Date.parse(record.ended_at) - Date.parse(record.created_at);
  return Number.isFinite(ms) ? ms / 1000 : undefined;
}

/** Newest first by creation time (parsed: offsets differ between machines), ties by id, newest-looking first. */
export function sortNewestFirst(records: readonly RunRecord[]): RunRecord[] {
  const time = (r: RunRecord) => {
    const t = Date.parse(r.created_at);
    return Number.isFinite(t) ? t : -Infinity;
  };
  return [...records].sort(
    (a, b) => time(b) - time(a) || (a.run_id < b.run_id ? 1 : a.run_id > b.run_id ? -1 : 0),
  );
}

/** Rows padded to their columns; `right` columns are right-aligned; colours are added after padding. */
function alignRows(
  rows: readonly (readonly string[])[],
  right: ReadonlySet<number>,
  paint: (col: number, cell: string) => string,
): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => {
        const pad = ' '.repeat((widths[i] ?? 0) - cell.length);
        const shown = paint(i, cell);
        return right.has(i) ? pad + shown : i === row.length - 1 ? shown : shown + pad;
      })
      .join('  ')
      .trimEnd(),
  );
}

export function formatRunsTable(records: readonly RunRecord[], opts: FormatOptions): string {
  const header = ['RUN ID', 'STATUS', 'TAG', 'START', 'DURATION', 'DAG HASH'];
  const rows = sortNewestFirst(records).map((r) => {
    const seconds = runSeconds(r);
    return [
      r.run_id,
      r.status,
      r.tag || '-',
      r.created_at,
      seconds === undefined ? '-' : formatSeconds(seconds),
      r.dag_hash ? r.dag_hash.slice(0, 12) : '-',
    ];
  });
  const lines = alignRows([header, ...rows], new Set([4]), (col, cell) =>
    col === 1 && cell !== 'STATUS' ? paintStatus(cell, opts) : cell,
  );
  return lines.join('\n') + '\n';
}

/** The JSON form of `runs list`: one summary per run, newest first. */
export function runsSummary(records: readonly RunRecord[]): object[] {
  return sortNewestFirst(records).map((r) => ({
    run_id: r.run_id,
    status: r.status,
    tag: r.tag,
    created_at: r.created_at,
    ended_at: r.ended_at ?? null,
    duration: runSeconds(r) ?? null,
    dag_hash: r.dag_hash,
    use_cached: r.use_cached,
    original_run_id: r.original_run_id,
  }));
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

type TreeLine = { row: string[] } | { text: string };

/** A value for one line of the tree: JSON, cut at 60 characters (`--json` has them whole). */
function shortValue(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Captured output per step (internal name), attempt by attempt: what `runs show --logs` prints. */
export type StepOutputs = ReadonlyMap<string, readonly { number: number; text: string }[]>;

function stepLines(steps: Record<string, StepLog>, depth: number, out: TreeLine[], logs?: StepOutputs): void {
  const indent = '  '.repeat(depth);
  for (const step of Object.values(steps)) {
    const seconds = step.attempts.reduce((sum, a) => sum + (Number.isFinite(a.duration) ? a.duration : 0), 0);
    out.push({
      row: [
        `${indent}${step.name}${step.mock ? ' (mock)' : ''}`,
        step.status,
        step.step_type,
        plural(step.attempts.length, 'attempt'),
        step.attempts.length ? formatSeconds(seconds) : '-',
        plural(Object.keys(step.user_defined_metrics).length, 'metric'),
      ],
    });
    if (step.message) out.push({ text: `${indent}    message: ${step.message.split('\n')[0]}` });
    const metrics = Object.entries(step.user_defined_metrics);
    if (metrics.length) out.push({ text: `${indent}    metrics: ${metrics.map(([k, v]) => `${k}=${shortValue(v)}`).join(', ')}` });
    for (const a of logs?.get(step.internal_name) ?? []) {
      out.push({ text: `${indent}    output of attempt ${a.number}${a.text === '' ? ': (empty)' : ''}` });
      for (const line of a.text.replace(/\n$/, '').split('\n')) if (a.text !== '') out.push({ text: `${indent}      | ${line}` });
    }
    for (const e of step.data_catalog)
      out.push({ text: `${indent}    ${e.stage || 'entry'} ${e.name}  ${e.data_hash.slice(0, 12)}` });
    for (const branch of Object.values(step.branches)) {
      // The branch's own part of its name: the parallel branch, the map value or "dag".
      const own = branch.internal_name.startsWith(`${step.internal_name}.`)
        ? branch.internal_name.slice(step.internal_name.length + 1)
        : branch.internal_name;
      out.push({ text: `${indent}  branch ${own}  ${branch.status}` });
      stepLines(branch.steps, depth + 2, out, logs);
    }
  }
}

export function formatRunTree(record: RunRecord, log: RunLog, opts: FormatOptions, logs?: StepOutputs): string {
  const seconds = runSeconds(record);
  const head = [
    `run ${log.run_id}  ${paintStatus(log.status, opts)}`,
    `  tag         ${log.tag || '-'}`,
    `  started     ${record.created_at}`,
    `  duration    ${seconds === undefined ? '-' : formatSeconds(seconds)}`,
    `  dag hash    ${log.dag_hash ?? '-'}`,
    ...(log.use_cached ? [`  re-run of   ${log.original_run_id}`] : []),
    `  parameters  ${Object.entries(log.parameters).map(([k, v]) => `${k}=${shortValue(v)}`).join(', ') || '-'}`,
    '',
    'steps',
  ];
  const lines: TreeLine[] = [];
  stepLines(log.steps, 1, lines, logs);
  const rows = lines.filter((l): l is { row: string[] } => 'row' in l).map((l) => l.row);
  const aligned = alignRows(rows, new Set([4]), (col, cell) => (col === 1 ? paintStatus(cell, opts) : cell));
  let next = 0;
  const body = lines.map((l) => ('row' in l ? aligned[next++]! : l.text));
  return [...head, ...body].join('\n') + '\n';
}

/** The store of the config's run_log_store (or the defaults); undefined after printing errors (exit 2). */
async function openStore(args: ParsedArgs, io: Io): Promise<RunLogStore | undefined> {
  const file = stringOption(args.options, 'config');
  const json = args.options.json === true;
  const { loadConfig } = await import('../config/load.js');
  const { value, diagnostics } = await loadConfig(file, { cwd: io.cwd, env: io.env });
  // With --json, stdout carries one document: warnings are printed only with errors, which replace it.
  if (diagnostics.length && (!json || hasErrors(diagnostics))) await io.diagnostics(diagnostics);
  if (!value || hasErrors(diagnostics)) return undefined;
  if (value.run_log_store.type === 'buffered')
    throw new UserError(
      'the buffered run log store keeps a run in memory only, so no run outlives the process that made it',
      'use run_log_store: {type: chunked-fs} (the default) or {type: file-system} to keep runs',
    );
  const { createRunLogStore } = await import('../services/run-log/index.js');
  return createRunLogStore(value.run_log_store, { cwd: io.cwd, env: io.env });
}

function listHint(args: ParsedArgs): string {
  const file = stringOption(args.options, 'config');
  return `see the runs there with \`dagc runs list${file ? ` -c ${file}` : ''}\``;
}

async function list(args: ParsedArgs, io: Io): Promise<number> {
  const store = await openStore(args, io);
  if (!store) return 2;
  const records = await store.listRuns();
  if (args.options.json === true) {
    io.out(JSON.stringify(runsSummary(records), null, 2) + '\n');
    return 0;
  }
  if (records.length === 0) {
    io.err(`no runs in ${store.location}\n`);
    return 0;
  }
  io.out(formatRunsTable(records, { color: io.isTTY && !io.env.NO_COLOR }));
  return 0;
}

async function show(args: ParsedArgs, io: Io): Promise<number> {
  const id = requirePositional(args, 1, 'the run id (or latest)');
  const store = await openStore(args, io);
  if (!store) return 2;
  // `latest`: the newest run (report/index.ts resolveRunId, shared with `dagc report`).
  const report = await import('../report/index.js');
  const runId = await report.resolveRunId(store, id);
  if (args.options.json === true && store.writeRunLog) {
    // Streamed: a 100,000-item map's run log is larger than a string may be (issue 16).
    try {
      await store.getRun(runId);
    } catch (error) {
      if (error instanceof RunLogNotFoundError)
        throw new UserError(`there is no run "${runId}" in ${store.location}`, listHint(args));
      throw error;
    }
    let pending = '';
    const flush = async () => {
      io.out(pending);
      pending = '';
      // Waits for a slow reader of stdout instead of buffering the run log in memory.
      // A reader that went away (EPIPE, process-io.ts) destroys stdout: 'close' then ends the wait.
      if (process.stdout.writableLength > 1 << 20 && !process.stdout.destroyed)
        await new Promise<void>((resolve) => {
          const done = () => {
            process.stdout.off('drain', done);
            process.stdout.off('close', done);
            resolve();
          };
          process.stdout.on('drain', done);
          process.stdout.on('close', done);
        });
    };
    await store.writeRunLog(runId, async (text) => {
      pending += text;
      if (pending.length >= 1 << 16) await flush();
    });
    pending += '\n';
    await flush();
    return 0;
  }
  let record: RunRecord;
  let log: RunLog;
  try {
    [record, log] = await Promise.all([store.getRun(runId), store.getRunLog(runId)]);
  } catch (error) {
    if (error instanceof RunLogNotFoundError)
      throw new UserError(`there is no run "${runId}" in ${store.location}`, listHint(args));
    throw error;
  }
  if (args.options.json === true) {
    io.out(stringifyJson(log, 2) + '\n');
    return 0;
  }
  let logs: StepOutputs | undefined;
  if (args.options.logs === true) {
    // The outputs the run's catalog holds, read as the report reads them.
    const data = await report.reportData(store, runId, { cwd: io.cwd, env: io.env, listHint: listHint(args) });
    logs = new Map(
      data.steps.map((s) => [
        s.internalName,
        s.attempts.flatMap((a) =>
          a.output ? [{ number: a.number, text: a.output.text ?? `(not readable: ${a.output.unavailable ?? ''})\n` }] : [],
        ),
      ]),
    );
  }
  io.out(formatRunTree(record, log, { color: io.isTTY && !io.env.NO_COLOR }, logs));
  return 0;
}

/**
 * `dagc runs close RUN [--reason TEXT]`: marks an abandoned run FAIL (its process was killed, its machine lost),
 * with every step and branch still PROCESSING, so that the run log closes and a re-run can start from it.
 * A run that ended is left as it is.
 */
async function close(args: ParsedArgs, io: Io): Promise<number> {
  const runId = requirePositional(args, 1, 'the run id');
  const store = await openStore(args, io);
  if (!store) return 2;
  let record: RunRecord;
  try {
    record = await store.getRun(runId);
  } catch (error) {
    if (error instanceof RunLogNotFoundError) throw new UserError(`there is no run "${runId}" in ${store.location}`, listHint(args));
    throw error;
  }
  const reason = stringOption(args.options, 'reason') ?? 'abandoned';
  const { closeUnfinished } = await import('../runtime/close-run.js');
  if (record.status !== 'PROCESSING') {
    // Killed after a success or fail node set the run's status but before that node recorded its own end (the
    // SIGKILL sweep, issue 19): the run keeps its status, the steps left PROCESSING close FAIL.
    let left = 0;
    await closeUnfinished({ store, runId, events: () => left++ }, `closed with dagc runs close: ${reason}`, { keepRunStatus: true });
    io.err(`run ${runId} already ended ${record.status}: ${left ? `closed ${left} step${left === 1 ? '' : 's'} left PROCESSING` : 'nothing to close'}\n`);
    return 0;
  }
  await closeUnfinished({ store, runId, events: () => {} }, `closed with dagc runs close: ${reason}`);
  io.err(`run ${runId} closed FAIL (${reason})\n`);
  return 0;
}

export const command: Command = {
  name: 'runs',
  summary: 'List the runs in the run log store, or show one run log.',
  usage: 'dagc runs list [-c config] [--json]  |  dagc runs list --target argo|asl <pipeline> [-c config] [--json]  |  dagc runs show <run-id|latest> [-c config] [--logs] [--json]  |  dagc runs close <run-id> [-c config] [--reason TEXT]',
  options: {
    config: {
      type: 'string',
      short: 'c',
      arg: 'FILE',
      description: 'config file whose run_log_store to read (default: chunked-fs in .run_log_store/)',
    },
    json: { type: 'boolean', description: 'list: the runs as JSON; show: the whole run log as JSON' },
    logs: { type: 'boolean', description: "show: each step's captured output, attempt by attempt" },
    reason: { type: 'string', arg: 'TEXT', description: 'close: why the run was abandoned (recorded on its unfinished steps)' },
    // `runs list --target argo|asl <pipeline>`: the engine's runs of a deployed pipeline (src/cli/engine-runs.ts).
    ...ENGINE_RUNS_OPTIONS,
  },
  async run(args, io) {
    const sub = args.positionals[0];
    if (sub === undefined) throw new UsageError('missing the subcommand: list, show or close');
    if (sub === 'list') {
      if (stringOption(args.options, 'target') !== undefined) return (await import('./engine-runs.js')).listEngineRunsCommand(args, io);
      if (args.positionals.length > 1)
        throw new UsageError(`dagc runs list takes no arguments (got "${args.positionals[1]}")`);
      return list(args, io);
    }
    if (sub === 'show') {
      if (args.positionals.length > 2)
        throw new UsageError(`dagc runs show takes one run id (got "${args.positionals[2]}" too)`);
      return show(args, io);
    }
    if (sub === 'close') {
      if (args.positionals.length > 2) throw new UsageError(`dagc runs close takes one run id (got "${args.positionals[2]}" too)`);
      return close(args, io);
    }
    const guess = didYouMean(sub, SUBCOMMANDS);
    throw new UsageError(
      `unknown subcommand "${sub}"${guess ? `; did you mean "${guess}"?` : ''} (use list, show or close)`,
    );
  },
};
