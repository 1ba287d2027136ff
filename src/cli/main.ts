// dagc's command-line entry: finds the command by name and runs it (run-command.ts parses its flags and maps
// every failure to an exit code).
import { COMMANDS, COMMAND_SUMMARIES } from './commands.js';
import type { Io } from './types.js';
import { runCommand } from './run-command.js';
import { createProcessIo } from './process-io.js';
import { VERSION } from '../version.js';

export { createProcessIo };

/** The list of commands (`dagc --help`); `dagc <command> --help` is run-command.ts's helpText. */
function commandList(): string {
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

export async function main(argv: string[], io?: Io): Promise<number> {
  const [name, ...rest] = argv;
  const json = rest.includes('--json');
  const theIo = io ?? createProcessIo(json);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    theIo.out(commandList());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v' || name === '-V') {
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
  return runCommand(command, rest, theIo);
}
