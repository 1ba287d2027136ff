// The worker of parts-check.ts, built as dist/entry/asl-check.cjs: takes the next part not yet taken (given all at
// once, or one at a time as they are made), validates the definition parsed from its text with asl-validator
// (validate-asl.ts), posts the findings, and says when none is left. A part that throws here is not reported, so
// the caller validates it itself.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type {
  PartsCheckJob,
  PartsCheckMessage,
  PartsStreamMessage,
  PartsStreamStart,
} from './parts-check.js';
import { validateDefinition } from './validate-asl.js';

if (!isMainThread && parentPort) {
  const port = parentPort;
  const run = (job: PartsCheckJob) => {
    const counter = new Int32Array(job.counter);
    for (;;) {
      const index = Atomics.add(counter, 0, 1);
      if (index >= job.texts.length) break;
      try {
        const message: PartsCheckMessage = {
          index,
          diagnostics: validateDefinition(JSON.parse(job.texts[index]!), job.file),
        };
        port.postMessage(message);
      } catch {
        // left to the caller
      }
    }
    port.postMessage({ done: true } satisfies PartsCheckMessage);
  };
  // Given its parts one at a time (streamPartsCheck): a task not given yet is waited for, until the caller says
  // how many there are.
  const stream = (start: PartsStreamStart) => {
    const counter = new Int32Array(start.counter);
    const given: ({ index: number; text: string } | undefined)[] = [];
    let total = Infinity;
    let wake: (() => void) | undefined;
    port.on('message', (m: PartsStreamMessage) => {
      if ('end' in m) total = m.end;
      else given[m.task] = { index: m.index, text: m.text };
      const w = wake;
      wake = undefined;
      w?.();
    });
    void (async () => {
      for (;;) {
        const task = Atomics.add(counter, 0, 1);
        while (given[task] === undefined && task < total)
          await new Promise<void>((resolve) => (wake = resolve));
        const next = given[task];
        if (next === undefined) break;
        given[task] = undefined;
        try {
          port.postMessage({
            index: next.index,
            diagnostics: validateDefinition(JSON.parse(next.text), start.file),
          } satisfies PartsCheckMessage);
        } catch {
          // left to the caller
        }
      }
      port.postMessage({ done: true } satisfies PartsCheckMessage);
    })();
  };
  // Given its parts at its start, or started early (startPartsWorker) and given them in a message.
  const given = workerData as PartsCheckJob | null;
  if (given) run(given);
  else port.once('message', (m: PartsCheckJob | PartsStreamStart) => ('stream' in m ? stream(m) : run(m)));
}
