// Live, masked output of a step's child process. Each stream is cut into lines (a secret split across two pipe
// chunks would slip past a per-chunk mask, so masking happens per complete line), handed to the caller's
// `onLine` as it arrives, and kept in arrival order for the captured output that the node executor puts in
// the catalog (magnus 2023 catalogued a task's output: magnus-spec.md §5, last note).
import { StringDecoder } from 'node:string_decoder';
import { maskSecrets } from '../services/secrets/types.js';

export type StreamName = 'stdout' | 'stderr';

export interface OutputSink {
  /** Feeds one raw chunk of a stream (any byte boundary, even inside a UTF-8 sequence). */
  write(stream: StreamName, chunk: Buffer | string): void;
  /** Flushes the partial last lines of both streams (a final line without newline still counts). */
  end(): void;
  /** Everything seen so far, masked, lines interleaved in arrival order. */
  text(): string;
  /** The last non-empty line of a stream, masked ('' when it printed nothing). */
  lastLine(stream: StreamName): string;
}

interface StreamState {
  readonly decoder: StringDecoder;
  pending: string;
  last: string;
}

export function createOutputSink(
  secretValues: readonly string[],
  onLine?: (line: string, stream: StreamName) => void,
): OutputSink {
  const chunks: string[] = [];
  // A partial final line is appended without its (missing) newline; if the other stream then flushes its own
  // partial line, a newline is inserted first so two streams never run together on one line.
  let endsWithNewline = true;
  const states: Record<StreamName, StreamState> = {
    stdout: { decoder: new StringDecoder('utf8'), pending: '', last: '' },
    stderr: { decoder: new StringDecoder('utf8'), pending: '', last: '' },
  };

  const emit = (stream: StreamName, raw: string, newline: boolean): void => {
    const line = maskSecrets(raw, secretValues);
    if (line.trim() !== '') states[stream].last = line;
    onLine?.(line, stream);
    if (!endsWithNewline) chunks.push('\n');
    chunks.push(newline ? `${line}\n` : line);
    endsWithNewline = newline;
  };

  const feed = (stream: StreamName, text: string): void => {
    const state = states[stream];
    let buffered = state.pending + text;
    let at = buffered.indexOf('\n');
    while (at !== -1) {
      // A CRLF child (Windows tools, some Python loggers) still gives clean lines to onLine and the output.
      const raw = buffered.slice(0, at);
      emit(stream, raw.endsWith('\r') ? raw.slice(0, -1) : raw, true);
      buffered = buffered.slice(at + 1);
      at = buffered.indexOf('\n');
    }
    state.pending = buffered;
  };

  return {
    write(stream, chunk) {
      const state = states[stream];
      feed(stream, typeof chunk === 'string' ? chunk : state.decoder.write(chunk));
    },
    end() {
      for (const stream of ['stdout', 'stderr'] as const) {
        const state = states[stream];
        feed(stream, state.decoder.end());
        if (state.pending !== '') {
          const rest = state.pending;
          state.pending = '';
          emit(stream, rest, false);
        }
      }
    },
    text: () => chunks.join(''),
    lastLine: (stream) => states[stream].last,
  };
}
