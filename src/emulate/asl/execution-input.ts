// $$.Execution.Input under aws-local-stepfunctions 3: every Parallel branch and Map iteration runs as a nested
// state machine whose context object gets Execution.Input = the branch's (the iteration's) input
// (StateMachine.execute: `Execution: {...context.Execution, Input: input}`), where Step Functions answers the
// execution's input in every state (AWS Step Functions developer guide, "Accessing execution data from the
// Context object": Execution.Input is the input of the execution). Found by the localstack judge
// (localstack.ts): inside the one-branch Parallel that carries a step's retry, the job got the state data as
// DAGC_ASL_INPUT where LocalStack's interpreter, like AWS, gives the execution input.
//
// The emulator's copy of the machine reads the execution input from a field of the context object that nested
// runs keep as given (the rest of Execution is spread from the run options): every `$$.Execution.Input` in a
// path or intrinsic function of the copy names PINNED_INPUT instead. The compiled definition is not changed.
// (The copy also reads a container's JSON environment values by path: see JSON_TO_STRING below.)
// A Distributed Map's iterations are child executions whose own input is their $$.Execution.Input (as the
// inline stand-in gives it), so its ItemProcessor is left as it is.
import type { State } from '../../emit/asl/asl-types.js';

/** The context field the emulator sets to the execution input (StateMachine.run's context.Execution). */
export const PINNED_INPUT = 'DagcExecutionInput';

const FROM = /\$\$\.Execution\.Input(?![A-Za-z0-9_])/g;
const TO = `$$$$.Execution.${PINNED_INPUT}`;

// A container's environment value `States.JsonToString(PATH)` (the execution input as JSON text, DAGC_ASL_INPUT)
// becomes the path itself in the copy, and the emulator's container serializes a value that is no string with
// JSON.stringify (aws-local.ts, the container handler): what the intrinsic does (ASL specification, "Intrinsic
// functions", States.JsonToString: "returns a string containing the JSON text" of its one Path argument).
// aws-local-stepfunctions 3 removes every backslash from any string an intrinsic function returns
// (BaseIntrinsicFunction.call: result.replaceAll("\\", "")), so a parameter holding a quote or a backslash
// reached the job as text that is no JSON, and the first step recorded a bad input. On AWS the definition's
// intrinsic is kept: a Batch/ECS environment value must be a string (AWS Batch API KeyValuePair, ECS
// KeyValuePair: value String), which a path to an object is not.
const JSON_TO_STRING = /^States\.JsonToString\((\$[^(),']*)\)$/;

/** A path or payload template value of the copy with $$.Execution.Input pinned. */
function pin(value: unknown, key: string | undefined, pinInput: boolean): unknown {
  const to = (text: string) => (pinInput ? text.replace(FROM, TO) : text);
  if (typeof value === 'string' && key === 'Value.$') {
    const whole = JSON_TO_STRING.exec(value.trim());
    if (whole) return to(whole[1]!);
  }
  if (typeof value === 'string') return key !== undefined && (key.endsWith('.$') || key === 'Variable' || key.endsWith('Path')) ? to(value) : value;
  if (Array.isArray(value)) return value.map((v) => pin(v, key, pinInput));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pin(v, k, pinInput)]));
  return value;
}

export function pinExecutionInput(states: Record<string, State>, pinInput = true): Record<string, State> {
  const out: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Parallel') {
      const { Branches, ...rest } = state;
      out[name] = { ...(pin(rest, undefined, pinInput) as object), Branches: Branches.map((b) => ({ ...b, States: pinExecutionInput(b.States, pinInput) })) } as State;
      continue;
    }
    if (state.Type === 'Map') {
      const { ItemProcessor, ...rest } = state;
      // A Distributed Map's iterations keep their $$.Execution.Input (theirs); only JSON_TO_STRING applies there.
      const distributed = ItemProcessor.ProcessorConfig.Mode === 'DISTRIBUTED';
      out[name] = { ...(pin(rest, undefined, pinInput) as object), ItemProcessor: { ...ItemProcessor, States: pinExecutionInput(ItemProcessor.States, pinInput && !distributed) } } as State;
      continue;
    }
    out[name] = pin(state, undefined, pinInput) as State;
  }
  return out;
}
