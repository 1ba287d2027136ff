// `dagc check <pipeline> --target argo|asl [--map-width N]`: the engine-limits budget (DESIGN.md §7; the
// library's check, measured by the target): size, the largest value, counts, the longest name, and pods (or
// history events) per run for a declared map width. Exit 0 within every limit, 1 when a limit is exceeded (the
// report still prints), 2 for bad input.
import type { Command } from './types.js';
import { UsageError, requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { CHECKED_TARGETS } from '../library/targets.js';
import { check } from '../library/check.js';
import type { Diagnostic } from '../core/diagnostics.js';

export const command: Command = {
  name: 'check',
  summary: 'Print how much of an engine\'s limits a pipeline uses (size, values, names, pods per run).',
  usage: 'dagc check <pipeline> --target argo|asl [-c config] [-p params] [--map-width N] [--json]',
  options: {
    target: { type: 'string', short: 't', arg: 'TARGET', description: `the engine: ${CHECKED_TARGETS.join(' or ')}` },
    ...INPUT_OPTIONS,
    'map-width': { type: 'string', arg: 'N', description: 'items per map when counting pods per run (default 10)' },
    json: {
      type: 'boolean',
      description: 'print {target, map_width, exceeded, figures: {NAME: {value, unit, limit?, where?}}, diagnostics} as JSON (the numbers of the report)',
    },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = stringOption(args.options, 'target');
    if (target === undefined || !CHECKED_TARGETS.includes(target))
      throw new UsageError(`dagc check supports --target ${CHECKED_TARGETS.join(' or ')}${target ? ` (not "${target}")` : ''}`);
    const rawWidth = stringOption(args.options, 'map-width') ?? '10';
    const mapWidth = Number(rawWidth);
    if (!Number.isInteger(mapWidth) || mapWidth < 0) throw new UsageError(`--map-width must be a whole number, got "${rawWidth}"`);
    const json = args.options.json === true;
    const warnings: Diagnostic[] = [];
    const budget = await check({ ...inputFiles(file, args.options, io), target, mapWidth }, async (d) => {
      if (json) warnings.push(...d);
      else await io.diagnostics(d);
    });
    if (json) {
      // Numbers in fields, not the report's text: a script compares figures[name].value with figures[name].limit.
      const document = { target, map_width: mapWidth, exceeded: budget.exceeded, figures: budget.figures, diagnostics: [...warnings, ...budget.diagnostics] };
      io.out(`${JSON.stringify(document, null, 2)}\n`);
      return budget.exceeded ? 1 : 0;
    }
    io.out(budget.report);
    if (budget.diagnostics.length) await io.diagnostics(budget.diagnostics);
    return budget.exceeded ? 1 : 0;
  },
};
