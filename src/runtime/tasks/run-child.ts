// Runs one child process for a task attempt (through core/spawn-piped, the one spawn-and-pipe path): streams its
// output through the masking sink, and kills its whole process group on abort (the child leads a group that
// also holds whatever it started: `sleep` in a shell step, a kernel under papermill), SIGKILL after a grace.
import { existsSync } from 'node:fs';
import type { OutputSink } from '../output.js';
import { createOutputSink } from '../output.js';
import { spawnPiped } from '../../core/spawn-piped.js';

export interface ChildOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly secretValues: readonly string[];
  readonly onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  readonly signal?: AbortSignal;
}

export interface ChildOutcome {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly aborted: boolean;
  /** Set when the process could not be started at all (missing interpreter, missing cwd). */
  readonly spawnError: string | null;
  readonly output: OutputSink;
}

// How long an aborted child gets between SIGTERM and SIGKILL, and how long the output pipes may stay open after
// the child exited (a background process it left behind can hold them open forever; we stop reading then).
const KILL_GRACE_MS = 3000;
const PIPE_GRACE_MS = 500;

export function runChild(
  file: string,
  args: readonly string[],
  options: ChildOptions,
): Promise<ChildOutcome> {
  const output = createOutputSink(options.secretValues, options.onLine);
  if (options.signal?.aborted) {
    return Promise.resolve({ exitCode: null, signal: null, aborted: true, spawnError: null, output });
  }
  return spawnPiped(file, args, {
    cwd: options.cwd,
    env: options.env,
    out: (text) => output.write('stdout', text),
    err: (text) => output.write('stderr', text),
    // The child leads a process group of its own, so an abort stops whatever it started too.
    group: true,
    signal: options.signal,
    killGraceMs: KILL_GRACE_MS,
    pipeGraceMs: PIPE_GRACE_MS,
  }).then((ran) => {
    output.end();
    let spawnError: string | null = null;
    // Node reports a missing interpreter and a missing working directory alike (spawn … ENOENT).
    if (ran.error !== undefined)
      spawnError =
        ran.errorCode !== 'ENOENT'
          ? ran.error
          : !existsSync(options.cwd)
            ? `the working directory ${options.cwd} does not exist`
            : `${file} was not found`;
    return { exitCode: spawnError ? null : ran.code, signal: ran.signal, aborted: ran.aborted, spawnError, output };
  });
}

/** One line for a failed child: exit code or signal, plus the last stderr line when it is short. */
export function describeFailure(outcome: ChildOutcome, what: string): string {
  if (outcome.aborted) return 'aborted';
  if (outcome.spawnError) return `cannot start ${what}: ${outcome.spawnError}`;
  const base =
    outcome.signal !== null
      ? `${what} was killed by signal ${outcome.signal}`
      : `${what} exited with code ${String(outcome.exitCode)}`;
  const last = outcome.output.lastLine('stderr').trim();
  return last !== '' && last.length <= 200 ? `${base}: ${last}` : base;
}
