// The only way library code reaches the terminal (shared/STYLE.md §6.6): commands and library functions take an
// `Io`, so tests call them with a captured one.
import type { Diagnostic } from './diagnostics.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Prints diagnostics (human or --json form is decided by the caller). */
  diagnostics(diagnostics: readonly Diagnostic[]): Promise<void>;
  readonly isTTY: boolean;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
}
