// The modules of asl-validator 4 that validate-asl.ts runs itself (the package ships no type declarations):
// each check takes a definition and returns its findings.
declare module 'asl-validator/dist/src/checks/*' {
  interface AslCheckError {
    'Error code': string;
    Message: string;
    schemaError?: { instancePath?: string; schemaPath?: string };
  }
  type Entry = { state: { Type?: unknown; [key: string]: unknown }; stateName: string };
  interface StateCheck {
    filter: (entry: Entry) => boolean;
    checker: (entry: Entry) => AslCheckError | null;
  }
  type Options = { checkPaths: boolean; checkArn: boolean };
  type Check = (definition: unknown, options: Options) => AslCheckError[];
  export const isArnFormatValid: (value: string) => boolean;
  export const missingTransitionTargetErrors: Check;
  export const stateTransitionsErrors: Check;
  export const duplicateStateNames: Check;
  export const missingTerminalStateErrors: Check;
  export const mustNotHaveDuplicateFieldNamesAfterEvaluation: Check;
  export const stateChecks: (definition: unknown, options: Options, checks: StateCheck[]) => AslCheckError[];
  type Test = (entry: Entry) => boolean;
  export const IsTask: Test, IsMap: Test, IsWait: Test, IsSucceed: Test, IsFail: Test, IsChoice: Test;
  type Counted = (spec: { props: string[]; errorCode: string; path?: string }) => StateCheck['checker'];
  export const AtMostOne: Counted, ExactlyOne: Counted;
  export type { AslCheckError, StateCheck };
}
declare module 'asl-validator/dist/src/types.js' {
  export const StateMachineErrorCode: {
    readonly SchemaValidationFailed: string;
    readonly TaskTimeoutError: string;
    readonly TaskHeartbeatError: string;
    readonly MapItemProcessorError: string;
    readonly MapItemSelectorError: string;
    readonly WaitDurationError: string;
    readonly TerminalStateWithNextError: string;
    readonly MapToleratedFailureError: string;
    readonly MapMaxConcurrencyError: string;
    readonly MapItemsError: string;
    readonly MapItemReaderMaxItemsError: string;
    readonly MapItemBatcherError: string;
    readonly FailCauseProperty: string;
    readonly FailErrorProperty: string;
  };
}
