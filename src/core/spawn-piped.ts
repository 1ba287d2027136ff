// Runs one child process with its stdout and stderr piped to two callbacks as they arrive: the one code path by
// which dagc starts a process and pipes its output: the emulators (bash, argo, asl), the task runners (a shell
// or Python step, src/runtime/tasks/run-child.ts) and the local-container engine client. No stdin: a step that
// reads it would hang a pod or a CI job forever.
import { spawn } from 'node:child_process';

export interface PipedOptions {
  /** Default: this process's working directory. */
  readonly cwd?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Output as text (decoded as a stream, so a character split across two chunks is not broken in two). */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /**
   * Stops the child (SIGTERM) on abort. By default its whole process group: the child then leads a group of its
   * own (and no longer gets the terminal's Ctrl-C, so only callers that stop it themselves set this or
   * `timeoutSeconds`), which also holds whatever it started (`sleep` in a shell step, a kernel under papermill).
   */
  readonly signal?: AbortSignal;
  /**
   * SIGKILLs the child (its group, as for `signal`) at once on abort, with no SIGTERM first: what the kernel or a
   * kubelet does to a container that ran out of memory or was evicted (the Argo emulator's faults).
   */
  readonly kill?: AbortSignal;
  /** Stops the process group after this long; the result says `timedOut`. */
  readonly timeoutSeconds?: number;
  /**
   * true: the child leads a process group of its own, and stopping it stops the group. false: it stays in this
   * process group and only the child itself is sent SIGTERM (a container engine client, which passes the signal on
   * to the container). Default: a group of its own when it can be stopped (`signal` or `timeoutSeconds`).
   */
  readonly group?: boolean;
  /** After stopping it, SIGKILL what is left if the child has not exited this many ms later. Default: never. */
  readonly killGraceMs?: number;
  /**
   * Stop reading the pipes this many ms after the child exited: a background process it left behind can hold
   * them open forever. Default: read until they close.
   */
  readonly pipeGraceMs?: number;
}

export interface PipedResult {
  /** The exit code, or null when a signal ended the child (negative errno when it could not start). */
  readonly code: number | null;
  /** The signal that ended the child, if one did. */
  readonly signal: NodeJS.Signals | null;
  /** Why the child could not start (ENOENT…), when it could not. */
  readonly error?: string;
  /** The error's code (ENOENT, EACCES…), when it could not start. */
  readonly errorCode?: string;
  readonly timedOut: boolean;
  /** Stopped because `signal` aborted. */
  readonly aborted: boolean;
}

/**
 * The children started with a stop switch (`signal`) that have not ended, with how to kill each at once: a
 * second Ctrl-C of `dagc run` SIGKILLs them all instead of waiting out the TERM grace (issue 19: the run was
 * left PROCESSING and a step that ignores TERM kept running). Children started without a stop switch (an
 * emulator's engine) are the caller's to end and are not listed.
 */
const stoppable = new Set<() => void>();

/** SIGKILLs every stoppable child this process started that has not ended (its whole group where it leads one). */
export function killStoppable(): number {
  const all = [...stoppable];
  for (const kill of all) kill();
  return all.length;
}

export function spawnPiped(file: string, args: readonly string[], options: PipedOptions): Promise<PipedResult> {
  const group = options.group ?? (options.signal !== undefined || options.kill !== undefined || options.timeoutSeconds !== undefined);
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    let timedOut = false;
    let aborted = false;
    let error: NodeJS.ErrnoException | undefined;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let pipeTimer: NodeJS.Timeout | undefined;
    const send = (sig: NodeJS.Signals) => {
      if (!group) {
        child.kill(sig);
        return;
      }
      try {
        if (child.pid) process.kill(-child.pid, sig);
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const stop = () => {
      send('SIGTERM');
      if (options.killGraceMs !== undefined && !killTimer) {
        killTimer = setTimeout(() => send('SIGKILL'), options.killGraceMs);
        killTimer.unref();
      }
    };
    const timer =
      options.timeoutSeconds !== undefined ? setTimeout(() => ((timedOut = true), stop()), options.timeoutSeconds * 1000) : undefined;
    const onAbort = () => ((aborted = true), stop());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const killNow = () => ((aborted = true), send('SIGKILL'));
    if (options.kill?.aborted) killNow();
    else options.kill?.addEventListener('abort', killNow, { once: true });
    if (options.signal) stoppable.add(killNow);
    child.stdout.setEncoding('utf8').on('data', (text: string) => options.out(text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => options.err(text));
    child.on('error', (e: NodeJS.ErrnoException) => (error = e));

    let done = false;
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return;
      done = true;
      for (const t of [timer, killTimer, pipeTimer]) if (t) clearTimeout(t);
      options.signal?.removeEventListener('abort', onAbort);
      options.kill?.removeEventListener('abort', killNow);
      stoppable.delete(killNow);
      resolve({
        code: exited?.code ?? code,
        signal: exited?.signal ?? signal,
        timedOut,
        aborted,
        ...(error !== undefined ? { error: error.message, ...(error.code !== undefined ? { errorCode: error.code } : {}) } : {}),
      });
    };
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      if (killTimer) clearTimeout(killTimer);
      if (options.pipeGraceMs === undefined) return;
      pipeTimer = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        finish(code, signal);
      }, options.pipeGraceMs);
      pipeTimer.unref();
    });
    child.once('close', finish);
  });
}
