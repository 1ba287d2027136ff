// The command line of one node of a rendered target: `dagc exec` and `dagc fan`, which an engine starts once per
// step (issue 16). bin/dagc.js loads this bundle (dist/entry/, scripts/build.mjs) instead of dist/main.js for
// them: built on its own, what every step needs is one module instead of some forty, and what only some steps
// need (loading the pipeline files when the run's built pipeline cannot be used, the YAML parser for -c, the
// catalog's globbing) stays in chunks loaded on demand. The commands are the same files main.ts loads.
import type { Command } from './types.js';
import { createProcessIo } from './process-io.js';
import { runCommand } from './run-command.js';
import { command as exec } from './exec.js';
import { command as fan } from './fan.js';

const COMMANDS: Readonly<Record<string, Command>> = { exec, fan };

/** Runs `dagc exec …` or `dagc fan …`; undefined for any other command (main.ts handles those). */
export async function entryMain(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) return undefined;
  return runCommand(command, rest, createProcessIo(rest.includes('--json')));
}
