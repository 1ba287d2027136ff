// The frame every runner shares: private step files around the child, and turning the child's outcome plus
// what the step set into a TaskResult (one line of message, masked).
import { maskSecrets } from '../../services/secrets/types.js';
import type { Captured } from './capture.js';
import { CaptureError, mergeCaptured } from './capture.js';
import type { StepFiles } from './environment.js';
import { makeStepFiles, readCatalogRecord, readStepFiles, removeStepFiles } from './environment.js';
import type { ChildOutcome } from './run-child.js';
import { describeFailure } from './run-child.js';
import type { TaskRequest, TaskResult } from './types.js';

export async function withStepFiles<T>(fn: (files: StepFiles) => Promise<T>): Promise<T> {
  const files = await makeStepFiles();
  try {
    return await fn(files);
  } finally {
    await removeStepFiles(files);
  }
}

/** A string entry of command_config, or undefined when absent or empty. */
export function configString(config: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = config[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A result for an attempt refused before any process started (bad command, missing tool). */
export function refused(request: TaskRequest, message: string): TaskResult {
  return {
    ok: false,
    exitCode: null,
    message: oneLine(maskSecrets(message, request.secretValues)),
    parameters: {},
    metrics: {},
    output: '',
  };
}

function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

/**
 * Builds the result: `fromChild` is what the runner learnt from the child itself (exported variables, the
 * shim's report); the step files (`$DAGC_OUTPUT`, `$DAGC_METRICS`) are read on top, since file lines win.
 * `failure` overrides the exit-code message (e.g. the Python exception line reported by the shim).
 */
export async function finishAttempt(
  request: TaskRequest,
  files: StepFiles,
  outcome: ChildOutcome,
  what: string,
  fromChild: Captured,
  failure?: string,
): Promise<TaskResult> {
  const childOk = !outcome.aborted && outcome.spawnError === null && outcome.exitCode === 0 && !failure;
  let captured = fromChild;
  let message = childOk ? '' : (failure ?? describeFailure(outcome, what));
  try {
    captured = mergeCaptured(fromChild, await readStepFiles(files));
  } catch (error) {
    if (!(error instanceof CaptureError)) throw error;
    // A malformed output file fails an otherwise successful attempt; a failed one keeps its own reason.
    if (childOk) message = error.message;
  }
  return {
    ok: message === '',
    exitCode: outcome.exitCode,
    message: oneLine(maskSecrets(message, request.secretValues)),
    parameters: captured.parameters,
    metrics: captured.metrics,
    output: outcome.output.text(),
    catalog: await readCatalogRecord(files),
  };
}
