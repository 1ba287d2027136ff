// The part of the Amazon States Language (https://states-language.net/spec.html) the asl target writes:
// JSONPath states only. Keys are declared in the order they are written, since output bytes must be stable.

export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

export interface Catcher {
  ErrorEquals: string[];
  ResultPath: string | null;
  Next: string;
}

/** Next or End, exactly one of them (ASL "Transitions"). */
export type Transition = { Next: string; End?: never } | { End: true; Next?: never };

export type TaskState = {
  Type: 'Task';
  Comment?: string;
  Resource: string;
  Parameters: { [key: string]: Json };
  ResultSelector?: { [key: string]: Json };
  ResultPath: string | null;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Catcher[];
} & Transition;

export type PassState = {
  Type: 'Pass';
  Comment?: string;
  Parameters?: { [key: string]: Json };
  ResultPath?: string | null;
} & Transition;

export interface SucceedState {
  Type: 'Succeed';
  Comment?: string;
}

export interface FailState {
  Type: 'Fail';
  Comment?: string;
  Error?: string;
  ErrorPath?: string;
  Cause?: string;
  CausePath?: string;
}

/** A Choice rule: a comparison of one variable, or `And`/`Or` of rules (the top-level rules have Next). */
export type ChoiceRule = (
  | { Variable: string; IsPresent: boolean }
  | { Variable: string; StringMatches: string }
  | { Variable: string; StringEquals: string }
  | { Variable: string; NumericGreaterThan: number }
  | { And: ChoiceRule[] }
  | { Or: ChoiceRule[] }
) & { Next?: string };

export interface ChoiceState {
  Type: 'Choice';
  Comment?: string;
  Choices: (ChoiceRule & { Next: string })[];
  Default: string;
}

export interface StateMachine {
  Comment?: string;
  StartAt: string;
  States: Record<string, State>;
  TimeoutSeconds?: number;
}

export type ParallelState = {
  Type: 'Parallel';
  Comment?: string;
  Branches: StateMachine[];
  ResultPath: string | null;
  Retry?: Retrier[];
  Catch?: Catcher[];
} & Transition;

export type MapState = {
  Type: 'Map';
  Comment?: string;
  ItemReader?: { Resource: string; ReaderConfig: { InputType: 'JSON' }; Parameters: { [key: string]: Json } };
  ItemsPath?: string;
  ItemSelector: { [key: string]: Json };
  ItemProcessor: {
    ProcessorConfig: { Mode: 'INLINE' } | { Mode: 'DISTRIBUTED'; ExecutionType: 'STANDARD' };
    StartAt: string;
    States: Record<string, State>;
  };
  MaxConcurrency?: number;
  ResultSelector?: { [key: string]: Json };
  ResultPath: string | null;
  Catch?: Catcher[];
} & Transition;

export type State = TaskState | PassState | SucceedState | FailState | ChoiceState | ParallelState | MapState;
