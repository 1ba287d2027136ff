// A run id is exclusive for the emulators as it is for `dagc run` and the rendered bash script (issue 19). Before
// the engine starts anything, the emulator runs `dagc fan open RUN` as the workflow's first container would (its
// files, config and environment): the compare-and-set on the run record that the bash script's first call makes
// (runtime/open-run.ts `exclusive`, the store's createRun without existsOk). It creates the record, or refuses
// (exit 2) when the store has that run id already, running or ended: the emulation then runs nothing and exits 2.
// The engine's containers join the run as always (entrypoint calls after the first).
import { UserError } from '../core/errors.js';
import { spawnPiped } from '../core/spawn-piped.js';

export interface TakeRunIdOptions {
  readonly runId: string;
  /** dagc's own options as the engine's containers pass them (-f, -c, -p, -v). */
  readonly entry: readonly string[];
  readonly useCached?: string | undefined;
  /** The run's tag, where the engine's first call would set one (an asl execution name that is not a run id). */
  readonly tag?: string | undefined;
  /** The container's working directory and environment. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How to run dagc: [node, bin/dagc.js]. */
  readonly dagc: readonly string[];
  /** Where what `dagc fan open` says when it takes the run goes (the run's warnings: shared_workspace, a re-run's
   * parameters), as the bash script's first call prints them. */
  readonly err?: ((text: string) => void) | undefined;
}

/** Creates the run record for an emulation, or throws a UserError (exit 2) with `dagc fan open`'s reason. */
export async function takeRunId(opts: TakeRunIdOptions): Promise<void> {
  const [program, ...prefix] = opts.dagc;
  if (!program) throw new Error('no dagc to run (dagc bug)');
  const args = [
    ...prefix,
    'fan',
    'open',
    ...opts.entry,
    ...(opts.useCached ? ['--use-cached', opts.useCached] : []),
    ...(opts.tag ? ['--tag', opts.tag] : []),
    '--',
    opts.runId,
  ];
  let said = '';
  const ran = await spawnPiped(program, args, { cwd: opts.cwd, env: opts.env, out: (t) => void (said += t), err: (t) => void (said += t) });
  if (ran.code === 0) {
    if (said.trim() !== '') opts.err?.(said.endsWith('\n') ? said : `${said}\n`);
    return;
  }
  // dagc fan prints "dagc fan: MESSAGE" and "hint: HINT": passed on as this command's own.
  const lines = said.split('\n').filter((l) => l.trim() !== '');
  const hint = lines.find((l) => l.startsWith('hint: '))?.slice('hint: '.length);
  const message = lines
    .filter((l) => !l.startsWith('hint: '))
    .map((l) => l.replace(/^dagc fan: /, ''))
    .join('\n');
  throw new UserError(message || `dagc fan open ${opts.runId} exited ${String(ran.code ?? ran.signal)}`, hint);
}
