// What every container a Task state starts runs: `sh -c SCRIPT dagc-asl ARGS…`, a short POSIX sh script that
// calls the runtime entrypoint (DESIGN.md §4) and records the pure nodes next to it. Stubs become Pass states
// and success/fail become Succeed/Fail, which cannot write a run log, so the container that hands control to
// them records them (`dagc exec` of each, in the order `dagc run` would) before it exits.
//
// Operations (a chain is a count followed by that many dot paths):
//   task PATH OK-CHAIN FAIL-CHAIN   one attempt of a leaf node, numbered $$.State.RetryCount + 1
//                                   (DAGC_ASL_RETRY); SUCCESS: OK-CHAIN, exit 0; FAIL before the last
//                                   attempt: exit 1 (the engine retries); on the last: FAIL-CHAIN, exit 1
//   fan-in PATH OK-CHAIN FAIL-CHAIN fan in, then the chain of the outcome (exit 0 / 1)
//   fan-out PATH CHAIN              fan out a parallel or dag, then each branch's leading chain
//   map PATH CHAIN                  fan out a map, then the branch's leading chain once per item
//   start CHAIN                     the root graph's leading chain
// Exit codes: 0/1 as above; 2 bad input or a broken record (passed on); 3 from a fan out with nothing to run
// (a re-run took it from the previous run, or the map could not open): the state machine skips to the fan in.
//
// The script is built per operation with only the code that operation needs: it is repeated in every Task
// state, and Step Functions takes at most 1,048,576 characters per definition. The run id and map indices
// arrive as environment (DAGC_ASL_RUN_ID, DAGC_MAP_INDEX), never in the command, so the Command stays a
// static array: no intrinsic string literals (aws-local-stepfunctions 3.0.0 mis-parses a '(' inside one,
// shared/notes/toolchain.md §2) and no quoting of user names anywhere but argv.

/** POSIX single-quoting: safe for any string, including quotes, `$(…)`, newlines. */
export function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

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
  | { op: 'start'; chain: readonly string[] };

/**
 * Line breaks (and backslashes, so decoding is exact) as printf %b escapes. asl-validator 4 refuses strings
 * with line breaks in payload templates (its "not JSONata" pattern uses `.`), although Step Functions takes
 * them; a name with one is decoded in the container by d() below.
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

const chainArgs = (chain: readonly string[]) => [String(chain.length), ...chain.map(encodeArg)];

function argsOf(op: ContainerOp): string[] {
  switch (op.op) {
    case 'task':
    case 'fan-in':
      return [encodeArg(op.path), ...chainArgs(op.ok), ...chainArgs(op.fail)];
    case 'fan-out':
    case 'map':
      return [encodeArg(op.path), ...chainArgs(op.chain)];
    case 'start':
      return chainArgs(op.chain);
  }
}

/** The script for one operation (see the header), on one line, with the entrypoint's file options baked in. */
export function containerScript(files: EntryFiles, op: ContainerOp): string {
  const dagc = [
    '${DAGC_BIN:-dagc}', // DAGC_BIN may be "node /path/bin/dagc.js": split on purpose
    '%CMD%',
    '-f',
    shQuote(files.pipeline),
    ...(files.config ? ['-c', shQuote(files.config)] : []),
    ...(files.parameters ? ['-p', shQuote(files.parameters)] : []),
    ...files.varFiles.flatMap((v) => ['-v', shQuote(v)]),
  ].join(' ');
  const call = (cmd: string) => dagc.replace('%CMD%', cmd);
  // Names are decoded (printf %b; the x keeps a final newline from $(…)) only where one needs it.
  const decode = argsOf(op).some((a) => a.includes('\\'));
  const arg = (n: string) => (decode ? { pre: `d "${n}";`, ref: '"$v"' } : { pre: '', ref: `"${n}"` });
  const d = decode ? 'd(){ v=$(printf %bx "$1");v=${v%x};};' : '';
  // k: records a chain of pure nodes (the run id and map indices need no quotes: an execution name has no
  // whitespace or wildcards). I carries the item index for a map branch's leading chain.
  const k = `k(){ n=$1;shift;while [ $n -gt 0 ];do ${arg('$1').pre}${call('exec')} ${op.op === 'map' ? '${I:+--map-index $I} ' : ''}-- $r ${arg('$1').ref}||exit 2;shift;n=$((n-1));done;};`;
  const head = `r=$DAGC_ASL_RUN_ID;${d}`;
  const chains = (ok: readonly string[], fail: readonly string[]) =>
    ok.length === 0 && fail.length === 0 ? 'exit $s' : `[ $s -gt 1 ]&&exit $s;shift;${k}[ $s = 1 ]&&shift $(($1+1));k "$@";exit $s`;
  // The count is the last line fan out prints; anything before it (a warning) is not a number.
  const fanOut = (path: { pre: string; ref: string }) =>
    `${path.pre}N=$(${call('fan')} -- out $r ${path.ref});s=$?;N=\${N##*[!0-9]};[ $s -le 1 ]||exit $s;[ "\${N:-0}" -gt 0 ]||exit 3;`;
  const path = arg('$1');
  switch (op.op) {
    case 'task': {
      const retries = op.attempts > 1;
      const attempt = retries ? 'a=$((${DAGC_ASL_RETRY:-0}+1));' : '';
      const retry = retries ? `[ $s = 1 ]&&[ $a -lt ${op.attempts} ]&&exit 1;` : '';
      return `${head}${attempt}${path.pre}${call('exec')}${retries ? ' --attempt $a' : ''} -- $r ${path.ref};s=$?;${retry}${chains(op.ok, op.fail)}`;
    }
    case 'fan-in':
      return `${head}${path.pre}${call('fan')} -- in $r ${path.ref};s=$?;${chains(op.ok, op.fail)}`;
    case 'fan-out':
      return `${head}${fanOut(path)}${op.chain.length ? `shift;${k}k "$@";` : ''}exit 0`;
    case 'map':
      return `${head}${fanOut(path)}${
        op.chain.length
          ? `shift;${k}c=$1;shift;while [ $c -gt 0 ];do j=0;while [ $j -lt $N ];do I=\${DAGC_MAP_INDEX:+$DAGC_MAP_INDEX,}$j;k 1 "$1";j=$((j+1));done;shift;c=$((c-1));done;`
          : ''
      }exit 0`;
    case 'start':
      return `${head}${k}k "$@";exit 0`;
  }
}

/** The Command array of one Task state: sh, the operation's script, $0, then its arguments. */
export function containerCommand(files: EntryFiles, op: ContainerOp): string[] {
  return ['sh', '-c', containerScript(files, op), 'dagc-asl', ...argsOf(op)];
}
