// `dagc validate <pipeline> [-c config] [-p params] [--var-file F]... [--json]`: every problem of the
// pipeline, its dag_definition files, the config and the parameters, at once. Exit 0 when there is no error
// (warnings are printed), 2 otherwise. --json prints {"valid", "dag_hash", "diagnostics"} on stdout.
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, requirePositional, stringList, stringOption } from './types.js';
import { INPUT_OPTIONS } from './load-inputs.js';
import type { Diagnostic } from '../core/diagnostics.js';
import { hasErrors, sortDiagnostics } from '../core/diagnostics.js';
import { displayPath, uniqueDiagnostics } from '../core/display.js';
import { loadPipeline } from '../front-end/load-pipeline.js';
import { loadConfig, loadParameters } from '../config/load.js';
import { checkNodeOverrides } from '../config/check-overrides.js';
import type { Graph } from '../ir/types.js';
import { childGraphs } from '../ir/types.js';

export const command: Command = {
  name: 'validate',
  summary: 'Check a pipeline, its dag_definition files, config and parameters; print every problem.',
  usage: 'dagc validate <pipeline> [-c config] [-p params] [--var-file F]... [--json]',
  options: {
    ...INPUT_OPTIONS,
    json: { type: 'boolean', description: 'print {"valid", "dag_hash", "diagnostics"} as JSON on stdout' },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'pipeline file');
    if (args.positionals.length > 1)
      throw new UsageError(`validate takes one pipeline file, got ${args.positionals.length}`);
    const opts = { cwd: io.cwd, env: io.env, varFiles: stringList(args.options, 'var-file') };
    const pipeline = await loadPipeline(file, opts);
    const config = await loadConfig(stringOption(args.options, 'config'), {
      ...opts,
      pipelineSections: pipeline.value?.serviceSections,
    });
    const parameters = await loadParameters(stringOption(args.options, 'parameters'), opts);
    const diagnostics = sortDiagnostics(
      uniqueDiagnostics([
        ...pipeline.diagnostics,
        ...config.diagnostics,
        ...parameters.diagnostics,
        ...(pipeline.value && config.value ? checkNodeOverrides(pipeline.value, config.value) : []),
      ]),
    );
    const valid = !hasErrors(diagnostics);
    if (args.options.json === true) {
      const shown = diagnostics.map((d): Diagnostic => ({
        ...d,
        file: d.file ? displayPath(path.resolve(io.cwd, d.file), io.cwd) : d.file,
      }));
      io.out(
        `${JSON.stringify({ valid, dag_hash: pipeline.value?.dagHash ?? null, diagnostics: shown }, null, 2)}\n`,
      );
      return valid ? 0 : 2;
    }
    if (diagnostics.length) await io.diagnostics(diagnostics);
    if (valid && pipeline.value) {
      const steps = countSteps(pipeline.value.root);
      io.out(
        `${pipeline.value.file}: valid, ${steps} step${steps === 1 ? '' : 's'}, dag_hash ${pipeline.value.dagHash}\n`,
      );
    }
    return valid ? 0 : 2;
  },
};

function countSteps(graph: Graph): number {
  let n = 0;
  for (const node of graph.nodes) {
    n++;
    for (const g of childGraphs(node)) n += countSteps(g);
  }
  return n;
}
