// `dagc fan out|in <run-id> <dot-path>`: opens or closes a parallel, map or dag node for an engine
// (DESIGN.md §4). `out` prints the number of branches (for a map: of items), or with --format indices the JSON
// array [0, …, n-1] an engine can loop over; --output also writes it to a file (e.g. Argo's valueFrom.path).
// `in` exits 0 when every branch succeeded, 1 otherwise.
// `dagc fan close <run-id> <engine-status>` is an engine's exit handler (Argo's onExit with {{workflow.status}}):
// when the engine ended the run early (status not Succeeded), every step still PROCESSING and the run become
// FAIL; a run that ended is left as it is (runtime/close-run.ts). Exits 0.
import type { Command } from './types.js';
import { UsageError, requirePositional, stringOption } from './types.js';
import { ENTRYPOINT_OPTIONS, openEntry } from './entrypoint.js';
import { writeFileAtomic } from '../core/write-file-atomic.js';
import path from 'node:path';

export const command: Command = {
  name: 'fan',
  summary: 'Open (out) or close (in) a parallel, map or dag node of a run (the runtime entrypoint).',
  usage:
    'dagc fan out|in <run-id> <dot-path> -f <pipeline> [-c config] [-p params] [--map-index I,J] [--output FILE] [--format count|indices]\n       dagc fan open <run-id> -f <pipeline> [-c config] [-p params] [--use-cached OLD]\n       dagc fan close <run-id> <engine-status> -f <pipeline> [-c config] [-p params]',
  options: {
    ...ENTRYPOINT_OPTIONS,
    output: { type: 'string', short: 'o', arg: 'FILE', description: 'fan out: also write the count (or indices) to FILE' },
    format: { type: 'string', arg: 'FORMAT', description: 'fan out: print "count" (default) or "indices" (a JSON array)' },
  },
  async run(args, io) {
    const mode = requirePositional(args, 0, 'out or in');
    // `open` creates the run record or refuses (exit 2) when the store has the run id already: a compare-and-set
    // on the record, taken by a rendered script before any step runs, so two copies with one id never both run.
    if (mode === 'open') {
      const { openRunOnly } = await import('./entrypoint.js');
      await openRunOnly({ ...args, positionals: args.positionals.slice(1) }, io, true);
      return 0;
    }
    if (mode === 'close') {
      const { openRunOnly } = await import('./entrypoint.js');
      const ctx = await openRunOnly({ ...args, positionals: args.positionals.slice(1) }, io);
      const engineStatus = requirePositional({ ...args, positionals: args.positionals.slice(1) }, 1, "the engine's status of the run");
      const { closeRun } = await import('../runtime/close-run.js');
      await closeRun(ctx, engineStatus);
      return 0;
    }
    if (mode !== 'out' && mode !== 'in') throw new UsageError(`the first argument must be "out", "in", "open" or "close", not "${mode}"`);
    const format = stringOption(args.options, 'format') ?? 'count';
    if (format !== 'count' && format !== 'indices') throw new UsageError(`--format must be "count" or "indices", not "${format}"`);
    const rest = { ...args, positionals: args.positionals.slice(1) };
    const { ctx, inv } = await openEntry(rest, io, true);
    const { fanIn, fanOut } = await import('../runtime/fan.js');
    if (mode === 'in') return (await fanIn(ctx, inv)) === 'SUCCESS' ? 0 : 1;
    const opened = await fanOut(ctx, inv);
    // A composite that failed to open (or was taken from a previous run) has nothing to iterate.
    const count = opened.status === 'PROCESSING' ? opened.branches.length : 0;
    const text = format === 'count' ? String(count) : JSON.stringify([...Array(count).keys()]);
    io.out(text + '\n');
    const output = stringOption(args.options, 'output');
    if (output) await writeFileAtomic(path.resolve(io.cwd, output), text);
    return opened.status === 'FAIL' ? 1 : 0;
  },
};
