// `compile`: a pipeline rendered for an engine, as the bytes `dagc compile` writes. Paths inside the output
// are relative to the pipeline's folder as the step image holds it (the pods' and jobs' working directory), or
// for a script run on this machine (bash) to the folder it will live in, so the file works wherever it is written. The target's compiler is pure (src/emit/types.ts); loading, the integration check
// and serialising happen here.
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { DiagnosticError, hasErrors } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import type { DagcConfig } from '../config/types.js';
import { loadInputFiles } from '../config/inputs.js';
import type { InputFiles, Inputs } from '../config/inputs.js';
import type { CompiledFile, EmitOptions } from '../emit/types.js';
import { serialiseOutput } from '../emit/serialise.js';
import { VERSION } from '../version.js';
import type { Target } from './targets.js';
import { TARGET_NAMES, loadTarget } from './targets.js';
import type { Reporter } from './types.js';
import { ignoreDiagnostics } from './types.js';

export interface CompileRequest extends InputFiles {
  /** The --target name. */
  readonly target: string;
  /** Where the output will be written (relative to cwd); not written here. Default: the target's name for it. */
  readonly output?: string | undefined;
  /** Told the files once they are serialised, before the compiler's deferred checks have finished (which may
   * still refuse them: then compile throws, and nothing told may be put in place). The CLI stages its writes
   * here, so that they overlap the checks (a split machine's validation, issue 16). */
  readonly onSerialised?: ((files: readonly CompiledFile[]) => void) | undefined;
}

export interface CompileResult {
  readonly target: Target;
  readonly files: CompiledFile[];
  /** Warnings of the inputs and of the compiler (errors are thrown as DiagnosticError). */
  readonly diagnostics: Diagnostic[];
}

const posix = (p: string) => p.split(path.sep).join('/');

/** The pipeline's name without its extension: `pipeline.yaml` → `pipeline`. */
export function baseName(pipelineFile: string): string {
  return path.basename(pipelineFile).replace(/\.(ya?ml)$/i, '');
}

/** The pipeline's folder: where a step image holds the project, and where its pods and jobs start. */
export function imageProjectFolder(files: InputFiles): string {
  return path.dirname(path.resolve(files.cwd, files.pipelineFile));
}

/** What a compiler is told about the files its output refers to, relative to `outDir`. */
export function emitOptions(files: InputFiles, outDir: string, outputName: string, inputs: Inputs): EmitOptions {
  const rel = (file: string) => posix(path.relative(outDir, path.resolve(files.cwd, file)));
  return {
    files: {
      pipeline: rel(files.pipelineFile),
      config: files.configFile ? rel(files.configFile) : undefined,
      parameters: files.parametersFile ? rel(files.parametersFile) : undefined,
      varFiles: (files.varFiles ?? []).map(rel),
    },
    outputName,
    source: rel(files.pipelineFile),
    dagcVersion: VERSION,
    parameters: inputs.parameters,
  };
}

/**
 * The integrations of this target's executor with the configured services (e.g. asl with a file-system store,
 * which jobs that share no disk cannot use): refused before anything renders, as `dagc run` would refuse them.
 */
export async function checkTargetIntegrations(target: Target, config: DagcConfig): Promise<void> {
  const { checkIntegrations } = await import('../integrations/configured.js');
  const { errors } = checkIntegrations({ ...config, executor: { ...config.executor, type: target.executorTypes[0]! } });
  if (errors.length) throw new UserError(errors.map((e) => e.message).join('; '), errors[0]?.hint);
}

/** Compiles loaded inputs with `config` (the inputs' own, or the one an emulation fills in). */
export async function compileLoaded(
  target: Target,
  inputs: Inputs,
  config: DagcConfig,
  files: InputFiles,
  output: string | undefined,
  report: Reporter,
  onSerialised?: CompileRequest['onSerialised'],
): Promise<CompileResult> {
  // -o a folder (it exists as one, or ends with '/'): the target's own file names inside it (a split Argo
  // pipeline writes several files).
  const folder = output !== undefined && (/[\\/]$/.test(output) || (await isFolder(path.resolve(files.cwd, output))));
  const outPath = output && !folder ? path.resolve(files.cwd, output) : undefined;
  const outDir = outPath ? path.dirname(outPath) : folder ? path.resolve(files.cwd, output) : files.cwd;
  const outputName = outPath ? path.basename(outPath) : target.defaultOutput(baseName(files.pipelineFile));
  // Commands that run in an image name the files relative to the pipeline's folder there (never to -o: the
  // manifest is not in the image); a script run here names them relative to itself.
  const pathsFrom = target.pathsFrom === 'output' ? outDir : imageProjectFolder(files);
  const result = target.compile(inputs.pipeline, config, { ...emitOptions(files, pathsFrom, outputName, inputs), deferChecks: true });
  if (hasErrors(result.diagnostics)) throw new DiagnosticError(result.diagnostics);
  const diagnostics = [...result.diagnostics];
  // Deferred checks start, the output is serialised meanwhile, then they finish: nothing is reported or
  // returned before they have passed.
  const deferred = result.deferred?.();
  const compiled: CompiledFile[] = [];
  for (const file of result.files) {
    const text = await serialiseOutput(file);
    compiled.push({ path: path.resolve(outDir, file.path), text, executable: file.format === 'text' && text.startsWith('#!') });
  }
  onSerialised?.(compiled);
  if (deferred) {
    const more = await deferred.finish();
    diagnostics.push(...more);
    if (hasErrors(more)) throw new DiagnosticError(diagnostics);
  }
  if (diagnostics.length) await report(diagnostics);
  return { target, files: compiled, diagnostics: [...inputs.warnings, ...diagnostics] };
}

async function isFolder(p: string): Promise<boolean> {
  const { stat } = await import('../core/fs-async.js');
  return stat(p).then(
    (st) => st.isDirectory(),
    () => false,
  );
}

export async function compile(request: CompileRequest, report: Reporter = ignoreDiagnostics): Promise<CompileResult> {
  // A built-in target is known before the inputs load; a plugin's only once the config has loaded it.
  const builtin = TARGET_NAMES.includes(request.target) ? await loadTarget(request.target) : undefined;
  const inputs = await loadInputFiles(request);
  const target = builtin ?? (await loadTarget(request.target));
  if (inputs.warnings.length) await report(inputs.warnings);
  await checkTargetIntegrations(target, inputs.config);
  return compileLoaded(target, inputs, inputs.config, request, request.output, report, request.onSerialised);
}
