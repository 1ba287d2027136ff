// `check`: how much of an engine's limits a pipeline uses (the target's `check`), paths relative to cwd.
import { UserError } from '../core/errors.js';
import { loadInputFiles } from '../config/inputs.js';
import type { InputFiles } from '../config/inputs.js';
import type { Budget } from '../emit/types.js';
import { baseName, emitOptions } from './compile.js';
import { loadTarget } from './targets.js';
import type { Reporter } from './types.js';
import { ignoreDiagnostics } from './types.js';

export interface CheckRequest extends InputFiles {
  readonly target: string;
  /** Items per map, for maps that declare no width. */
  readonly mapWidth: number;
}

export async function check(request: CheckRequest, report: Reporter = ignoreDiagnostics): Promise<Budget> {
  const target = await loadTarget(request.target);
  if (!target.check) throw new UserError(`the ${target.name} target has no limits to check`);
  const inputs = await loadInputFiles(request);
  if (inputs.warnings.length) await report(inputs.warnings);
  const options = emitOptions(request, request.cwd, target.defaultOutput(baseName(request.pipelineFile)), inputs);
  return target.check(inputs.pipeline, inputs.config, { ...options, mapWidth: request.mapWidth });
}

