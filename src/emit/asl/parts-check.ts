// asl-validator over the parts of a split machine on two threads (issue 16): a 10,000-step chain is ~20
// definitions of ~1 MB, and validating them was ~40% of its compile. This thread and one worker
// (validate-worker.ts, built as dist/entry/asl-check.cjs beside the compile bundle) take the next part not yet
// taken, by an atomic counter, until none is left; the findings are put back in the parts' order, so they are
// the same, in the same order, as validating the parts one after the other here. The worker gets each part as
// the JSON text it was measured by (what will be written), this thread the objects.
//
// Whatever becomes of the worker (no bundle beside this code, as under the sources; it cannot start; it dies;
// a part throws in it), every part it did not report on is validated here: a part is never left unchecked.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Diagnostic } from '../../core/diagnostics.js';
import { validateDefinition } from './validate-asl.js';

/** Below this many bytes of definitions, one thread: starting the worker (~40 ms) would cost more than it saves. */
export const PARALLEL_CHECK_BYTES = 1 << 20;

/** What the worker is told (workerData). */
export interface PartsCheckJob {
  readonly texts: readonly string[];
  /** One Int32: the index of the next part to take. */
  readonly counter: SharedArrayBuffer;
  readonly file: string;
}

/** A worker started early (startPartsWorker) given its parts one at a time (streamPartsCheck): first this, then
 * each part as a PartsStreamTask in the order given, then how many were given. */
export interface PartsStreamStart {
  readonly stream: true;
  /** One Int32: the number of the next task to take (tasks are numbered in the order given). */
  readonly counter: SharedArrayBuffer;
  readonly file: string;
}
export type PartsStreamMessage =
  | { readonly task: number; readonly index: number; readonly text: string }
  | { readonly end: number };

/** What the worker posts: a part's findings, or that it takes no more. */
export type PartsCheckMessage =
  { readonly index: number; readonly diagnostics: Diagnostic[] } | { readonly done: true };

/** The worker's file where this code runs from dist/: beside the compile bundle (dist/entry/compile.cjs), or
 * from a chunk of the CLI's bundle (dist/chunks/, e.g. under `dagc emulate`). */
export function bundledWorker(): string | undefined {
  for (const relative of ['./asl-check.cjs', '../entry/asl-check.cjs'])
    try {
      const file = fileURLToPath(new URL(relative, import.meta.url));
      if (existsSync(file)) return file;
    } catch {
      // not a file: URL
    }
  return undefined;
}

/**
 * A worker started before the parts exist (startPartsWorker): it takes ~0.1 s to load and be ready, which a
 * compile that is sure to split spends building the machine instead of waiting (issue 16). Until it is given
 * parts it waits for them, unref'd (it never keeps the process alive); stopPartsWorker ends it unused.
 */
export interface PartsWorker {
  readonly worker: Worker;
  /** Set when it exited or failed (it is then not used: this thread validates every part). */
  readonly ended: { value: boolean };
}

/** Starts `file` as a parts worker now, to be given its parts later; undefined when it cannot start. */
export function startPartsWorker(file: string | undefined): PartsWorker | undefined {
  if (file === undefined) return undefined;
  try {
    const worker = new Worker(file, { workerData: null });
    const ended = { value: false };
    // A worker that fails is replaced by this thread; its error is not the user's.
    worker.on('error', () => (ended.value = true));
    worker.on('exit', () => (ended.value = true));
    worker.unref();
    return { worker, ended };
  } catch {
    return undefined;
  }
}

/** Ends a parts worker that was not given parts. */
export function stopPartsWorker(prepared: PartsWorker | undefined): void {
  if (prepared && !prepared.ended.value) void prepared.worker.terminate();
}

export interface PartsCheckOptions {
  /** The worker's module; none: this thread only. */
  readonly worker?: string | undefined;
  /** A worker already started (startPartsWorker), used instead of starting `worker`; stopped when the parts
   * are too small to pay for it. */
  readonly prepared?: PartsWorker | undefined;
  /** The size from which a worker is used (default PARALLEL_CHECK_BYTES). */
  readonly minBytes?: number;
  /** Whether this thread takes parts too while the worker runs (default true); it takes what the worker leaves. */
  readonly alongside?: boolean;
}

export interface PartsChecked {
  /** validateDefinition of every part, in the parts' order. */
  readonly diagnostics: Diagnostic[];
  /** How many parts the worker validated. */
  readonly byWorker: number;
}

/** validateDefinition of every part, in order; `texts[i]` is JSON.stringify(parts[i]). */
export async function checkParts(
  parts: readonly unknown[],
  texts: readonly string[],
  file: string,
  options: PartsCheckOptions = {},
): Promise<PartsChecked> {
  return startPartsCheck(parts, texts, file, options).finish();
}

/** A check under way: the worker (when one is used) has started; `finish` takes this thread's share and
 * resolves when every part is validated. */
export interface PartsCheck {
  finish(): Promise<PartsChecked>;
}

/** checkParts in two steps, so that this thread can do other work (serialise the output) while the worker
 * starts on the parts. */
