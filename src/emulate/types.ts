// The emulate half of a target's contract (ARCHITECTURE.md "The target contract"): an emulator runs the files
// `compile` produced, byte for byte, on this machine with the engine's semantics, every step through the real
// dagc entrypoint, so the run lands in the configured run log store like any other.
import type { DagcConfig } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import type { Diagnostic } from '../core/diagnostics.js';
import type { CompiledFile } from '../emit/types.js';

export interface EmulateOptions {
  readonly runId: string;
  /** A previous run to re-run from (steps that succeeded there are taken as they are). */
  readonly useCached?: string | undefined;
  /** The -p file's parameters, where the target passes them when the run starts (Compiler.parametersAtStart);
   * the compiled files then name no parameters file. */
  readonly parameters?: Readonly<Record<string, unknown>> | undefined;
  /** Where the steps run: the folder the compiled files' relative paths start from. */
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How the engine's containers run `dagc`, e.g. [process.execPath, '<package>/bin/dagc.js']. */
  readonly dagc: readonly string[];
  /** The pipeline and config the files were compiled from (what an engine's own services would answer from). */
  readonly pipeline: Pipeline;
  readonly config: DagcConfig;
  /** Where the steps' (and the engine's) output goes. */
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Reports warnings found before anything runs. */
  readonly diagnostics?: (diagnostics: readonly Diagnostic[]) => Promise<void>;
  /** Which implementation of the engine runs the files, where a target has more than one (argo: `dagc`, the
   * built-in emulator, the default; `argo`, Argo's own workflow controller). */
  readonly engine?: string | undefined;
}

export interface EmulateResult {
  /** dagc's exit code: 0 the run ended SUCCESS, 1 FAIL, 2 it stopped before it ended (bad input, engine error). */
  readonly exitCode: number;
  /** The run id the run log has, where the engine records the run under another than the one asked for (an asl
   * execution name the run-id rule refuses: runtime/run-id.ts runIdOfExecutionName). */
  readonly runId?: string;
  /** How the engine ended, for the summary line: ' (bash)', ': Argo workflow Succeeded', … */
  readonly engine: string;
  /** The engine's own account of the run (argo: the workflow's phase and node tree), for --json. */
  readonly details?: unknown;
}

export interface Emulator {
  emulate(files: readonly CompiledFile[], options: EmulateOptions): Promise<EmulateResult>;
}
