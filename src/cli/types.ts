// The contract of a command module (shared/STYLE.md §6.6): commands never touch process.stdout/stderr
// directly; `io` is their only way to the terminal, so unit tests can call run() with a captured io.
import type { Io } from '../core/io.js';
export type { Io } from '../core/io.js';
export { UserError } from '../core/errors.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Placeholder shown in help, e.g. 'FILE'. */
  arg?: string;
  description: string;
}

export type OptionValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface ParsedArgs {
  positionals: string[];
  options: OptionValues;
}

export interface Command {
  readonly name: string;
  readonly summary: string;
  /** e.g. 'dagc validate <pipeline> [-c config] [--json]' */
  readonly usage: string;
  readonly options: Readonly<Record<string, OptionSpec>>;
  /** Resolves to 0 (ok), 1 (pipeline failed, or --check found a difference) or 2 (bad input). */
  run(args: ParsedArgs, io: Io): Promise<number>;
}

/** Bad command-line usage: printed with the command's usage line, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function stringOption(options: OptionValues, name: string): string | undefined {
  const v = options[name];
  const last = Array.isArray(v) ? v[v.length - 1] : v;
  return typeof last === 'string' ? last : undefined;
}

export function stringList(options: OptionValues, name: string): string[] {
  const v = options[name];
  const all = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return all.filter((x): x is string => typeof x === 'string');
}

export function requirePositional(args: ParsedArgs, index: number, what: string): string {
  const v = args.positionals[index];
  if (v === undefined) throw new UsageError(`missing ${what}`);
  return v;
}
