// The whole contract of a target (shared/STYLE.md §6.2): an emitter is pure and synchronous (IR and config in,
// documents out: no fs, no clock, no env); the CLI serialises and writes what it returns.
import type { DagcConfig } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import type { Diagnostic } from '../core/diagnostics.js';

export interface EmitOptions {
  /** Paths the rendered output refers to, relative to the folder the output will live in ('/' separators). */
  readonly files: {
    readonly pipeline: string;
    readonly config?: string;
    readonly parameters?: string;
    readonly varFiles: readonly string[];
  };
  /** The output file name as the user will see it (for the header's "how to run" lines). */
  readonly outputName: string;
  /** The pipeline file as named on the command line (for the header). */
  readonly source: string;
  readonly dagcVersion: string;
  /** The initial parameters (-p file), for targets that expose them (Argo workflow arguments). */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

export type OutputFile =
  | { readonly path: string; readonly format: 'yaml' | 'json'; readonly body: unknown }
  | { readonly path: string; readonly format: 'text'; readonly body: string };

export interface EmitResult {
  readonly files: OutputFile[];
  readonly diagnostics: Diagnostic[];
}

export interface Emitter {
  /** Also the --target value. */
  readonly target: string;
  /** Executor types (config `executor.type`) this target renders for `dagc execute`. */
  readonly executorTypes: readonly string[];
  /** The default output file name for a pipeline called `base` (e.g. 'pipeline.sh'). */
  defaultOutput(base: string): string;
  emit(ir: Pipeline, config: DagcConfig, options: EmitOptions): EmitResult;
}
