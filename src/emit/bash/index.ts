// The bash target's compiler: one self-contained script that runs the whole pipeline through the dagc
// entrypoint. Its emulator (src/emulate/bash/) runs that script under real bash.
import type { Compiler } from '../types.js';
import { emitBash } from './emit-bash.js';

export const compiler: Compiler = {
  name: 'bash',
  configSchema: 'config.schema.json#/definitions/bash_executor_config',
  defaultOutput: (base) => `${base}.sh`,
  // The script runs on this machine and finds the pipeline and config relative to its own folder ("$here").
  pathsFrom: 'output',
  compile: emitBash,
};
