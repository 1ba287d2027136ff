// `dagc run`: runs a pipeline here with the local executor (the library's run). Exit 0 when the run ends
// SUCCESS, 1 when FAIL, 2 for bad input or configuration (nothing has run then).
import type { Command, Io, ParsedArgs } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { createLiveProgress, createPlainProgress } from './progress.js';
import type { Progress } from './progress.js';
import { run } from '../library/run.js';
import type { RunOutcome, RunRequest } from '../library/run.js';
import type { Reporter } from '../library/types.js';
import { stringifyJson } from '../core/py-float.js';
import { parseLogLevel, shown, shownDiagnostics } from './log-level.js';

export const RUN_OPTIONS = {
  ...INPUT_OPTIONS,
  'run-id': { type: 'string', arg: 'ID', description: 'the run id (default: a new time-based id)' },
  tag: { type: 'string', arg: 'TAG', description: 'a tag recorded in the run log' },
  'use-cached': { type: 'string', arg: 'OLD_ID', description: 're-run: steps that succeeded in run OLD_ID are taken as they are' },
  step: { type: 'string', arg: 'NAME', description: "run only this root-level step; the others are recorded mocked (magnus's execute_step)" },
  // Only where dagc runs the steps itself: rendered targets' steps read `magnus:` from the config file instead.
  magnus: { type: 'string', arg: 'VERSION', description: "give that magnus's run log (0.3.11, 0.4, 0.5, or 2022/2023): its data folder, captured output, stub and casting rules" },
  'log-level': { type: 'string', arg: 'LEVEL', description: 'DEBUG or INFO (default: every step and its output), WARNING (warnings and failed steps), ERROR or FATAL (failed steps)' },
  json: { type: 'boolean', description: 'print the run log as JSON at the end (instead of the summary)' },
} as const;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/** Runs the pipeline with the library (`run`, or `execute` when the config's executor decides) and prints. */
export async function runHere(
  call: (request: RunRequest, report: Reporter) => Promise<RunOutcome | undefined>,
  file: string,
  args: ParsedArgs,
  io: Io,
): Promise<number | undefined> {
  const json = args.options.json === true;
  // With --json, stdout holds the run log alone: the steps' output and the progress go to stderr.
  const shownIo: Io = json ? { ...io, out: io.err, isTTY: false } : io;
  const level = parseLogLevel(stringOption(args.options, 'log-level'));
  const counts = { succeeded: 0, failed: 0, mocked: 0 };
  const count = (e: { status: string; mock: boolean; stepType: string }) => {
    // Steps that do work, as `dagc validate` counts them: success and fail nodes only close their branch.
    if (e.stepType === 'success' || e.stepType === 'fail') return;
    if (e.mock) counts.mocked++;
    else if (e.status === 'SUCCESS') counts.succeeded++;
    else counts.failed++;
  };
  let progress: Progress | undefined;
  let started = Date.now();
  // Ctrl-C (or a TERM from a scheduler) kills the running steps; the run then ends FAIL, recorded.
  // A second one SIGKILLs the steps' process groups and closes the run FAIL (exit 130); only a third quits
  // without closing it (issue 19: the second one quit at once, leaving the run PROCESSING and the steps running).
  const abort = new AbortController();
  const force = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (force.signal.aborted) process.exit(130);
    if (abort.signal.aborted) {
      io.err(`\n${signal}: killing the running steps and closing the run (again to quit without closing it)\n`);
      force.abort();
      return;
    }
    io.err(`\n${signal}: stopping the run (again to kill the steps at once)\n`);
    abort.abort();
  };
  let outcome: RunOutcome | undefined;
  try {
    outcome = await call(
      {
        ...inputFiles(file, args.options, io),
        runId: stringOption(args.options, 'run-id'),
        tag: stringOption(args.options, 'tag'),
        useCached: stringOption(args.options, 'use-cached'),
        step: stringOption(args.options, 'step'),
        signal: abort.signal,
        force: force.signal,
        withRunLog: json,
        onPrepare: (e) => {
          if (shown(level, e)) createPlainProgress(shownIo).onEvent(e);
        },
        onStart: async () => {
          const p = io.isTTY && !json ? await createLiveProgress(shownIo) : createPlainProgress(shownIo);
          progress = p;
          started = Date.now();
          process.on('SIGINT', onSignal);
          process.on('SIGTERM', onSignal);
          return (e) => {
            // Counted whatever the level, so the summary says the same at every level.
            if (e.kind === 'step-end') count(e);
            if (shown(level, e)) p.onEvent(e);
          };
        },
      },
      async (d) => {
        const kept = shownDiagnostics(level, d);
        if (kept.length) await io.diagnostics(kept);
      },
    );
  } finally {
    progress?.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (!outcome) return undefined;
  const { runId, status, location, runLog } = outcome;
  if (json) io.out(stringifyJson(runLog, 2) + '\n');
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  const { succeeded, failed, mocked } = counts;
  if (!json)
    io.err(
      `\nrun ${runId} ${status} in ${seconds}s: ${plural(succeeded, 'step')} succeeded, ${failed} failed` +
        `${mocked ? `, ${mocked} ${stringOption(args.options, 'use-cached') ? 'taken from the previous run' : 'mocked'}` : ''}\n` +
        `the run log is in ${location}: dagc runs show ${runId}\n`,
    );
  if (force.signal.aborted) return 130;
  return status === 'SUCCESS' ? 0 : 1;
}

export const command: Command = {
  name: 'run',
  summary: 'Run a pipeline here: dagc traverses the graph and runs every step on this machine (local-container: each in a container).',
  usage: 'dagc run <pipeline> [-c config] [-p params] [--run-id ID] [--tag T] [--use-cached OLD_ID] [--json]',
  options: RUN_OPTIONS,
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    return (await runHere(run, file, args, io))!;
  },
};
