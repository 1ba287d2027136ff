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
// A Distributed Map's iterations are child executions whose own input is their $$.Execution.Input (as the
// inline stand-in gives it), so its ItemProcessor is left as it is.
import type { State } from '../../emit/asl/asl-types.js';

/** The context field the emulator sets to the execution input (StateMachine.run's context.Execution). */
export const PINNED_INPUT = 'DagcExecutionInput';

const FROM = /\$\$\.Execution\.Input(?![A-Za-z0-9_])/g;
const TO = `$$$$.Execution.${PINNED_INPUT}`;

/** A path or payload template value of the copy with $$.Execution.Input pinned. */
function pin(value: unknown, key: string | undefined): unknown {
  if (typeof value === 'string') return key !== undefined && (key.endsWith('.$') || key === 'Variable' || key.endsWith('Path')) ? value.replace(FROM, TO) : value;
  if (Array.isArray(value)) return value.map((v) => pin(v, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, pin(v, k)]));
  return value;
}

export function pinExecutionInput(states: Record<string, State>): Record<string, State> {
  const out: Record<string, State> = {};
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Parallel') {
      const { Branches, ...rest } = state;
      out[name] = { ...(pin(rest, undefined) as object), Branches: Branches.map((b) => ({ ...b, States: pinExecutionInput(b.States) })) } as State;
      continue;
    }
    if (state.Type === 'Map') {
      const { ItemProcessor, ...rest } = state;
      const distributed = ItemProcessor.ProcessorConfig.Mode === 'DISTRIBUTED';
      out[name] = { ...(pin(rest, undefined) as object), ItemProcessor: distributed ? ItemProcessor : { ...ItemProcessor, States: pinExecutionInput(ItemProcessor.States) } } as State;
      continue;
    }
    out[name] = pin(state, undefined) as State;
  }
  return out;
}
