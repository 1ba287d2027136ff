// node:util parseArgs's own messages ("Unknown option '--bogus'. To specify a positional argument starting with
// a '-', place it at the end of the command after '--', as in '-- "--bogus"") speak about parseArgs, not about
// dagc: they are turned into one line about the command's own options, with a suggestion for a typo.
import type { Command } from './types.js';
import { didYouMean } from '../core/suggest.js';

/** The friendly text for a parseArgs error (code ERR_PARSE_ARGS_*), or undefined for anything else. */
export function parseErrorMessage(error: unknown, command: Command): string | undefined {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS')) return undefined;
  const message = (error as Error).message;
  const flags = ['help', 'debug', ...Object.keys(command.options)].map((n) => `--${n}`);
  const help = `dagc ${command.name} --help lists its options`;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const given = /'([^']+)'/.exec(message)?.[1] ?? '';
    // A short option is compared by its letter, a long one by its name.
    const shorts = Object.entries(command.options).flatMap(([n, s]) => (s.short ? [[`-${s.short}`, `--${n}`] as const] : []));
    const guess = given.startsWith('--') ? didYouMean(given, flags) : undefined;
    const hint = guess ? `; did you mean ${guess}?` : shorts.length && !given.startsWith('--') ? `; its short options are ${shorts.map(([s]) => s).join(' ')}` : '';
    return `unknown option ${given}${hint} (${help})`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    // "Option '-c, --config <value>' argument missing" / "Option '--json' does not take an argument".
    const long = /--([a-z][a-z0-9-]*)/.exec(message)?.[1];
    const spec = long ? command.options[long] : undefined;
    if (long && /argument missing/.test(message)) return `option --${long} needs a value: --${long} ${spec?.arg ?? 'VALUE'}`;
    if (long && /does not take an argument/.test(message)) return `option --${long} is a switch and takes no value (write --${long} alone)`;
  }
  return message;
}
