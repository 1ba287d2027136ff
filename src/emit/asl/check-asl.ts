// `dagc check --target asl [--map-width N]`: how much of Step Functions' quotas a pipeline uses (limits.ts):
// definition size, state names, the largest payload dagc puts in flight, and the execution-history events
// a run would write against the 25,000 limit, for maps of N items where a map declares no map_width.
// Without an asl executor config the budget is measured with placeholder Batch settings (the ARNs do not
// change the counts, and barely the size): the config `dagc emulate` would compile with.
import type { DagcConfig } from '../../config/types.js';
import type { Pipeline } from '../../ir/types.js';
import { walk } from '../../ir/walk.js';
import { DiagnosticError } from '../../core/diagnostics.js';
import type { Budget, BudgetFigure, CheckOptions } from '../types.js';
import { EXECUTOR_TYPES } from './asl-config.js';
import type { State, StateMachine } from './asl-types.js';
import { INLINE_MAP_LIMIT } from './build-states.js';
import { aslLimits, machineBytes, renderAsl } from './emit-asl.js';
import { emulationConfig } from './emulation-config.js';
import { NAME_LIMIT, PAYLOAD_LIMIT, compactSize, estimateHistory, estimatePayload } from './limits.js';

const n = (x: number) => x.toLocaleString('en-US');
const pct = (x: number, of: number) => `${((100 * x) / of).toFixed(1)}%`;

export function checkAsl(ir: Pipeline, config: DagcConfig, options: CheckOptions): Budget {
  const width = options.mapWidth;
  const placeholder = !(EXECUTOR_TYPES as readonly string[]).includes(config.executor.type);
  const rendered = renderAsl(ir, placeholder ? emulationConfig(config) : config, options);
  const blocking = rendered.diagnostics.filter((d) => d.severity === 'error' && d.code !== 'DAGC-ASL-TOO-LARGE');
  if (blocking.length || !rendered.definition) throw new DiagnosticError(blocking);
  // Over a limit (Step Functions' quotas, or executor.config.limits), compile writes a parent and child machines
  // (split.ts): each is measured, and the largest figures are the ones that must fit.
  const limits = aslLimits(config);
  const machines = [rendered.definition, ...(rendered.parts ?? [])];
  const largest = <T,>(measure: (m: StateMachine) => T, key: (t: T) => number): T =>
    machines.map(measure).reduce((a, b) => (key(b) > key(a) ? b : a));
  // As written, which is what counts (limits.ts SizeReport), the text renderAsl laid out where it did.
  const written = rendered.written ?? [];
  const size = largest(
    (m) => ({ written: machineBytes(m, written[machines.indexOf(m)]), compact: compactSize(m) }),
    (s) => s.written,
  );
  const history = largest((m) => estimateHistory(m, { mapWidth: width }), (h) => h.events);
  const payload = Math.max(...machines.map((m) => estimatePayload(m, { mapWidth: width })));
  const split = machines.length > 1 ? ` (the largest of ${n(machines.length)} machines: the parent and ${n(machines.length - 1)} children)` : '';
  const allStates: Record<string, number> = {};
  for (const m of machines) for (const [t, c] of Object.entries(estimateHistory(m, { mapWidth: width }).states)) allStates[t] = (allStates[t] ?? 0) + c;
  const steps = [...walk(ir.root)].length;
  const stateCount = Object.values(allStates).reduce((a, b) => a + b, 0);
  const names = [...rendered.names.values()];
  const longest = Math.max(...names.map((s) => [...s].length));
  const hashed = [...rendered.names].filter(([p, s]) => p !== s).length;
  const inlineMaps: string[] = [];
  const visit = (states: Record<string, State>) => {
    for (const [name, s] of Object.entries(states)) {
      if (s.Type === 'Parallel') for (const b of s.Branches) visit(b.States);
      if (s.Type !== 'Map') continue;
      if (s.ItemProcessor.ProcessorConfig.Mode === 'INLINE') inlineMaps.push(name);
      visit(s.ItemProcessor.States);
    }
  };
  for (const m of machines) visit(m.States);
  const overInline = width > INLINE_MAP_LIMIT && inlineMaps.length > 0;
  const over = [
    size.written > limits.definitionBytes && 'definition size',
    payload > PAYLOAD_LIMIT && 'payload',
    history.events > limits.historyEvents && 'execution history',
    overInline && 'inline map width',
  ].filter((x): x is string => typeof x === 'string');
  const byType = Object.entries(allStates)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([t, c]) => `${c} ${t}`)
    .join(', ');
  const lines = [
    `dagc check ${options.source} --target asl (maps of ${n(width)} items unless they declare map_width)${placeholder ? '\n  (no asl executor config: measured with placeholder Batch settings)' : ''}`,
    `  definition   ${n(size.written)} bytes as written (${n(size.compact)} minified)${split}; limit ${n(limits.definitionBytes)} (${pct(size.written, limits.definitionBytes)})`,
    `  states       ${n(stateCount)} (${byType}) for ${n(steps)} pipeline nodes: ${(stateCount / Math.max(1, steps)).toFixed(2)} states per node`,
    `  names        longest ${longest} of ${NAME_LIMIT} characters; ${hashed} shortened or sanitised with a hash suffix`,
    `  payload      at most ~${n(payload)} bytes from dagc (indices, run id, status); limit ${n(PAYLOAD_LIMIT)} (${pct(payload, PAYLOAD_LIMIT)})`,
    `  history      ~${n(history.events)} events per execution${split ? ' of the largest machine' : ''} (every state once, every retry used); limit ${n(limits.historyEvents)} (${pct(history.events, limits.historyEvents)})`,
    `  maps         ${inlineMaps.length} inline (States.ArrayRange: at most ${n(INLINE_MAP_LIMIT)} items)${
      overInline ? `: ${n(width)} items need map_width: ${n(width)} in the map's asl override (a Distributed Map)` : ''
    }`,
    over.length ? `over the limit: ${over.join(', ')}` : 'within every limit',
  ];
  // The same numbers as the report's lines, unformatted.
  const figures: Record<string, BudgetFigure> = {
    definition_size: { value: size.written, unit: 'bytes', limit: limits.definitionBytes },
    definition_size_minified: { value: size.compact, unit: 'bytes' },
    states: { value: stateCount, unit: 'states' },
    pipeline_nodes: { value: steps, unit: 'nodes' },
    longest_name: { value: longest, unit: 'characters', limit: NAME_LIMIT },
    hashed_names: { value: hashed, unit: 'names' },
    payload: { value: payload, unit: 'bytes', limit: PAYLOAD_LIMIT },
    history_events: { value: history.events, unit: 'events', limit: limits.historyEvents },
    machines: { value: machines.length, unit: 'machines' },
    inline_maps: { value: inlineMaps.length, unit: 'maps' },
    inline_map_items: { value: width, unit: 'items', ...(inlineMaps.length ? { limit: INLINE_MAP_LIMIT } : {}) },
  };
  const warnings = rendered.diagnostics.filter((d) => d.severity === 'warning');
  return { report: lines.join('\n') + '\n', figures, exceeded: over.length > 0, diagnostics: warnings };
}
