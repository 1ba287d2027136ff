// The compile half of a target's contract (shared/STYLE.md §6.2; ARCHITECTURE.md "The target contract"): a
// compiler is pure and synchronous (IR and config in, documents out: no fs, no clock, no env). The library
// serialises what it returns (serialise.ts) and the CLI writes it. The emulate half is src/emulate/types.ts;
// src/library/targets.ts registers both halves of each target once.
import type { DagcConfig } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import type { Diagnostic } from '../core/diagnostics.js';

export interface EmitOptions {
  /** Paths the rendered output refers to, relative to the folder the output will live in ('/' separators). */
  readonly files: {
    readonly pipeline: string;
    readonly config?: string | undefined;
    readonly parameters?: string | undefined;
    readonly varFiles: readonly string[];
  };
  /** The output file name as the user will see it (for the header's "how to run" lines). */
  readonly outputName: string;
  /** The pipeline file as named on the command line (for the header). */
  readonly source: string;
  readonly dagcVersion: string;
  /** The initial parameters (-p file), for targets that expose them (Argo workflow arguments). */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /**
   * The caller runs `EmitResult.deferred` (library/compile.ts does): a compiler may then leave a costly check of
   * its output to it, to run off the calling thread (the asl target's asl-validator over a split machine's parts).
   * Unset, every check is in `diagnostics`.
   */
  readonly deferChecks?: boolean;
}

export type OutputFile =
  | {
      readonly path: string;
      readonly format: 'yaml' | 'json';
      readonly body: unknown;
      /** The body's text as serialise.ts makes it, where the compiler laid it out already (the asl target
       * measures its definitions as written: limits.ts); written as it is. */
      readonly text?: string;
    }
  | { readonly path: string; readonly format: 'text'; readonly body: string };

export interface EmitResult {
  readonly files: OutputFile[];
  readonly diagnostics: Diagnostic[];
  /**
   * Checks left undone under EmitOptions.deferChecks: calling it starts them (off this thread where they run
   * there), `finish` completes them; their findings count as `diagnostics`' (errors refuse the output).
   */
  readonly deferred?: () => { finish(): Promise<Diagnostic[]> };
}

/** A compiled file as `dagc compile` writes it: where it belongs and its exact bytes. */
export interface CompiledFile {
  /** Absolute path: the -o file, or the target's default name in the working directory. */
  readonly path: string;
  readonly text: string;
  readonly executable: boolean;
}

/** What `dagc check` reports: the engine-limits budget of one pipeline. */
/** One measured quantity of a budget, as numbers (`dagc check --json`). */
export interface BudgetFigure {
  readonly value: number;
  /** What `value` counts: bytes, characters, templates, tasks, states, events, pods, maps. */
  readonly unit: string;
  /** The engine's limit for it, in the same unit, when it has one. */
  readonly limit?: number;
  /** Where the largest one is (a template, a value, a name), when the figure is a maximum. */
  readonly where?: string;
}

export interface Budget {
  /** The report, as printed. */
  readonly report: string;
  /** The report's numbers by name (snake_case), for `dagc check --json`. */
  readonly figures: Readonly<Record<string, BudgetFigure>>;
  /** True when a limit is exceeded (exit 1; the report still prints). */
  readonly exceeded: boolean;
  /** Warnings (and limit errors) found while measuring, to print after the report. */
  readonly diagnostics: Diagnostic[];
}

export interface CheckOptions extends EmitOptions {
  /** Items per map when counting pods, states or events, for maps that declare no width. */
  readonly mapWidth: number;
}

export interface Compiler {
  /** Also the --target value. */
  readonly name: string;
  /**
   * The JSON Schema of this target's `executor.config`, as a reference into schemas/config.schema.json
   * (which the config loader validates with ajv, so its keys are checked once, with positions).
   */
  readonly configSchema: string;
  /** The default output file name for a pipeline called `base` (e.g. 'pipeline.sh'). */
  defaultOutput(base: string): string;
  /**
   * Where the relative paths inside the output start. 'pipeline' (the default): the pipeline's own folder as the
   * step image holds it, the working directory of every pod or job, whatever folder the output is written to.
   * 'output': the output's folder (a script run on this machine finds its inputs beside itself).
   */
  readonly pathsFrom?: 'pipeline' | 'output';
  compile(ir: Pipeline, config: DagcConfig, options: EmitOptions): EmitResult;
  /**
   * What compile would refuse about the config (its readers' rules, at the config's keys or the steps), without
   * rendering: `dagc validate` asks this (src/library/config-check.ts), and compile itself when absent.
   */
  checkConfig?(ir: Pipeline, config: DagcConfig, options: EmitOptions): Diagnostic[];
  /**
   * The engine-limits budget (`dagc check`), for targets whose engine has limits worth measuring. Throws
   * DiagnosticError when the pipeline cannot be measured (an error other than an exceeded limit).
   */
  check?(ir: Pipeline, config: DagcConfig, options: CheckOptions): Budget;
  /**
   * The config `dagc emulate` compiles with, when the given one lacks what only the cloud needs (ARNs of
   * resources the emulator never calls). The emulator then runs exactly what `compile` makes of this config.
   */
  emulationConfig?(config: DagcConfig): DagcConfig;
  /**
   * Whether `dagc emulate -p FILE` passes the parameters when the run starts, as the engine's own submit does
   * (asl: the execution input, {parameters}), instead of compiling the file into the output.
   */
  readonly parametersAtStart?: boolean;
}
