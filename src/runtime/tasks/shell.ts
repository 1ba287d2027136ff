// `command_type: shell`: `<shell> -c <wrapper>`. magnus 2022/2023 ran `subprocess.run(cmd, shell=True)` and lost
// every export with the subshell; magnus 0.5 captures exported MAGNUS_PRM_* (magnus-spec.md §4.1 step 6, example
// task_shell_parameters). We capture them however the shell exits: the wrapper dumps the environment in an EXIT
// trap, which also runs on `exit 5` or a `set -e` failure (not on SIGKILL, nor after the user's own `exec`).
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { configString, finishAttempt, withStepFiles } from './attempt.js';
import type { Captured } from './capture.js';
import { captureFromEnv } from './capture.js';
import { buildStepEnv, readTextOr } from './environment.js';
import { runChild } from './run-child.js';
import type { TaskRequest, TaskResult } from './types.js';

const COMMAND_VAR = '__DAGC_SHELL_COMMAND';
const DUMP_VAR = '__DAGC_ENV_DUMP';

// The user command travels in an environment variable and runs through `eval`, so it is never quoted into the
// script: quotes, $(…), backticks, `;`, `|`, newlines and non-ASCII reach the shell exactly as written.
// The two wrapper variables are copied into unexported shell variables and unset, so neither the step nor the
// `env -0` dump sees them. PATH is restored for `env` in case the step emptied it; `>|` beats a `set -C`.
// POSIX sh only (dash, bash, zsh, busybox ash): `command_config.shell` must name such a shell.
export const SHELL_WRAPPER = [
  `__dagc_dump=$${DUMP_VAR}`,
  `__dagc_command=$${COMMAND_VAR}`,
  `__dagc_path=$PATH`,
  `unset ${DUMP_VAR} ${COMMAND_VAR}`,
  `trap '__dagc_rc=$?; PATH=$__dagc_path env -0 >| "$__dagc_dump"; exit "$__dagc_rc"' EXIT`,
  `eval "$__dagc_command"`,
].join('\n');

// Under dash (Debian's and Ubuntu's /bin/sh, so most Python images') the dump is dash's own `export -p`, a
// builtin: `env -0` is a process of its own, started after every shell step (~0.02x a node start; issue 16).
// dash writes every exported variable as `export NAME='value'`, a single quote inside as '"'"' (its
// single_quote()); parseExportDump reads exactly that. Other shells quote differently (bash uses $'…', zsh
// and ksh their own), so they keep `env -0`.
export const DASH_WRAPPER = [
  `__dagc_dump=$${DUMP_VAR}`,
  `__dagc_command=$${COMMAND_VAR}`,
  `unset ${DUMP_VAR} ${COMMAND_VAR}`,
  `trap '__dagc_rc=$?; export -p >| "$__dagc_dump"; exit "$__dagc_rc"' EXIT`,
  `eval "$__dagc_command"`,
].join('\n');

const dashShells = new Map<string, boolean>();

/** Whether `shell` (a path, or a name looked up as the child would not be: only paths count) is dash. */
export function isDash(shell: string): boolean {
  let known = dashShells.get(shell);
  if (known === undefined) {
    try {
      known = path.isAbsolute(shell) && path.basename(realpathSync.native(shell)) === 'dash';
    } catch {
      known = false;
    }
    dashShells.set(shell, known);
  }
  return known;
}

/**
 * Parses dash's `export -p`: lines `export NAME='value'` (a value may span lines; a quote inside is written
 * '"'"', several as "''"), `export NAME` for a variable exported but never set (left out). Undefined when the
 * text is not in that form, so that nothing a step exported is ever read wrong.
 */
export function parseExportDump(dump: string): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  let i = 0;
  while (i < dump.length) {
    if (!dump.startsWith('export ', i)) return undefined;
    i += 'export '.length;
    let end = i;
    while (end < dump.length && dump[end] !== '=' && dump[end] !== '\n') end++;
    const name = dump.slice(i, end);
    if (name === '') return undefined;
    i = end + 1;
    if (dump[end] !== '=') continue; // exported without a value (or the dump's last line)
    let value = '';
    for (;;) {
      const quote = dump[i];
      if (quote !== "'" && quote !== '"') break;
      const close = dump.indexOf(quote, i + 1);
      if (close < 0) return undefined;
      const part = dump.slice(i + 1, close);
      if (quote === '"' && !/^'+$/.test(part)) return undefined;
      value += part;
      i = close + 1;
    }
    if (i < dump.length && dump[i] !== '\n') return undefined;
    i++;
    env[name] = value;
  }
  return env;
}

/** Parses an `env -0` dump: NAME=value records separated by NUL (values may hold newlines). */
export function parseEnvDump(dump: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const record of dump.split('\0')) {
    const eq = record.indexOf('=');
    if (eq > 0) env[record.slice(0, eq)] = record.slice(eq + 1);
  }
  return env;
}

/**
 * Under magnus 2022/2023 (config/magnus-era.ts) a shell step's exported MAGNUS_PRM_* / MAGNUS_TRACK_* were lost
 * with the subshell, so they set nothing there either; dagc's own DAGC_* exports and files still count.
 */
function withoutLostExports(dumped: Record<string, string>, era: string | undefined): Record<string, string> {
  if (era !== '2022' && era !== '2023') return dumped;
  return Object.fromEntries(Object.entries(dumped).filter(([k]) => !k.startsWith('MAGNUS_PRM_') && !k.startsWith('MAGNUS_TRACK_')));
}

export async function runShell(request: TaskRequest): Promise<TaskResult> {
  const shell = configString(request.commandConfig, 'shell') ?? '/bin/sh';
  return withStepFiles(async (files) => {
    const env = buildStepEnv(request, files);
    const dumpPath = path.join(files.dir, 'env');
    const dash = isDash(shell);
    const outcome = await runChild(shell, ['-c', dash ? DASH_WRAPPER : SHELL_WRAPPER], {
      cwd: request.cwd,
      env: { ...env, [COMMAND_VAR]: request.command, [DUMP_VAR]: dumpPath },
      secretValues: request.secretValues,
      onLine: request.onLine,
      signal: request.signal,
    });
    let fromEnv: Captured = { parameters: {}, metrics: {} };
    // No dump when the shell was killed or replaced itself with `exec`: nothing exported is captured then.
    const dump = readTextOr(dumpPath, null);
    const dumped = dump === null ? undefined : dash ? parseExportDump(dump) : parseEnvDump(dump);
    if (dumped) fromEnv = captureFromEnv(env, withoutLostExports(dumped, request.env.DAGC_MAGNUS_ERA));
    // Never expected (dash has written this form for decades); said rather than dropping what the step exported.
    const unread = dump !== null && !dumped ? `dagc could not read ${shell}'s export -p (set command_config.shell to /bin/bash)` : undefined;
    return finishAttempt(request, files, outcome, 'command', fromEnv, unread);
  });
}
