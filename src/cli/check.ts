// `dagc check <pipeline> --target argo [--map-width N]`: the engine-limits budget (DESIGN.md §7): manifest
// size, the largest value, template and task counts, the longest name, and pods per run for a declared map
// width. Exit 0 within every limit, 1 when a limit is exceeded (the report still prints), 2 for bad input.
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, requirePositional, stringList, stringOption } from './types.js';
import { INPUT_OPTIONS, loadInputs } from './load-inputs.js';
import { DiagnosticError } from '../core/diagnostics.js';
import { VERSION } from '../version.js';

export const command: Command = {
  name: 'check',
  summary: 'Print how much of an engine\'s limits a pipeline uses (size, values, names, pods per run).',
  usage: 'dagc check <pipeline> --target argo|asl [-c config] [-p params] [--map-width N]',
  options: {
    target: { type: 'string', short: 't', arg: 'TARGET', description: 'the engine: argo or asl' },
    ...INPUT_OPTIONS,
    'map-width': { type: 'string', arg: 'N', description: 'items per map when counting pods per run (default 10)' },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = stringOption(args.options, 'target');
    if (target !== 'argo' && target !== 'asl') throw new UsageError(`dagc check supports --target argo or asl${target ? ` (not "${target}")` : ''}`);
    const rawWidth = stringOption(args.options, 'map-width') ?? '10';
    const width = Number(rawWidth);
    if (!Number.isInteger(width) || width < 0) throw new UsageError(`--map-width must be a whole number, got "${rawWidth}"`);
    const inputs = await loadInputs(file, args.options, io);
    if (inputs.warnings.length) await io.diagnostics(inputs.warnings);
    if (target === 'asl') {
      const rel = (f: string) => path.relative(io.cwd, path.resolve(io.cwd, f)).split(path.sep).join('/');
      const [config, parameters] = [stringOption(args.options, 'config'), stringOption(args.options, 'parameters')];
      const files = { pipeline: rel(file), config: config && rel(config), parameters: parameters && rel(parameters), varFiles: stringList(args.options, 'var-file').map(rel) };
      const options = { files, outputName: 'pipeline.asl.json', source: rel(file), dagcVersion: VERSION };
      return (await import('../emit/asl/check-asl.js')).checkAsl({ inputs, io, width, options });
    }
    const [{ compileArgo }, { formatBudget, podsPerRun }] = await Promise.all([import('../emit/argo/emit-argo.js'), import('../emit/argo/budget.js')]);
    const base = path.basename(file).replace(/\.(ya?ml)$/i, '');
    const posix = (p: string) => p.split(path.sep).join('/');
    const rel = (f: string) => posix(path.relative(io.cwd, path.resolve(io.cwd, f)));
    const config = stringOption(args.options, 'config');
    const parameters = stringOption(args.options, 'parameters');
    const compiled = compileArgo(inputs.pipeline, inputs.config, {
      files: { pipeline: rel(file), config: config && rel(config), parameters: parameters && rel(parameters), varFiles: stringList(args.options, 'var-file').map(rel) },
      outputName: `${base}.argo.yaml`,
      source: rel(file),
      dagcVersion: VERSION,
      parameters: inputs.parameters,
    });
    // Limits are what this command reports; any other error means there is nothing to measure.
    const limitCodes = new Set(['DAGC-ARGO-TOO-LARGE', 'DAGC-ARGO-VALUE-TOO-LARGE', 'DAGC-ARGO-TOO-MANY-TEMPLATES', 'DAGC-ARGO-TOO-MANY-TASKS']);
    const blocking = compiled.diagnostics.filter((d) => d.severity === 'error' && !limitCodes.has(d.code));
    if (blocking.length || !compiled.stats) throw new DiagnosticError(blocking);
    io.out(formatBudget(rel(file), compiled, podsPerRun(inputs.pipeline, width), width));
    const others = compiled.diagnostics.filter((d) => d.code !== 'DAGC-ARGO-PREVIEW');
    if (others.length) await io.diagnostics(others);
    return others.some((d) => d.severity === 'error') ? 1 : 0;
  },
};
