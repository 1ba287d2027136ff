// Runs one command: parses its flags (node:util parseArgs, declared once per command), runs it and maps every
// failure to an exit code. User errors never show a stack; --debug does. main.ts finds the command by name;
// asl-task.ts runs `exec` and `fan` through here too, so their flags, errors and exit codes are those of
// `dagc exec` and `dagc fan`.
import { parseArgs } from 'node:util';
import type { Command, Io, OptionSpec } from './types.js';
import { UsageError, UserError } from './types.js';
import { DiagnosticError } from '../core/diagnostics.js';

export const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  debug: { type: 'boolean', description: 'show stack traces of internal errors' },
};

export function helpText(command: Command): string {
  const rows = Object.entries(command.options).map(([name, spec]) => {
    const flag = `${spec.short ? `-${spec.short}, ` : '    '}--${name}${spec.arg ? ` ${spec.arg}` : ''}`;
    return [flag, spec.description] as const;
  });
  const width = Math.max(0, ...rows.map(([f]) => f.length));
  return [
    `usage: ${command.usage}`,
    '',
    command.summary,
    '',
    ...(rows.length ? ['options:', ...rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`), ''] : []),
  ].join('\n');
}

export async function runCommand(command: Command, args: string[], io: Io): Promise<number> {
  const debug = args.includes('--debug');
  try {
    const options = { ...COMMON, ...command.options };
    const parsed = parseArgs({
      args,
      options: Object.fromEntries(
        Object.entries(options).map(([k, s]) => [
          k,
          { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) },
        ]),
      ),
      allowPositionals: true,
      strict: true,
    });
    if (parsed.values.help) {
      io.out(helpText(command));
      return 0;
    }
    return await command.run({ positionals: parsed.positionals, options: parsed.values }, io);
  } catch (error) {
    return reportError(error, command, io, debug);
  }
}

async function reportError(error: unknown, command: Command, io: Io, debug: boolean): Promise<number> {
  if (error instanceof DiagnosticError) {
    await io.diagnostics(error.diagnostics);
    return 2;
  }
  if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
    const { parseErrorMessage } = await import('./parse-error.js');
    io.err(`dagc ${command.name}: ${parseErrorMessage(error, command) ?? (error as Error).message}\nusage: ${command.usage}\n`);
    return 2;
  }
  if (error instanceof UserError) {
    io.err(`dagc ${command.name}: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    if (debug) io.err(`${error.stack}\n`);
    return 2;
  }
  const e = error as Error;
  io.err(
    `dagc ${command.name}: internal error: ${e?.message ?? String(error)}\n` +
      (debug ? `${e?.stack}\n` : 'hint: run again with --debug for the stack trace, and report it\n'),
  );
  return 2;
}
