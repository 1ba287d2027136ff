// `dagc run`: runs a pipeline here with the local executor. Exit 0 when the run ends SUCCESS, 1 when FAIL,
// 2 for bad input or configuration (nothing has run then).
import type { Command, Io, ParsedArgs } from './types.js';
import { UserError, requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, loadInputs } from './load-inputs.js';
import type { Inputs } from './load-inputs.js';
import { createLiveProgress, createPlainProgress } from './progress.js';
import type { Progress } from './progress.js';

export const RUN_OPTIONS = {
  ...INPUT_OPTIONS,
  'run-id': { type: 'string', arg: 'ID', description: 'the run id (default: a new time-based id)' },
  tag: { type: 'string', arg: 'TAG', description: 'a tag recorded in the run log' },
  'use-cached': { type: 'string', arg: 'OLD_ID', description: 're-run: steps that succeeded in run OLD_ID are taken as they are' },
  json: { type: 'boolean', description: 'print the run log as JSON at the end (instead of the summary)' },
} as const;

/** Executors with which dagc itself traverses the graph (the others render it for an engine). */
export const TRAVERSES_HERE: readonly string[] = ['local', 'local-container'];

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export async function runLocally(inputs: Inputs, args: ParsedArgs, io: Io): Promise<number> {
  if (inputs.warnings.length) await io.diagnostics(inputs.warnings);
  const [{ openRun }, { runPipeline }] = await Promise.all([
    import('../runtime/open-run.js'),
    import('../executors/local.js'),
  ]);
  const json = args.options.json === true;
  // local-container: everything is checked and the engine and images probed before the run exists.
  const containers =
    inputs.config.executor.type === 'local-container'
      ? await (await import('../executors/local-container.js')).prepareLocalContainer({
          pipeline: inputs.pipeline,
          config: inputs.config,
          pipelineFile: inputs.file,
          varFiles: inputs.varFiles,
          cwd: io.cwd,
          env: io.env,
          events: (e) => createPlainProgress(io).onEvent(e),
        })
      : undefined;
  const progress: Progress = io.isTTY && !json ? await createLiveProgress(io) : createPlainProgress(io);
  const started = Date.now();
  let status = 'FAIL';
  let runId = '';
  let location = '';
  // Ctrl-C (or a TERM from a scheduler) kills the running steps; the run then ends FAIL, recorded.
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(130);
    io.err(`\n${signal}: stopping the run (again to quit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const ctx = await openRun({
      pipeline: inputs.pipeline,
      config: inputs.config,
      parameters: inputs.parameters,
      cwd: io.cwd,
      env: io.env,
      events: (e) => progress.onEvent(e),
      runId: stringOption(args.options, 'run-id'),
      tag: stringOption(args.options, 'tag'),
      useCached: stringOption(args.options, 'use-cached'),
      mode: 'run',
      signal: abort.signal,
    });
    runId = ctx.runId;
    location = ctx.store.location;
    status = await runPipeline(ctx, containers?.leaf);
    if (json) io.out(JSON.stringify(await ctx.store.getRunLog(ctx.runId), null, 2) + '\n');
  } finally {
    await containers?.dispose();
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(2);
  const { succeeded, failed, mocked } = progress.counts;
  if (!json)
    io.err(
      `\nrun ${runId} ${status} in ${seconds}s: ${plural(succeeded, 'step')} succeeded, ${failed} failed` +
        `${mocked ? `, ${mocked} taken from the previous run` : ''}\n` +
        `the run log is in ${location}: dagc runs show ${runId}\n`,
    );
  return status === 'SUCCESS' ? 0 : 1;
}

export const command: Command = {
  name: 'run',
  summary: 'Run a pipeline here: dagc traverses the graph and runs every step on this machine (local-container: each in a container).',
  usage: 'dagc run <pipeline> [-c config] [-p params] [--run-id ID] [--tag T] [--use-cached OLD_ID] [--json]',
  options: RUN_OPTIONS,
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const inputs = await loadInputs(file, args.options, io);
    const type = inputs.config.executor.type;
    if (!TRAVERSES_HERE.includes(type))
      throw new UserError(
        `the config's executor is "${type}", which renders the pipeline for an engine; dagc run traverses it here (local or local-container)`,
        `use \`dagc execute -f ${file} -c <config>\` to let the config's executor decide, or a config with executor: {type: local}`,
      );
    return runLocally(inputs, args, io);
  },
};
