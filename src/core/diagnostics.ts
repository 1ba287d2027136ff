// Diagnostics are values: the front end never throws on bad input, it returns every problem at once.
// Only src/cli/print-diagnostic.ts turns them into text (shared/STYLE.md §6.4).

export interface Position {
  /** 1-based line, as yaml's LineCounter.linePos gives it. */
  line: number;
  /** 1-based column. */
  column: number;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  /** Stable, greppable code such as 'DAGC-GRAPH-UNKNOWN-NEXT'. */
  code: string;
  severity: Severity;
  /** What is wrong, one sentence. */
  message: string;
  /** What to do about it, written where the problem is found. */
  hint?: string;
  file: string;
  start: Position;
  end?: Position;
  /** JSON pointer into the document, e.g. '/dag/steps/train/next', for --json consumers. */
  pointer?: string;
}

/** A located error raised inside the runtime or CLI that must reach the user as a diagnostic (exit 2). */
export class DiagnosticError extends Error {
  readonly diagnostics: Diagnostic[];
  constructor(diagnostics: Diagnostic[]) {
    super(diagnostics.map((d) => `${d.file}:${d.start.line}:${d.start.column} ${d.message}`).join('\n'));
    this.name = 'DiagnosticError';
    this.diagnostics = diagnostics;
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** A diagnostic about a file as a whole (no better location known). */
export function fileDiagnostic(
  file: string,
  code: string,
  message: string,
  hint?: string,
  severity: Severity = 'error',
): Diagnostic {
  return { code, severity, message, hint, file, start: { line: 1, column: 1 } };
}

/** Sort by file, then position, then code: output order must not depend on discovery order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort(
    (a, b) =>
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      a.start.line - b.start.line ||
      a.start.column - b.start.column ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
