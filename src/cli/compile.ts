// `dagc compile <pipeline> --target T`: renders the pipeline for an engine. Output goes to -o FILE (written
// atomically) or stdout; --check exits 1 when FILE differs from what would be written (for CI).
import path from 'node:path';
import type { Command, Io, ParsedArgs } from './types.js';
import { UsageError, UserError, requirePositional, stringList, stringOption } from './types.js';
import { INPUT_OPTIONS, loadInputs } from './load-inputs.js';
import type { Inputs } from './load-inputs.js';
import { TARGETS } from '../emit/targets.js';
import type { Emitter } from '../emit/types.js';
import { DiagnosticError, hasErrors } from '../core/diagnostics.js';
import { VERSION } from '../version.js';
import { checkOutput, serialiseOutput, writeOutput } from './write-outputs.js';

export const COMPILE_OPTIONS = {
  target: { type: 'string', short: 't', arg: 'TARGET', description: `the engine to render for: ${Object.keys(TARGETS).join(', ')}` },
  ...INPUT_OPTIONS,
  output: { type: 'string', short: 'o', arg: 'FILE', description: 'write here (atomically) instead of stdout' },
  check: { type: 'boolean', description: 'exit 1 if FILE differs from what would be written; write nothing' },
} as const;

export async function loadEmitter(target: string | undefined): Promise<Emitter> {
  if (!target) throw new UsageError(`missing --target (one of: ${Object.keys(TARGETS).join(', ')})`);
  const load = TARGETS[target];
  if (!load) {
    const { didYouMean } = await import('../core/suggest.js');
    const guess = didYouMean(target, Object.keys(TARGETS));
    throw new UsageError(`unknown target "${target}"${guess ? `; did you mean "${guess}"?` : ''} (targets: ${Object.keys(TARGETS).join(', ')})`);
  }
  return (await load()).emitter;
}

const posix = (p: string) => p.split(path.sep).join('/');

export interface Rendered {
  /** Absolute output path (when -o was given) and the text to write there. */
  target?: string;
  name: string;
  text: string;
  executable: boolean;
}

/** Emits and serialises; file paths inside the output are relative to the output's folder. */
export async function render(emitter: Emitter, inputs: Inputs, args: ParsedArgs, io: Io, pipelineFile: string, outputOverride?: string): Promise<Rendered> {
  const { checkIntegrations } = await import('../runtime/open-run.js');
  const executor = { ...inputs.config.executor, type: emitter.executorTypes[0]! };
  const { errors } = checkIntegrations({ ...inputs.config, executor });
  if (errors.length) throw new UserError(errors.map((e) => e.message).join('; '), errors[0]?.hint);

  const output = outputOverride ?? stringOption(args.options, 'output');
  const base = path.basename(pipelineFile).replace(/\.(ya?ml)$/i, '');
  const outPath = output ? path.resolve(io.cwd, output) : undefined;
  const outDir = outPath ? path.dirname(outPath) : io.cwd;
  const rel = (file: string) => posix(path.relative(outDir, path.resolve(io.cwd, file)));
  const configFile = stringOption(args.options, 'config');
  const parametersFile = stringOption(args.options, 'parameters');
  const outputName = outPath ? path.basename(outPath) : emitter.defaultOutput(base);
  const result = emitter.emit(inputs.pipeline, inputs.config, {
    files: {
      pipeline: rel(pipelineFile),
      config: configFile ? rel(configFile) : undefined,
      parameters: parametersFile ? rel(parametersFile) : undefined,
      varFiles: stringList(args.options, 'var-file').map(rel),
    },
    outputName,
    source: rel(pipelineFile),
    dagcVersion: VERSION,
    parameters: inputs.parameters,
  });
  if (hasErrors(result.diagnostics)) throw new DiagnosticError(result.diagnostics);
  if (result.diagnostics.length) await io.diagnostics(result.diagnostics);
  const file = result.files[0]!;
  return { target: outPath, name: outputName, text: await serialiseOutput(file), executable: emitter.target === 'bash' };
}

export const command: Command = {
  name: 'compile',
  summary: 'Render a pipeline for an engine (bash script, …), deterministically: same input, same bytes.',
  usage: 'dagc compile <pipeline> --target bash [-c config] [-p params] [-o FILE] [--check]',
  options: COMPILE_OPTIONS,
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const emitter = await loadEmitter(stringOption(args.options, 'target'));
    const inputs = await loadInputs(file, args.options, io);
    if (inputs.warnings.length) await io.diagnostics(inputs.warnings);
    const rendered = await render(emitter, inputs, args, io, file);
    if (args.options.check) {
      if (!rendered.target) throw new UsageError('--check needs -o FILE to compare with');
      const state = await checkOutput(rendered.target, rendered.text);
      if (state === 'same') return 0;
      io.err(`${stringOption(args.options, 'output')} is ${state === 'missing' ? 'missing' : 'out of date'}: run the same command without --check to update it\n`);
      return 1;
    }
    if (rendered.target) await writeOutput(rendered.target, rendered.text, rendered.executable ? 0o755 : 0o644);
    else io.out(rendered.text);
    return 0;
  },
};
