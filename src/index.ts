// The library API of dagc: what the CLI uses and what users import. Each command of the CLI is one function
// here (src/library/<name>.ts), taking plain values (file names, cwd, env, options) and returning results plus
// diagnostics; bad input is thrown as DiagnosticError or UserError. Nothing here prints: warnings found on the
// way go to an optional reporter, and a run's output to the callbacks given. The CLI imports the files in
// src/library/ directly, so each command loads only the code it needs.
export type { Diagnostic, Position, Severity } from './core/diagnostics.js';
export { DiagnosticError, hasErrors } from './core/diagnostics.js';
export { UserError } from './core/errors.js';
export type { Io } from './core/io.js';
export type * from './ir/types.js';
export { MAP_PLACEHOLDER, DAG_BRANCH_NAME } from './ir/types.js';
export { walk, findNode, resolveInternalName } from './ir/walk.js';
export type { DagcConfig, ServiceSection, Parameters } from './config/types.js';
export { DEFAULT_CONFIG } from './config/types.js';
export type * from './services/run-log/types.js';
export type { LoadOptions } from './front-end/load-pipeline.js';
export { loadPipeline } from './front-end/load-pipeline.js';
export { loadConfig, loadParameters } from './config/load.js';
export type { InputFiles, Inputs } from './config/inputs.js';
export { loadInputFiles } from './config/inputs.js';
export { hashDag, pythonJsonDumps } from './front-end/hash.js';
export { createRunLogStore } from './services/run-log/index.js';
export { createCatalog } from './services/catalog/index.js';
export { createSecrets } from './services/secrets/index.js';
export { openRun } from './runtime/open-run.js';
export { runPipeline } from './executors/local.js';
export { executeLeaf } from './runtime/exec-node.js';
export { fanIn, fanOut } from './runtime/fan.js';

// The commands, as functions.
export type { Reporter } from './library/types.js';
export type { ValidateResult } from './library/validate.js';
export { validate } from './library/validate.js';
export type { CompileRequest, CompileResult } from './library/compile.js';
export { compile } from './library/compile.js';
export type { CheckRequest } from './library/check.js';
export { check } from './library/check.js';
export type { EmulateRequest, EmulateRun } from './library/emulate.js';
export { emulate } from './library/emulate.js';
export type { ExecuteOutcome, RunOutcome, RunRequest } from './library/run.js';
export { execute, run } from './library/run.js';
// Deploy and operate (src/deploy): desired state on an engine, then runs of what is deployed.
export type {
  Action,
  DeployOptions,
  DeployRequest,
  DeployResult,
  EngineLog,
  EngineRun,
  FieldChange,
  KubeOptions,
  ResourceOutcome,
  RunRequest as EngineRunRequest,
  SubmitRequest,
  SubmitResult,
  WatchOptions,
} from './deploy/index.js';
export { DEPLOY_TARGETS, RemoteError, deploy, engineLogs, listEngineRuns, submit, watch } from './deploy/index.js';

// Targets: the registry and the contract every target implements (ARCHITECTURE.md).
export type { Target } from './library/targets.js';
export { CHECKED_TARGETS, EXECUTOR_TARGETS, TARGET_NAMES, loadTarget } from './library/targets.js';
export type { Budget, CheckOptions, CompiledFile, Compiler, EmitOptions, EmitResult, OutputFile } from './emit/types.js';
export type { EmulateOptions, EmulateResult, Emulator } from './emulate/types.js';
