// The command line of what CI and editors run over and over on a whole pipeline: `dagc compile` and
// `dagc validate` (issue 16: 500 steps to Argo in ≤ 2× a node start). bin/dagc.js loads this bundle
// (dist/entry/compile.cjs, scripts/build.mjs) instead of dist/main.js for them: one CommonJS file compiled from
// V8's code cache, where the ES build would parse and link some sixty modules on every call (Node 20 has no
// module.enableCompileCache). The commands are the same files main.ts loads.
import type { Command } from './types.js';
import { createProcessIo } from './process-io.js';
import { runCommand } from './run-command.js';
import { command as compile } from './compile.js';
import { command as validate } from './validate.js';

const COMMANDS: Readonly<Record<string, Command>> = { compile, validate };

/** Runs `dagc compile …` or `dagc validate …`; undefined for any other command (main.ts handles those). */
export async function entryMain(argv: string[]): Promise<number | undefined> {
  const [name, ...rest] = argv;
  const command = name === undefined ? undefined : COMMANDS[name];
  if (!command) return undefined;
  return runCommand(command, rest, createProcessIo(rest.includes('--json')));
}