export function startPartsCheck(
  parts: readonly unknown[],
  texts: readonly string[],
  file: string,
  options: PartsCheckOptions = {},
): PartsCheck {
  const n = parts.length;
  const found: (Diagnostic[] | undefined)[] = new Array<Diagnostic[] | undefined>(n);
  const counter = new Int32Array(new SharedArrayBuffer(4));
  let bytes = 0;
  for (const t of texts) bytes += t.length;
  let stopped: Promise<void> = Promise.resolve();
  let byWorker = 0;
  let worker: Worker | undefined;
  const prepared = options.prepared !== undefined && !options.prepared.ended.value ? options.prepared : undefined;
  const wanted = n > 1 && bytes >= (options.minBytes ?? PARALLEL_CHECK_BYTES);
  if (!wanted) stopPartsWorker(options.prepared);
  if (wanted && (prepared !== undefined || options.worker !== undefined)) {
    try {
      const job: PartsCheckJob = { texts, counter: counter.buffer as SharedArrayBuffer, file };
      let started: Worker;
      if (prepared) {
        started = prepared.worker;
        started.postMessage(job);
        started.ref();
      } else started = new Worker(options.worker!, { workerData: job });
      worker = started;
      stopped = new Promise<void>((resolve) => {
        started.on('message', (m: PartsCheckMessage) => {
          if ('done' in m) resolve();
          else {
            found[m.index] = m.diagnostics;
            byWorker++;
          }
        });
        // A worker that failed is replaced by this thread below; its error is not the user's.
        started.on('error', () => resolve());
        started.on('exit', () => resolve());
        // A prepared worker may have ended between the check above and these listeners.
        if (prepared?.ended.value) resolve();
      });
    } catch {
      worker = undefined;
    }
  }
  const finish = async (): Promise<PartsChecked> => {
    if (!worker || options.alongside !== false)
      for (;;) {
        const i = Atomics.add(counter, 0, 1);
        if (i >= n) break;
        found[i] = validateDefinition(parts[i], file);
      }
    if (worker) {
      await stopped;
      await worker.terminate();
    }
    const diagnostics: Diagnostic[] = [];
    for (let i = 0; i < n; i++) diagnostics.push(...(found[i] ?? validateDefinition(parts[i], file)));
    return { diagnostics, byWorker };
  };
  return { finish };
}

/** A check given its parts one at a time, as they are made (streamPartsCheck). */
export interface PartsStream {
  /** The part at `index` of the findings' order, and its JSON text (what the worker parses). */
  add(index: number, part: unknown, text: string): void;
  /** Every part is given (indices 0 to n - 1, in any order): this thread takes the parts the worker has not,
   * and the findings come back in index order. */
  finish(): Promise<PartsChecked>;
}

/**
 * A check of parts made one after the other (a split machine's: split.ts tells each as it is made), by a worker
 * started early: it validates a part as soon as it is given, while this thread goes on making the next ones and
 * serialising the output (issue 16: the worker waited ~0.9 s for a 10,000-step chain's parts otherwise). Parts
 * are taken in the order given, by an atomic counter shared with this thread, which takes its share in `finish`.
 * As with startPartsCheck, a part the worker does not report on (it ended, failed, or was never there) is
 * validated here, and the findings are validateDefinition's of each part, in index order.
 */
export function streamPartsCheck(prepared: PartsWorker | undefined, file: string): PartsStream {
  const counter = new Int32Array(new SharedArrayBuffer(4));
  const tasks: { index: number; part: unknown }[] = [];
  const found: (Diagnostic[] | undefined)[] = [];
  let byWorker = 0;
  let worker: Worker | undefined;
  let stopped: Promise<void> = Promise.resolve();
  const begin = () => {
    if (!prepared || prepared.ended.value) return;
    const started = prepared.worker;
    try {
      // Left unref'd until finish: a compile that fails before it (the output cannot be serialised) must not
      // be kept alive by a worker that waits for parts forever.
      started.postMessage({ stream: true, counter: counter.buffer as SharedArrayBuffer, file } satisfies PartsStreamStart);
    } catch {
      return;
    }
    worker = started;
    stopped = new Promise<void>((resolve) => {
      started.on('message', (m: PartsCheckMessage) => {
        if ('done' in m) resolve();
        else if (found[m.index] === undefined) {
          found[m.index] = m.diagnostics;
          byWorker++;
        }
      });
      // A worker that failed is replaced by this thread in finish; its error is not the user's.
      started.on('error', () => resolve());
      started.on('exit', () => resolve());
      if (prepared.ended.value) resolve();
    });
    // A 'message' listener refs the worker's port again.
    started.unref();
  };
  begin();
  return {
    add(index, part, text) {
      const task = tasks.length;
      tasks.push({ index, part });
      if (worker)
        try {
          worker.postMessage({ task, index, text } satisfies PartsStreamMessage);
        } catch {
          // validated here in finish
        }
    },
    async finish() {
      const n = tasks.length;
      if (worker)
        try {
          worker.ref();
          worker.postMessage({ end: n } satisfies PartsStreamMessage);
        } catch {
          // validated here below
        }
      for (;;) {
        const t = Atomics.add(counter, 0, 1);
        if (t >= n) break;
        const { index, part } = tasks[t]!;
        found[index] = validateDefinition(part, file);
      }
      if (worker) {
        await stopped;
        await worker.terminate();
      }
      const byIndex: unknown[] = [];
      for (const { index, part } of tasks) byIndex[index] = part;
      const diagnostics: Diagnostic[] = [];
      for (let i = 0; i < n; i++) {
        if (!(i in byIndex)) throw new Error(`parts-check: no part ${i} of ${n} was given`);
        diagnostics.push(...(found[i] ?? validateDefinition(byIndex[i], file)));
      }
      return { diagnostics, byWorker };
    },
  };
}
