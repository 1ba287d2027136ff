// The emulator's Task timeouts against aws-local-stepfunctions itself, on fake timers: a Task without
// TimeoutSeconds waits as long as it takes on Step Functions; the library gives it the States Language spec's 60 s.
import { afterEach, describe, expect, test, vi } from 'vitest';
import { MAX_TIMER_SECONDS, awsTaskTimeout, polyfillWithResolvers } from './aws-local.js';

afterEach(() => {
  vi.useRealTimers();
});

async function runSlowTask(timeoutSeconds: number | undefined, takesMs: number): Promise<string> {
  polyfillWithResolvers();
  const { StateMachine } = await import('aws-local-stepfunctions');
  const task: Record<string, unknown> = { Type: 'Task', Resource: 'arn:aws:states:::states:startExecution.sync:2', End: true };
  if (timeoutSeconds !== undefined) task.TimeoutSeconds = timeoutSeconds;
  const machine = new StateMachine({ StartAt: 'part', States: { part: task } } as never, { validationOptions: { checkPaths: true, checkArn: true } });
  vi.useFakeTimers();
  const handler = () => new Promise((resolve) => setTimeout(() => resolve({ Status: 'SUCCEEDED' }), takesMs));
  const execution = machine.run({} as never, { overrides: { taskResourceLocalHandlers: { part: handler as never } } });
  const settled = execution.result.then(
    () => 'SUCCEEDED',
    (error: unknown) => (error as { cause?: { name?: string } }).cause?.name ?? String(error),
  );
  await vi.advanceTimersByTimeAsync(takesMs + 1000);
  return settled;
}

describe('aws-local: Task timeouts as Step Functions applies them', () => {
  test('the library alone times a Task without TimeoutSeconds out after 60 s (why awsTaskTimeout exists)', async () => {
    expect(await runSlowTask(undefined, 120_000)).toBe('States.Timeout');
  });

  test('with awsTaskTimeout a ten-minute child machine runs to its end; a TimeoutSeconds given still applies', async () => {
    expect(await runSlowTask(awsTaskTimeout(undefined), 600_000)).toBe('SUCCEEDED');
    expect(await runSlowTask(awsTaskTimeout(30), 60_000)).toBe('States.Timeout');
  });

  test('clamps what Node timers cannot hold', () => {
    expect(awsTaskTimeout(undefined)).toBe(MAX_TIMER_SECONDS);
    expect(awsTaskTimeout(86_400)).toBe(86_400);
    expect(awsTaskTimeout(99_999_999)).toBe(MAX_TIMER_SECONDS);
  });
});
