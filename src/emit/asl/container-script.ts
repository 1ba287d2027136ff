// What every container a Task state starts runs: `dagc asl-task -f … -- OP ARGS…` (src/cli/asl-task.ts), one
// node process that calls the runtime entrypoint (DESIGN.md §4) for the operation and records the pure nodes
// next to it. Stubs become Pass states and success/fail become Succeed/Fail, which cannot write a run log, so
// the container that hands control to them records them (`dagc exec` of each, in the order `dagc run` would)
// before it exits. The operations and their exit codes are listed in asl-task.ts.
//
// The argv is the whole Command: it is repeated in every Task state and Step Functions takes at most
// 1,048,576 characters per definition (a POSIX sh script doing the same cost ~360 characters more per Task).
// The run id and map indices arrive as environment (DAGC_ASL_RUN_ID, DAGC_MAP_INDEX), never in the command,
// so the Command stays a static array: no intrinsic string literals (aws-local-stepfunctions 3.0.0 mis-parses
// a '(' inside one, shared/notes/toolchain.md §2) and no shell, so no quoting of user names.

export interface EntryFiles {
  readonly pipeline: string;
  readonly config?: string;
  readonly parameters?: string;
  readonly varFiles: readonly string[];
}

export type ContainerOp =
  | { op: 'task'; path: string; attempts: number; ok: readonly string[]; fail: readonly string[] }
  | { op: 'fan-in'; path: string; ok: readonly string[]; fail: readonly string[] }
  | { op: 'fan-out' | 'map'; path: string; chain: readonly string[] }
  | { op: 'start'; chain: readonly string[] }
  | { op: 'close' };

/** The program a Task runs: dagc on the image's PATH (the emulator runs its own bin/dagc.js instead). */
export const CONTAINER_PROGRAM = 'dagc';

/**
 * Line breaks (and backslashes, so decoding is exact) as escapes. asl-validator 4 refuses strings with line
 * breaks in payload templates (its "not JSONata" pattern uses `.`), although Step Functions takes them;
 * `dagc asl-task` decodes them (decodeArg). The escapes are printf %b's (a shell can decode them too).
 */
export function encodeArg(text: string): string {
  return text.replace(/[\\\n\r\u2028\u2029]/g, (c) => ESCAPES[c] ?? c);
}

const ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  '\n': '\\n',
  '\r': '\\r',
  // U+2028 and U+2029 as their UTF-8 bytes, in octal.
  '\u2028': '\\0342\\0200\\0250',
  '\u2029': '\\0342\\0200\\0251',
};
const UNESCAPES: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(ESCAPES).map(([c, e]) => [e, c]));

/** The inverse of encodeArg. Scanning left to right, an escaped backslash is taken before what follows it. */
export function decodeArg(text: string): string {
  return text.replace(/\\\\|\\n|\\r|\\0342\\0200\\025[01]/g, (e) => UNESCAPES[e] ?? e);
}

const chainArgs = (chain: readonly string[]) => [String(chain.length), ...chain.map(encodeArg)];

/** The operation's words after `--`: its name, then its arguments. */
export function operationArgs(op: ContainerOp): string[] {
  switch (op.op) {
    case 'task':
      return [op.op, encodeArg(op.path), String(op.attempts), ...chainArgs(op.ok), ...chainArgs(op.fail)];
    case 'fan-in':
      return [op.op, encodeArg(op.path), ...chainArgs(op.ok), ...chainArgs(op.fail)];
    case 'fan-out':
    case 'map':
      return [op.op, encodeArg(op.path), ...chainArgs(op.chain)];
    case 'start':
      return [op.op, ...chainArgs(op.chain)];
    case 'close':
      return [op.op];
  }
}

/** The Command array of one Task state: dagc asl-task, the entrypoint's file options, then the operation. */
export function containerCommand(files: EntryFiles, op: ContainerOp): string[] {
  return [
    CONTAINER_PROGRAM,
    'asl-task',
    '-f',
    files.pipeline,
    ...(files.config ? ['-c', files.config] : []),
    ...(files.parameters ? ['-p', files.parameters] : []),
    ...files.varFiles.flatMap((v) => ['-v', v]),
    '--',
    ...operationArgs(op),
  ];
}
