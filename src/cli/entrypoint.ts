// What `dagc exec` and `dagc fan` share: loading the run's inputs, joining (or creating) the run, finding the
// node and rebuilding the map variable from what the engine passed (values, or indices read back from the run
// log: DESIGN.md §4 — engines carry indices, never the items).
import type { MapNode } from '../ir/types.js';
import { isComposite } from '../ir/types.js';
import type { NodeLocation } from '../ir/walk.js';
import { enclosingMaps, findNode, resolveInternalName } from '../ir/walk.js';
import type { RunContext } from '../runtime/context.js';
import type { NodeInvocation } from '../runtime/exec-node.js';
import type { Io, OptionSpec, ParsedArgs } from './types.js';
import { UsageError, UserError, requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import type { DagcConfig, Parameters } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import type { InputFiles } from '../config/inputs.js';
import type { EventSink } from '../runtime/events.js';
import { createPlainProgress } from './progress.js';

export const ENTRYPOINT_OPTIONS: Record<string, OptionSpec> = {
  file: { type: 'string', short: 'f', arg: 'FILE', description: 'the pipeline file (required)' },
  ...INPUT_OPTIONS,
  'map-variable': { type: 'string', arg: 'JSON', description: 'values of the enclosing maps, e.g. {"chunk": 3} (outermost first)' },
  'map-values': { type: 'string', arg: 'JSON', description: 'the enclosing maps\' values as a JSON array, outermost first (exact even when maps share an iterate_as name)' },
  'map-index': { type: 'string', arg: 'I[,J…]', description: 'indices into the enclosing maps\' items, outermost first (env DAGC_MAP_INDEX)' },
  tag: { type: 'string', arg: 'TAG', description: 'a tag recorded in the run log (when this call creates the run)' },
  'use-cached': { type: 'string', arg: 'OLD_ID', description: 're-run: steps that succeeded in run OLD_ID are taken as they are (env DAGC_USE_CACHED)' },
};

export interface Entry {
  ctx: RunContext;
  inv: NodeInvocation;
}

/** Step names on the command line may use '%' for spaces (magnus's command-friendly form, spec §1.2). */
export function parseDotPath(raw: string): string {
  return raw.replace(/%/g, ' ');
}

function parseJsonOption(name: string, raw: string, what: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--${name} must be ${what}, got: ${raw}`);
  }
}

async function mapValuesOf(ctx: RunContext, maps: MapNode[], args: ParsedArgs, io: Io): Promise<unknown[]> {
  if (maps.length === 0) return [];
  const rawValues = stringOption(args.options, 'map-values');
  if (rawValues !== undefined) {
    const parsed = parseJsonOption('map-values', rawValues, 'a JSON array');
    if (!Array.isArray(parsed) || parsed.length !== maps.length)
      throw new UsageError(`--map-values needs a JSON array of ${maps.length} value(s), outermost map first`);
    return parsed as unknown[];
  }
  const rawVariable = stringOption(args.options, 'map-variable');
  const rawIndex = stringOption(args.options, 'map-index') ?? io.env.DAGC_MAP_INDEX;
  if (rawVariable !== undefined) {
    const parsed = parseJsonOption('map-variable', rawVariable, 'a JSON object');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new UsageError('--map-variable must be a JSON object such as {"item": "a"}');
    return maps.map((m) => {
      if (!Object.hasOwn(parsed, m.iterateAs))
        throw new UsageError(`--map-variable has no value for "${m.iterateAs}" (map "${m.internalName}")`);
      return (parsed as Record<string, unknown>)[m.iterateAs];
    });
  }
  if (rawIndex === undefined)
    throw new UsageError(`this node is inside ${maps.length} map(s): pass --map-index (one index per map) or --map-variable`);
  const indices = rawIndex.split(',').map((s) => Number(s.trim()));
  if (indices.length !== maps.length || indices.some((i) => !Number.isInteger(i) || i < 0))
    throw new UsageError(`--map-index needs ${maps.length} non-negative integer(s), outermost map first; got "${rawIndex}"`);
  const values: unknown[] = [];
  for (const [k, map] of maps.entries()) {
    const mapName = resolveInternalName(map.internalName, values);
    const items = await ctx.store.getMapItems(ctx.runId, mapName);
    if (!items) throw new UserError(`map "${mapName}" has not been opened in run ${ctx.runId}`, `run \`dagc fan out ${ctx.runId} ${map.internalName}\` first`);
    const i = indices[k]!;
    if (i >= items.length) throw new UserError(`map "${mapName}" has ${items.length} items; index ${i} is out of range`);
    values.push(items[i]);
  }
  return values;
}

