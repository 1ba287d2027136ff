// `command_type: python` (`module.function`, magnus-spec.md §1.3), and the shim runner shared with
// python-lambda and notebook tasks: python/dagc_shim.py imports or evaluates the step, calls it with kwargs
// matched from the parameters (§4.2) and reports what it returned and set (see the shim's docstring).
import { readFile } from '../../core/fs-async.js';
import path from 'node:path';
import { configString, finishAttempt, refused, withStepFiles } from './attempt.js';
import type { Captured } from './capture.js';
import { captureFromEnv, mergeCaptured } from './capture.js';
import { buildStepEnv } from './environment.js';
import { pythonHome } from './python-home.js';
import { runChild } from './run-child.js';
import type { TaskRequest, TaskResult } from './types.js';
import { parseJson } from '../../core/py-float.js';

export type ShimMode = 'function' | 'lambda' | 'notebook';

interface ShimReport {
  ok: boolean;
  error: string | null;
  returned: Record<string, unknown>;
  environ: Record<string, string>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseReport(text: string | null): ShimReport | null {
  if (text === null) return null;
  let raw: unknown;
  try {
    raw = parseJson(text);
  } catch {
    return null;
  }
  if (!isRecord(raw) || typeof raw.ok !== 'boolean' || !isRecord(raw.returned) || !isRecord(raw.environ))
    return null;
  const environ: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw.environ)) if (typeof v === 'string') environ[k] = v;
  return {
    ok: raw.ok,
    error: typeof raw.error === 'string' ? raw.error : null,
    returned: raw.returned,
    environ,
  };
}

/** The interpreter: `command_config.python`, else env DAGC_PYTHON (step env first), else `python3`. */
export function pythonInterpreter(request: TaskRequest): string {
  return (
    configString(request.commandConfig, 'python') ??
    (request.env.DAGC_PYTHON || undefined) ??
    (process.env.DAGC_PYTHON || undefined) ??
    'python3'
  );
}

export async function runShim(request: TaskRequest, mode: ShimMode): Promise<TaskResult> {
  let home: string;
  try {
    home = pythonHome();
  } catch (error) {
    return refused(request, (error as Error).message);
  }
  const python = pythonInterpreter(request);
  return withStepFiles(async (files) => {
    const env = buildStepEnv(request, files);
    // python/ on PYTHONPATH makes `import magnus` / `import dagc` resolve to the compatibility modules; the shim
    // itself puts the working directory first on sys.path (magnus-spec.md §4.2).
    env.PYTHONPATH = env.PYTHONPATH ? `${home}${path.delimiter}${env.PYTHONPATH}` : home;
    const reportPath = path.join(files.dir, 'report.json');
    const outcome = await runChild(
      python,
      [
        '-u',
        path.join(home, 'dagc_shim.py'),
        mode,
        request.command,
        reportPath,
        JSON.stringify(request.commandConfig),
      ],
      {
        cwd: request.cwd,
        env,
        secretValues: request.secretValues,
        onLine: request.onLine,
        signal: request.signal,
      },
    );
    const report = parseReport(await readFile(reportPath, 'utf8').catch(() => null));
    let fromChild: Captured = { parameters: {}, metrics: {} };
    let failure: string | undefined;
    if (report) {
      // The shim reports only variables the step changed, so an empty "before" counts each of them.
      fromChild = mergeCaptured(captureFromEnv({}, report.environ), {
        parameters: report.returned,
        metrics: {},
      });
      if (!report.ok && !outcome.aborted) failure = report.error ?? undefined;
    }
    if (outcome.spawnError && !outcome.aborted) {
      failure = `cannot start ${python}: ${outcome.spawnError} (set command_config.python or DAGC_PYTHON)`;
    }
    return finishAttempt(request, files, outcome, 'python', fromChild, failure);
  });
}

export function runPython(request: TaskRequest): Promise<TaskResult> {
  if (!request.command.includes('.')) {
    // magnus-spec.md §1.3: a python command with no "." is an error.
    return Promise.resolve(
      refused(
        request,
        `The command should be a function to call as module.function, got "${request.command}"`,
      ),
    );
  }
  return runShim(request, 'function');
}
