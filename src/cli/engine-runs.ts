// `dagc runs list --target argo|asl <pipeline> [-c config]`: the runs the engine has of a deployed pipeline
// (Workflows labelled with it; executions of its state machine), oldest first, with their engine status.
import type { Io, ParsedArgs } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { inputFiles } from './load-inputs.js';
import { deployTarget, withRemoteErrors } from './deploy.js';

export async function listEngineRunsCommand(args: ParsedArgs, io: Io): Promise<number> {
  const file = requirePositional(args, 1, 'the pipeline file (runs list --target T <pipeline>)');
  const target = deployTarget(stringOption(args.options, 'target'));
  return withRemoteErrors('runs', io, async () => {
    const { listEngineRuns } = await import('../deploy/index.js');
    const runs = await listEngineRuns({
      ...inputFiles(file, args.options, io),
      target,
      context: stringOption(args.options, 'context'),
      namespace: stringOption(args.options, 'namespace'),
    });
    if (args.options.json === true) {
      io.out(JSON.stringify(runs, null, 2) + '\n');
      return 0;
    }
    if (runs.length === 0) {
      io.err(`no runs of ${file} on ${target}\n`);
      return 0;
    }
    const rows = [['RUN ID', 'STATUS', 'STARTED', 'ENDED'], ...runs.map((r) => [r.runId, r.status, r.started ?? '', r.ended ?? ''])];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const r of rows) io.out(r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
    return 0;
  });
}