interface EntryInputs {
  files: InputFiles;
  pipeline: Pipeline;
  config: DagcConfig;
  parameters: Parameters;
  /** True when they came from the run's built pipeline (no file was loaded). */
  built: boolean;
}

/**
 * The pipeline and config of this call: the run's built pipeline when the inputs are those it was built from
 * (entrypoint-built.ts; a step pays for reading one JSON file), else the files, loaded and checked as always.
 */
async function entryInputs(args: ParsedArgs, io: Io, runId: string): Promise<EntryInputs> {
  const file = stringOption(args.options, 'file');
  if (!file) throw new UsageError('missing the pipeline file (-f FILE)');
  const files = inputFiles(file, args.options, io);
  const { readBuilt } = await import('./entrypoint-built.js');
  // The parameters file only seeds a run that does not exist yet; a built pipeline means the run exists.
  const built = io.env.DAGC_NO_BUILT ? undefined : await readBuilt(files, runId);
  if (built) return { files, ...built, parameters: {}, built: true };
  const { loadInputFiles } = await import('../config/inputs.js');
  const inputs = await loadInputFiles(files);
  return { files, pipeline: inputs.pipeline, config: inputs.config, parameters: inputs.parameters, built: false };
}

/** After a call that loaded the files: the dag hash check and the built pipeline kept for the next calls. */
async function afterLoad(ctx: RunContext, inputs: EntryInputs, events: EventSink): Promise<void> {
  if (inputs.built) return;
  const { keepBuilt } = await import('./entrypoint-built.js');
  await keepBuilt(ctx.store, ctx.runId, inputs.files, inputs.pipeline, inputs.config, events);
}

/** The run alone, for calls that name no node (an engine's exit handler: dagc fan close). */
export async function openRunOnly(args: ParsedArgs, io: Io, exclusive = false): Promise<RunContext> {
  const runId = requirePositional(args, 0, 'the run id');
  const inputs = await entryInputs(args, io, runId);
  // The rendered script's start (`dagc fan open`): its folders are checked as `dagc run` checks them (issue 19).
  if (exclusive) await (await import('../runtime/project-folders.js')).checkProjectFolders(inputs.config, io.cwd);
  const { openRun } = await import('../runtime/open-run.js');
  const progress = createPlainProgress(io);
  const ctx = await openRun({
    pipeline: inputs.pipeline,
    config: inputs.config,
    parameters: inputs.parameters,
    cwd: io.cwd,
    env: io.env,
    events: (e) => progress.onEvent(e),
    runId,
    tag: stringOption(args.options, 'tag'),
    useCached: stringOption(args.options, 'use-cached') ?? (io.env.DAGC_USE_CACHED || undefined),
    mode: 'entrypoint',
    exclusive,
  });
  await afterLoad(ctx, inputs, (e) => progress.onEvent(e));
  return ctx;
}

export async function openEntry(args: ParsedArgs, io: Io, wantComposite: boolean, signal?: AbortSignal): Promise<Entry> {
  const runId = requirePositional(args, 0, 'the run id');
  const dotPath = parseDotPath(requirePositional(args, 1, 'the dot path of the node'));
  const inputs = await entryInputs(args, io, runId);
  const loc: NodeLocation | undefined = findNode(inputs.pipeline.root, dotPath);
  if (!loc) throw new UserError(`the pipeline has no node "${dotPath}"`, 'give the internal name with map_variable_placeholder for map branches, e.g. "M.map_variable_placeholder.step"');
  const composite = isComposite(loc.node);
  if (composite !== wantComposite)
    throw new UserError(
      `"${dotPath}" is a ${loc.node.type} node`,
      wantComposite ? 'dagc fan opens and closes parallel, map and dag nodes; use dagc exec for the others' : 'use dagc fan out / dagc fan in for parallel, map and dag nodes',
    );
  const { openRun } = await import('../runtime/open-run.js');
  const progress = createPlainProgress(io);
  const ctx = await openRun({
    pipeline: inputs.pipeline,
    config: inputs.config,
    parameters: inputs.parameters,
    cwd: io.cwd,
    env: io.env,
    events: (e) => progress.onEvent(e),
    runId,
    tag: stringOption(args.options, 'tag'),
    useCached: stringOption(args.options, 'use-cached') ?? (io.env.DAGC_USE_CACHED || undefined),
    mode: 'entrypoint',
    signal,
  });
  await afterLoad(ctx, inputs, (e) => progress.onEvent(e));
  const maps = enclosingMaps(loc.ancestors);
  const mapValues = await mapValuesOf(ctx, maps, args, io);
  const mapVariable = Object.fromEntries(maps.map((m, i) => [m.iterateAs, mapValues[i]]));
  return { ctx, inv: { loc, mapValues, mapVariable } };
}
