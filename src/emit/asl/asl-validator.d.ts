// asl-validator 4 ships no type declarations; this is the part dagc calls (its README, and
// shared/notes/toolchain.md §3).
declare module 'asl-validator' {
  interface AslValidationError {
    'Error code': string;
    Message: string;
    schemaError?: { instancePath?: string; schemaPath?: string };
  }
  interface AslValidationResult {
    isValid: boolean;
    errors: AslValidationError[];
    errorsText(separator?: string): string;
  }
  /** Mutates its input (adds QueryLanguage to every state): pass a copy. */
  function aslValidator(definition: unknown, opts?: { checkPaths: boolean; checkArn: boolean }): AslValidationResult;
  export default aslValidator;
}
