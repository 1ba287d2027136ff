// Test helper (not shipped code paths): a complete TaskRequest with lines recorded, for the runner tests.
import type { TaskRequest } from './types.js';

export interface RecordedRequest extends TaskRequest {
  readonly lines: Array<{ line: string; stream: 'stdout' | 'stderr' }>;
}

export function testRequest(cwd: string, overrides: Partial<TaskRequest>): RecordedRequest {
  const lines: RecordedRequest['lines'] = [];
  return {
    command: '',
    commandType: 'shell',
    commandConfig: {},
    stepName: 'step',
    runId: 'run-1',
    attempt: 1,
    parameters: {},
    mapVariable: {},
    env: {},
    cwd,
    secretValues: [],
    onLine: (line, stream) => lines.push({ line, stream }),
    ...overrides,
    lines,
  };
}
