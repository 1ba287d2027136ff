// The execution input of an asl state machine (README "asl target"): what `dagc asl-task` reads in every Task
// (DAGC_ASL_INPUT) and what `dagc submit --target asl` builds, so a submit checks its input with the reader the
// containers use before StartExecution.
import { parseJson, stringifyJson } from '../core/py-float.js';
import { checkRunId } from './run-id.js';

/**
 * The execution input (DAGC_ASL_INPUT, the state machine's `States.JsonToString($$.Execution.Input)`), README
 * "asl target": an object with optional
 *   parameters   an object of initial parameters, over the compiled -p file's (names: lower case letters, digits
 *                and "_", since they reach the run as DAGC_PRM_ variables)
 *   use_cached   the id of an earlier run to re-run from (dagc run --use-cached)
 *   dagc_close   {run, error, cause}: what the EventBridge rule on a failed execution passes (only closes)
 *   dagc         dagc's own scratch key (map counts and indices), ignored
 * Anything else is an error. Returns the environment the entrypoint calls get, or the reason the input is bad.
 */
export function executionInput(raw: string | undefined): { env: Record<string, string> } | { error: string } {
  if (raw === undefined || raw === '') return { env: {} };
  let input: unknown;
  try {
    // A whole float written 1.0 (as `dagc submit` writes it: stringifyJson) stays a float (issue 15).
    input = parseJson(raw);
  } catch {
    return { error: 'the execution input is not JSON' };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { error: 'the execution input must be a JSON object: {"parameters": {…}, "use_cached": "RUN_ID"}' };
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(input)) {
    // dagc_close: the close rule's own input. dagc: the scratch key dagc's fan-out states write (ResultPath
    // $.dagc); aws-local-stepfunctions reads $$.Execution.Input as the state's current input, which carries it.
    if (key === 'dagc_close' || key === 'dagc') continue;
    if (key === 'use_cached') {
      if (typeof value !== 'string' || checkRunId(value)) return { error: `use_cached in the execution input must be a run id, not ${JSON.stringify(value)}` };
      env.DAGC_USE_CACHED = value;
    } else if (key === 'parameters') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return { error: 'parameters in the execution input must be an object of parameter names to values' };
      for (const [name, v] of Object.entries(value as Record<string, unknown>)) {
        if (!/^[a-z_][a-z0-9_]*$/.test(name)) return { error: `parameter "${name}" in the execution input: names are lower case letters, digits and "_"` };
        env[`DAGC_PRM_${name.toUpperCase()}`] = stringifyJson(v);
      }
    } else return { error: `unknown key "${key}" in the execution input (parameters, use_cached)` };
  }
  return { env };
}
