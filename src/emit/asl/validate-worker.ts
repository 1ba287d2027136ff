// The worker of parts-check.ts, built as dist/entry/asl-check.cjs: takes the next part not yet taken, validates
// the definition parsed from its text with asl-validator (validate-asl.ts), posts the findings, and says when
// none is left. A part that throws here is not reported, so the caller validates it itself.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { PartsCheckJob, PartsCheckMessage } from './parts-check.js';
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
  // Given its parts at its start, or started early (startPartsWorker) and given them in a message.
  const given = workerData as PartsCheckJob | null;
  if (given) run(given);
  else port.once('message', run);
}
