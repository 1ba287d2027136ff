// Runs one child process with its stdout and stderr piped to two callbacks as they arrive: the one code path
// the emulators (bash, argo, asl) start their processes by. No stdin: a step that reads it would hang.
import { spawn } from 'node:child_process';

export interface PipedOptions {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /**
   * Stops the child's whole process group (SIGTERM) on abort. The child then leads a group of its own, so it
   * no longer gets the terminal's Ctrl-C: only callers that stop it themselves set this (or `timeoutSeconds`).
   */
  readonly signal?: AbortSignal;
  /** Stops the process group after this long; the result says `timedOut`. */
  readonly timeoutSeconds?: number;
}

export interface PipedResult {
  /** The exit code, or null when a signal ended the child or it could not start. */
  readonly code: number | null;
  /** Why the child could not start (ENOENT…), when it could not. */
  readonly error?: string;
  readonly timedOut: boolean;
}

export function spawnPiped(file: string, args: readonly string[], options: PipedOptions): Promise<PipedResult> {
  const group = options.signal !== undefined || options.timeoutSeconds !== undefined;
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'], detached: group });
    let timedOut = false;
    let error: string | undefined;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const timer = options.timeoutSeconds !== undefined ? setTimeout(() => ((timedOut = true), kill()), options.timeoutSeconds * 1000) : undefined;
    options.signal?.addEventListener('abort', kill, { once: true });
    // Decoded as streams, so a character split across two chunks is not broken in two.
    child.stdout.setEncoding('utf8').on('data', (text: string) => options.out(text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => options.err(text));
    child.on('error', (e) => (error = e.message));
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      options.signal?.removeEventListener('abort', kill);
      resolve({ code, timedOut, ...(error !== undefined ? { error } : {}) });
    });
  });
}
