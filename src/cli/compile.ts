// `dagc compile <pipeline> --target T`: renders the pipeline for an engine (the library's compile). Output goes
// to -o FILE (written atomically) or stdout; --check exits 1 when FILE differs from what would be written (for CI).
import type { Command } from './types.js';
import { UsageError, requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { checkOutput, writeOutput } from './write-outputs.js';
import { TARGET_NAMES } from '../library/targets.js';
import { compile } from '../library/compile.js';
import type { Diagnostic } from '../core/diagnostics.js';

export const COMPILE_OPTIONS = {
  target: { type: 'string', short: 't', arg: 'TARGET', description: `the engine to render for: ${TARGET_NAMES.join(', ')}` },
  ...INPUT_OPTIONS,
  output: { type: 'string', short: 'o', arg: 'FILE', description: 'write here (atomically) instead of stdout' },
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
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = await targetOption(stringOption(args.options, 'target'), stringOption(args.options, 'config') !== undefined);
    const output = stringOption(args.options, 'output');
    const json = args.options.json === true;
    const warnings: Diagnostic[] = [];
    const { files } = await compile({ ...inputFiles(file, args.options, io), target, output }, async (d) => {
      if (json) warnings.push(...d);
      else await io.diagnostics(d);
    });
    const compiled = files[0]!;
    // --json: one document on stdout saying what was (or, with --check, would be) written.
    const describe = async (state: string, written: boolean) => {
      const { sha256 } = await import('../core/sha256.js');
      const { relative } = await import('node:path');
      const entry = {
        path: output === undefined ? null : relative(io.cwd, compiled.path).split('\\').join('/'),
        sha256: sha256(compiled.text),
        bytes: Buffer.byteLength(compiled.text),
        written,
        state,
        ...(output === undefined ? { text: compiled.text } : {}),
      };
      io.out(`${JSON.stringify({ target, files: [entry], diagnostics: warnings }, null, 2)}\n`);
    };
    if (args.options.lint) {
      if (target !== 'argo') throw new UsageError('--lint runs Argo\'s validator: use it with --target argo');
      const { lintArgoManifest } = await import('../emit/argo/lint-argo.js');
      const verdict = await lintArgoManifest(compiled.text, io.env);
      io.err(verdict.report);
      if (!verdict.ok) return 1;
    }
    if (args.options.check) {
      if (!output) throw new UsageError('--check needs -o FILE to compare with');
      const state = await checkOutput(compiled.path, compiled.text);
      if (json) await describe(state, false);
      if (state === 'same') return 0;
      io.err(`${output} is ${state === 'missing' ? 'missing' : 'out of date'}: run the same command without --check to update it\n`);
      return 1;
    }
    if (output) await writeOutput(compiled.path, compiled.text, compiled.executable ? 0o755 : 0o644);
    if (json) await describe(output ? 'written' : 'printed', output !== undefined);
    else if (!output) io.out(compiled.text);
    return 0;
  },
};
