// What the library's functions take and give that is not a target's: plain values (file names, cwd, env), and
// a reporter for warnings found on the way (the CLI prints them as they come; a program may collect them).
import type { Diagnostic } from '../core/diagnostics.js';
export type { InputFiles, Inputs } from '../config/inputs.js';

/** Receives warnings as they are found, before a long step (a run, an emulation) starts. */
export type Reporter = (diagnostics: readonly Diagnostic[]) => Promise<void>;

export const ignoreDiagnostics: Reporter = async () => {};
