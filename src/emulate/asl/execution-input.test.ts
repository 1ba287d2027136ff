// The emulator's copy of a machine: $$.Execution.Input pinned, and a container's States.JsonToString(PATH)
// environment value read by path (the container serializes it), everywhere but the compiled definition.
import { describe, expect, it } from 'vitest';
import type { State } from '../../emit/asl/asl-types.js';
import { PINNED_INPUT, pinExecutionInput } from './execution-input.js';
import { emulatedInput } from './aws-local.js';

const job = (inputPath: string): State =>
  ({
    Type: 'Task',
    Resource: 'arn:aws:states:::batch:submitJob.sync',
    Parameters: {
      ContainerOverrides: {
        Command: ['dagc'],
        Environment: [
          { Name: 'DAGC_ASL_RUN_ID', 'Value.$': '$$.Execution.Name' },
          { Name: 'DAGC_ASL_INPUT', 'Value.$': `States.JsonToString(${inputPath})` },
          { Name: 'OTHER', 'Value.$': "States.Format('{}', States.JsonToString($.x))" },
        ],
      },
    },
    End: true,
  }) as unknown as State;

const envOf = (state: State | undefined) => (state as unknown as { Parameters: { ContainerOverrides: { Environment: unknown[] } } }).Parameters.ContainerOverrides.Environment;

describe('the emulator copy of the execution input', () => {
  it('reads a JsonToString environment value by path, pinned in branches, kept in a Distributed Map', () => {
    const states: Record<string, State> = {
      top: job('$$.Execution.Input'),
      par: { Type: 'Parallel', Branches: [{ StartAt: 'in', States: { in: job('$$.Execution.Input') } }], End: true } as unknown as State,
      dist: {
        Type: 'Map',
        ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: 'it', States: { it: job('$.input') } },
        End: true,
      } as unknown as State,
    };
    const copy = pinExecutionInput(states);
    expect(envOf(copy.top)).toEqual([
      { Name: 'DAGC_ASL_RUN_ID', 'Value.$': '$$.Execution.Name' },
      { Name: 'DAGC_ASL_INPUT', 'Value.$': `$$.Execution.${PINNED_INPUT}` },
      // Only a whole JsonToString of one path: anything else is left to the interpreter.
      { Name: 'OTHER', 'Value.$': "States.Format('{}', States.JsonToString($.x))" },
    ]);
    const branch = (copy.par as unknown as { Branches: { States: Record<string, State> }[] }).Branches[0]!.States.in;
    expect(envOf(branch)[1]).toEqual({ Name: 'DAGC_ASL_INPUT', 'Value.$': `$$.Execution.${PINNED_INPUT}` });
    const item = (copy.dist as unknown as { ItemProcessor: { States: Record<string, State> } }).ItemProcessor.States.it;
    expect(envOf(item)[1]).toEqual({ Name: 'DAGC_ASL_INPUT', 'Value.$': '$.input' });
    // The definition itself is not changed.
    expect(envOf(states.top)[1]).toEqual({ Name: 'DAGC_ASL_INPUT', 'Value.$': 'States.JsonToString($$.Execution.Input)' });
  });

  it('builds the input submit sends from -p and --use-cached, and refuses what the containers would', () => {
    expect(emulatedInput({ env: {}, parameters: { msg: 'a "b" \\ c' }, useCached: 'old-1' })).toEqual({ parameters: { msg: 'a "b" \\ c' }, use_cached: 'old-1' });
    expect(emulatedInput({ env: {} })).toEqual({});
    expect(() => emulatedInput({ env: {}, parameters: { 'Bad-Name': 1 } })).toThrow(/parameter "Bad-Name"/);
    expect(emulatedInput({ env: { DAGC_EMULATE_INPUT: '{"nope": 1}' }, parameters: { a: 1 } })).toEqual({ nope: 1 });
    expect(() => emulatedInput({ env: { DAGC_EMULATE_INPUT: '{' } })).toThrow(/not JSON/);
  });
});
