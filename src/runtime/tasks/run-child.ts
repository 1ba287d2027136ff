// Runs one child process for a task attempt: streams its output through the masking sink, and kills its whole
// process group on abort (the child is spawned detached, so it leads a group that also holds whatever it
// started: `sleep` in a shell step, a kernel under papermill).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { OutputSink } from '../output.js';
import { createOutputSink } from '../output.js';

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
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env,
      // No stdin: a step that reads it would hang a pod or a CI job forever.
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let aborted = false;
    let spawnError: string | null = null;
    let exitCode: number | null = null;
    let exitSignal: NodeJS.Signals | null = null;
    let killTimer: NodeJS.Timeout | undefined;
    let pipeTimer: NodeJS.Timeout | undefined;

    const killGroup = (sig: NodeJS.Signals): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const onAbort = (): void => {
      aborted = true;
      killGroup('SIGTERM');
      killTimer = setTimeout(() => killGroup('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout.on('data', (chunk: Buffer) => output.write('stdout', chunk));
    child.stderr.on('data', (chunk: Buffer) => output.write('stderr', chunk));
    child.on('error', (error: NodeJS.ErrnoException) => {
      // Node reports a missing interpreter and a missing working directory alike (spawn … ENOENT).
      if (error.code !== 'ENOENT') spawnError = error.message;
      else if (!existsSync(options.cwd)) spawnError = `the working directory ${options.cwd} does not exist`;
      else spawnError = `${file} was not found`;
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      if (killTimer) clearTimeout(killTimer);
      pipeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        child.emit('close', code, sig);
      }, PIPE_GRACE_MS);
      pipeTimer.unref();
    });
    child.once('close', (code: number | null, sig: NodeJS.Signals | null) => {
      if (pipeTimer) clearTimeout(pipeTimer);
      if (killTimer) clearTimeout(killTimer);
      options.signal?.removeEventListener('abort', onAbort);
      output.end();
      resolve({
        exitCode: spawnError ? null : (exitCode ?? code),
        signal: exitSignal ?? sig,
        aborted,
        spawnError,
        output,
      });
    });
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
