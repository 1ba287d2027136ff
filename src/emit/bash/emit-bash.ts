// IR → the bash script (view-model, then templates/bash/script.sh.hbs). Pure: no fs beyond the template.
import type { DagcConfig } from '../../config/types.js';
import type { Pipeline } from '../../ir/types.js';
import type { EmitOptions, EmitResult } from '../types.js';
import { renderTemplate } from '../render-template.js';
import { toBashView } from './bash-view.js';

export function emitBash(ir: Pipeline, config: DagcConfig, options: EmitOptions): EmitResult {
  const view = toBashView(ir, config, options);
  const body = renderTemplate('bash/script.sh', view).replace(/\n{3,}/g, '\n\n');
  return { files: [{ path: options.outputName, format: 'text', body }], diagnostics: [] };
}
