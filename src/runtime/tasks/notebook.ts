// `command_type: notebook`: papermill runs the notebook with the parameters its `parameters` cell declares
// (magnus-spec.md §4.2), writing `command_config.notebook_output_path` (default per §1.3: `nb/in.ipynb` gives
// `nb/in_out.ipynb`) with `notebook_kernel` and `optional_papermill_args`. The shim does the work, so the
// papermill check ("notebook tasks need papermill: …") happens in the interpreter that would run it.
import { refused } from './attempt.js';
import { runShim } from './python.js';
import type { TaskRequest, TaskResult } from './types.js';

export function runNotebook(request: TaskRequest): Promise<TaskResult> {
  if (!request.command.endsWith('.ipynb')) {
    return Promise.resolve(
      refused(request, `a notebook command must end in .ipynb, got "${request.command}"`),
    );
  }
  return runShim(request, 'notebook');
}
