// The Io of the real process (stdout, stderr, cwd, env), shared by main.ts and the per-node entry
// (entry-node.ts), which must not load main.ts's command table.
import type { Io } from './types.js';
import type { Diagnostic } from '../core/diagnostics.js';

/**
 * stdout's reader may go before the command ends (`dagc compile … | head`): the write then fails with EPIPE, an
 * 'error' event that would end the process with a stack trace. Output after that is dropped and the command goes
 * on to its end (a run still ends its run log); any other write error is said once on stderr.
 */
let stdoutGone = false;
function writeOut(text: string): void {
  if (stdoutGone) return;
  if (process.stdout.listenerCount('error') === 0)
    process.stdout.on('error', (error: NodeJS.ErrnoException) => {
      if (stdoutGone) return;
      stdoutGone = true;
      if (error.code !== 'EPIPE') {
        process.stderr.write(`dagc: cannot write to stdout: ${error.message}\n`);
        process.exitCode = 2;
      }
    });
  process.stdout.write(text);
}

export function createProcessIo(json = false): Io {
  return {
    out: writeOut,
    err: (text) => void process.stderr.write(text),
    diagnostics: async (diagnostics: readonly Diagnostic[]) => {
      const { formatDiagnostics } = await import('./print-diagnostic.js');
      // With --json, stdout holds one document: errors replace the command's own (it fails), but warnings of a
      // command that goes on would be a second document, so they are said on stderr.
      if (json && diagnostics.some((d) => d.severity === 'error')) writeOut(JSON.stringify({ diagnostics }, null, 2) + '\n');
      else process.stderr.write(await formatDiagnostics(diagnostics, { color: process.stderr.isTTY === true }));
    },
    // Read when asked: process.stdout is made on first use (a stream, ~1.5 ms), and `dagc exec` never asks.
    get isTTY() {
      return process.stdout.isTTY === true;
    },
    cwd: process.cwd(),
    env: process.env,
  };
}
