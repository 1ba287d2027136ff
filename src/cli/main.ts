// dagc's command-line entry: finds the command, parses its flags (node:util parseArgs, declared once per
// command), runs it and maps every failure to an exit code. User errors never show a stack; --debug does.
import { parseArgs } from 'node:util';
import { COMMANDS, COMMAND_SUMMARIES } from './commands.js';
import type { Command, Io, OptionSpec } from './types.js';
import { UsageError, UserError } from './types.js';
import { DiagnosticError } from '../core/diagnostics.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { VERSION } from '../version.js';

export function createProcessIo(json = false): Io {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    diagnostics: async (diagnostics: readonly Diagnostic[]) => {
      const { formatDiagnostics } = await import('./print-diagnostic.js');
      if (json) process.stdout.write(JSON.stringify({ diagnostics }, null, 2) + '\n');
      else process.stderr.write(await formatDiagnostics(diagnostics, { color: process.stderr.isTTY === true }));
    },
    isTTY: process.stdout.isTTY === true,
    cwd: process.cwd(),
    env: process.env,
  };
}

export function helpText(command?: Command): string {
  if (!command) {
    const names = Object.keys(COMMANDS);
    const width = Math.max(...names.map((n) => n.length));
    return [
      `dagc ${VERSION}: compile and run data pipelines written in magnus's YAML format`,
      '',
      'usage: dagc <command> [options]',
      '',
      'commands:',
      ...names.map((n) => `  ${n.padEnd(width)}  ${COMMAND_SUMMARIES[n] ?? ''}`),
      '',
      'dagc <command> --help shows the options of one command. --debug shows stack traces.',
      '',
    ].join('\n');
  }
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

const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', description: 'show this help' },
  debug: { type: 'boolean', description: 'show stack traces of internal errors' },
};

export async function main(argv: string[], io?: Io): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  const theIo = io ?? createProcessIo(json);
  const debug = argv.includes('--debug');
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    theIo.out(helpText());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    theIo.out(`${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    const { didYouMean } = await import('../core/suggest.js');
    const guess = didYouMean(name, Object.keys(COMMANDS));
    theIo.err(`dagc: unknown command "${name}"${guess ? `; did you mean "${guess}"?` : ''}\nRun dagc --help for the list.\n`);
    return 2;
  }
  const { command } = await load();
  try {
    const options = { ...COMMON, ...command.options };
    const parsed = parseArgs({
      args: rest,
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
      theIo.out(helpText(command));
      return 0;
    }
    return await command.run({ positionals: parsed.positionals, options: parsed.values }, theIo);
  } catch (error) {
    return reportError(error, command, theIo, debug);
  }
}

async function reportError(error: unknown, command: Command, io: Io, debug: boolean): Promise<number> {
  if (error instanceof DiagnosticError) {
    await io.diagnostics(error.diagnostics);
    return 2;
  }
  if (error instanceof UsageError || (error as { code?: string })?.code?.startsWith?.('ERR_PARSE_ARGS')) {
    io.err(`dagc ${command.name}: ${(error as Error).message}\nusage: ${command.usage}\n`);
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
