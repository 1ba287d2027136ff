// `dagc compile <pipeline> --target T`: renders the pipeline for an engine (the library's compile). Output goes
// to -o FILE (written atomically) or stdout; --check exits 1 when FILE differs from what would be written (for CI).
import type { Command } from './types.js';
import { UsageError, requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { checkOutput, stageOutput, writeOutput } from './write-outputs.js';
import type { StagedWrite } from '../core/write-file-atomic.js';
import { TARGET_NAMES } from '../library/targets.js';
import { compile } from '../library/compile.js';
import type { Diagnostic } from '../core/diagnostics.js';

export const COMPILE_OPTIONS = {
  target: { type: 'string', short: 't', arg: 'TARGET', description: `the engine to render for: ${TARGET_NAMES.join(', ')}` },
  ...INPUT_OPTIONS,
  output: { type: 'string', short: 'o', arg: 'FILE', description: "write here (atomically) instead of stdout; a folder (existing, or ending with /) gets the target's file names (a split argo pipeline writes several)" },
  check: { type: 'boolean', description: 'exit 1 if FILE differs from what would be written; write nothing' },
  lint: { type: 'boolean', description: "argo: check the manifest with Argo's own validator first (exit 1 if it rejects it; built by scripts/build-go.mjs)" },
  json: { type: 'boolean', description: 'print {target, files: [{path, sha256, bytes, written, state, text?}], diagnostics} as JSON (text when there is no -o)' },
} as const;

/** The --target value, checked against the registry (a flag error: printed with the usage line). */
export async function targetOption(target: string | undefined, configGiven = false): Promise<string> {
  if (!target) throw new UsageError(`missing --target (one of: ${TARGET_NAMES.join(', ')})`);
  if (TARGET_NAMES.includes(target)) return target;
  // A plugin's target (`plugins:` in the config) is known once the config has loaded: the library checks it.
  if (configGiven) return target;
  const { didYouMean } = await import('../core/suggest.js');
  const guess = didYouMean(target, TARGET_NAMES);
  throw new UsageError(`unknown target "${target}"${guess ? `; did you mean "${guess}"?` : ''} (targets: ${TARGET_NAMES.join(', ')})`);
}

export const command: Command = {
  name: 'compile',
  summary: 'Render a pipeline for an engine (bash script, …), deterministically: same input, same bytes.',
  usage: 'dagc compile <pipeline> --target bash [-c config] [-p params] [-o FILE] [--check] [--lint] [--json]',
  options: COMPILE_OPTIONS,
  async run(args, io) {
    // Files written while the compiler's last checks run (a split machine's validation), put in place once
    // they pass; removed whatever else happens.
    const staged: StagedWrite[] = [];
    try {
      return await runCompile(args, io, staged);
    } finally {
      for (const s of staged) s.discard();
    }
  },
};

async function runCompile(args: Parameters<Command['run']>[0], io: Parameters<Command['run']>[1], staged: StagedWrite[]): Promise<number> {
  const file = requirePositional(args, 0, 'the pipeline file');
  const target = await targetOption(stringOption(args.options, 'target'), stringOption(args.options, 'config') !== undefined);
  const output = stringOption(args.options, 'output');
  const json = args.options.json === true;
  const warnings: Diagnostic[] = [];
  // With -o and nothing to check first, each file is written to its temp file as soon as it is serialised.
  const stage = output !== undefined && args.options.check !== true && args.options.lint !== true;
  const onSerialised = (serialised: readonly { path: string; text: string; executable: boolean }[]) => {
    for (const f of serialised) staged.push(stageOutput(f.path, f.text, f.executable ? 0o755 : 0o644));
  };
  const { files } = await compile({ ...inputFiles(file, args.options, io), target, output, ...(stage ? { onSerialised } : {}) }, async (d) => {
    if (json) warnings.push(...d);
    else await io.diagnostics(d);
  });
  // A split Argo pipeline is several files (the workflow first, then its WorkflowTemplates): each is written,
  // checked and described; on stdout they are one YAML stream, the WorkflowTemplates first (what
  // `kubectl create -f -` needs before the workflow refers to them).
  // Joined only where it is used (stdout, --lint): a split ASL machine of 10,000 steps is ~40 MB of text.
  const stream = () => (files.length > 1 ? [...files.slice(1), files[0]!].map((f) => f.text).join('---\n') : files[0]!.text);
  // --json: one document on stdout saying what was (or, with --check, would be) written.
  const describe = async (states: string[], written: boolean) => {
    const { sha256 } = await import('../core/sha256.js');
    const { relative } = await import('node:path');
    const entries = files.map((f, i) => ({
      path: output === undefined ? null : relative(io.cwd, f.path).split('\\').join('/'),
      sha256: sha256(f.text),
      bytes: Buffer.byteLength(f.text),
      written,
      state: states[i] ?? states[0],
      ...(output === undefined ? { text: f.text } : {}),
    }));
    io.out(`${JSON.stringify({ target, files: entries, diagnostics: warnings }, null, 2)}\n`);
  };
  if (args.options.lint) {
    if (target !== 'argo') throw new UsageError('--lint runs Argo\'s validator: use it with --target argo');
    const { lintArgoManifest } = await import('../emit/argo/lint-argo.js');
    const verdict = await lintArgoManifest(stream(), io.env);
    io.err(verdict.report);
    if (!verdict.ok) return 1;
  }
  if (args.options.check) {
    if (!output) throw new UsageError('--check needs -o FILE to compare with');
    const states = await Promise.all(files.map((f) => checkOutput(f.path, f.text)));
    if (json) await describe(states, false);
    const stale = files.filter((_, i) => states[i] !== 'same');
    if (!stale.length) return 0;
    const { relative } = await import('node:path');
    for (const f of stale)
      io.err(`${relative(io.cwd, f.path) || output} is ${states[files.indexOf(f)] === 'missing' ? 'missing' : 'out of date'}: run the same command without --check to update it\n`);
    return 1;
  }
  if (output) {
    if (staged.length === files.length && staged.every((s, i) => s.file === files[i]!.path)) for (const s of staged) s.commit();
    else for (const f of files) await writeOutput(f.path, f.text, f.executable ? 0o755 : 0o644);
  }
  if (json) await describe([output ? 'written' : 'printed'], output !== undefined);
  else if (!output) io.out(stream());
  return 0;
}
