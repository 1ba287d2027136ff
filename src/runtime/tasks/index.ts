// One attempt of a task in a child process, dispatched on command_type (contract: ./types.ts). This runs in
// `dagc exec` once per step, so it imports only node: built-ins and small local modules.
import { refused } from './attempt.js';
import { runNotebook } from './notebook.js';
import { runPython } from './python.js';
import { runPythonLambda } from './python-lambda.js';
import { runShell } from './shell.js';
import type { TaskRequest, TaskResult } from './types.js';

export type { TaskRequest, TaskResult, TaskRunner } from './types.js';

export function runTask(request: TaskRequest): Promise<TaskResult> {
  switch (request.commandType) {
    case 'shell':
      return runShell(request);
    case 'python':
      return runPython(request);
    case 'python-lambda':
      return runPythonLambda(request);
    case 'notebook':
      return runNotebook(request);
  }
  // The IR only holds the four types above; this guards a run log or manifest written by another version.
  return Promise.resolve(refused(request, `unknown command_type "${String(request.commandType)}"`));
}
