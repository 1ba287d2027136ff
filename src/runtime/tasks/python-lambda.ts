// `command_type: python-lambda`: the command is eval'd into a function and called like a python task's
// (magnus-spec.md §1.3, §4.2). magnus refuses a command containing "_" (it keeps dunder tricks such as
// `__import__` out of an eval'd string); we keep the rule, with a message that says why.
import { refused } from './attempt.js';
import { runShim } from './python.js';
import type { TaskRequest, TaskResult } from './types.js';

export function runPythonLambda(request: TaskRequest): Promise<TaskResult> {
  if (request.command.includes('_')) {
    return Promise.resolve(
      refused(
        request,
        'a python-lambda command must not contain "_" (magnus refuses it: magnus-spec.md §1.3); ' +
          'use a python task (module.function) instead',
      ),
    );
  }
  return runShim(request, 'lambda');
}
