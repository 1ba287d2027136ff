// Every definition passes asl-validator before it is written (DESIGN.md §3 invariant 3); its findings become
// dagc diagnostics. Gotchas (shared/notes/toolchain.md §3): it mutates its input, so it gets a copy, and both
// checks must be named (`{}` would turn ARN and path checks off).
import aslValidator from 'asl-validator';
import type { Diagnostic } from '../../core/diagnostics.js';

export function validateDefinition(definition: unknown, file: string): Diagnostic[] {
  const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
  return result.errors.map((e) => ({
    code: 'DAGC-ASL-INVALID',
    severity: 'error' as const,
    message: `the rendered state machine is not valid ASL: ${e['Error code']}: ${e.Message}${
      e.schemaError?.instancePath ? ` (at ${e.schemaError.instancePath})` : ''
    }`,
    hint: 'this is a dagc bug unless a config value (ARN, prefix, name) is malformed: please report it with the pipeline',
    file,
    start: { line: 1, column: 1 },
  }));
}
