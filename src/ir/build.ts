// Data view → Pipeline IR (src/ir/types.ts), once the front end found no error. Internal names follow
// magnus (magnus-spec.md §3.5): a root step is its name; a parallel branch is `P.<branch>`, a map branch
// `M.map_variable_placeholder`, a dag branch `D.dag`; their steps `<branch>.<name>`. The result is never
// mutated afterwards; it is not frozen, which would cost time on big pipelines for no gain.
import type { ServiceName, ServiceSection } from '../config/types.js';
import { PROVIDER_ALIASES } from '../config/sections.js';
import type { YamlDocument } from '../front-end/load.js';
import { joinPointer } from '../core/pointer.js';
import type { CatalogSpec, CommandType, Graph, Node, Pipeline, SourceRef } from './types.js';
import { DAG_BRANCH_NAME, MAP_PLACEHOLDER } from './types.js';

export interface BuildInput {
  /** The pipeline file as given on the command line. */
  readonly file: string;
  readonly doc: YamlDocument;
  readonly dagHash: string;
  readonly variables: Readonly<Record<string, string>>;
  readonly serviceSections: Readonly<Partial<Record<ServiceName, ServiceSection>>>;
  /** The file a dag step's dag_definition names, as resolved by the rules. */
  subDag(from: YamlDocument, ref: string): { doc: YamlDocument; abs: string };
}

type Data = Record<string, unknown>;

const DEFAULT_MAX_TIME = 86400;

export function buildPipeline(input: BuildInput): Pipeline {
  const data = input.doc.data as Data;
  return {
    file: input.file,
    dagHash: input.dagHash,
    root: buildGraph(data.dag as Data, '', input.doc, '/dag', input),
    variables: input.variables,
    dag: data.dag,
    serviceSections: input.serviceSections,
  };
}

function buildGraph(
  graph: Data,
  internalName: string,
  doc: YamlDocument,
  pointer: string,
  input: BuildInput,
): Graph {
  const steps = graph.steps as Data;
  const stepsPointer = joinPointer(pointer, 'steps');
  const description = graph.description;
  return {
    internalName,
    startAt: graph.start_at as string,
    ...(typeof description === 'string' ? { description } : {}),
    maxTime: typeof graph.max_time === 'number' ? graph.max_time : DEFAULT_MAX_TIME,
    nodes: Object.keys(steps).map((name) =>
      buildNode(
        name,
        steps[name] as Data,
        internalName ? `${internalName}.${name}` : name,
        doc,
        joinPointer(stepsPointer, name),
        input,
      ),
    ),
    file: doc.file,
  };
}

function buildNode(
  name: string,
  step: Data,
  internalName: string,
  doc: YamlDocument,
  pointer: string,
  input: BuildInput,
): Node {
  // Plain literals, one shape per node type: object spread here cost more than the rest of the build.
  const source = sourceRef(doc, pointer);
  const overrides = overridesOf(step);
  const next = step.next as string;
  const onFailure = typeof step.on_failure === 'string' ? step.on_failure : undefined;
  const type = step.type as string;
  let node: Node;
  switch (type) {
    case 'task':
      node = {
        name,
        internalName,
        source,
        overrides,
        next,
        type: 'task',
        command: step.command as string,
        commandType: (step.command_type ?? 'python') as CommandType,
        commandConfig: (step.command_config ?? {}) as Data,
        retry: typeof step.retry === 'number' ? step.retry : 1,
      };
      return withChain(node, onFailure, catalogOf(step));
    case 'stub':
    case 'as-is':
      node = {
        name,
        internalName,
        source,
        overrides,
        next,
        type: 'stub',
        spelledAs: type,
        commandConfig: (step.command_config ?? {}) as Data,
      };
      return withChain(node, onFailure, catalogOf(step));
    case 'parallel': {
      const branches = step.branches as Data;
      const branchesPointer = joinPointer(pointer, 'branches');
      node = {
        name,
        internalName,
        source,
        overrides,
        next,
        type: 'parallel',
        branches: Object.keys(branches).map((b) =>
          buildGraph(
            branches[b] as Data,
            `${internalName}.${b}`,
            doc,
            joinPointer(branchesPointer, b),
            input,
          ),
        ),
      };
      return withChain(node, onFailure);
    }
    case 'map':
      node = {
        name,
        internalName,
        source,
        overrides,
        next,
        type: 'map',
        iterateOn: step.iterate_on as string,
        iterateAs: step.iterate_as as string,
        branch: buildGraph(
          step.branch as Data,
          `${internalName}.${MAP_PLACEHOLDER}`,
          doc,
          joinPointer(pointer, 'branch'),
          input,
        ),
      };
      return withChain(node, onFailure);
    case 'dag': {
      const ref = step.dag_definition as string;
      const sub = input.subDag(doc, ref);
      node = {
        name,
        internalName,
        source,
        overrides,
        next,
        type: 'dag',
        dagDefinition: ref,
        dagFile: sub.abs,
        branch: buildGraph(
          (sub.doc.data as Data).dag as Data,
          `${internalName}.${DAG_BRANCH_NAME}`,
          sub.doc,
          '/dag',
          input,
        ),
      };
      return withChain(node, onFailure);
    }
    case 'success':
      return { name, internalName, source, overrides, type: 'success' };
    case 'fail':
      return { name, internalName, source, overrides, type: 'fail' };
    default:
      // The schema admits only the types above; reaching this is a front-end bug, not bad input.
      throw new Error(`buildNode: unexpected step type "${type}" at ${doc.file}${pointer}`);
  }
}

/** Adds the optional keys only when present, so nodes compare and print as written. */
function withChain(node: Node, onFailure: string | undefined, catalog?: CatalogSpec): Node {
  const n = node as { onFailure?: string; catalog?: CatalogSpec };
  if (onFailure !== undefined) n.onFailure = onFailure;
  if (catalog !== undefined) n.catalog = catalog;
  return node;
}

/**
 * Where a step is written. The line and column are looked up on first use: a valid file read the fast way
 * has no positions until something asks (load.ts), and most runs never do.
 */
function sourceRef(doc: YamlDocument, pointer: string): SourceRef {
  let start: SourceRef['start'] | undefined;
  return {
    file: doc.file,
    pointer,
    get start() {
      return (start ??= doc.locate(pointer, 'key').start);
    },
  };
}

function catalogOf(step: Data): CatalogSpec | undefined {
  const catalog = step.catalog as Data | undefined;
  if (!catalog) return undefined;
  const spec: { computeDataFolder?: string; get: string[]; put: string[] } = {
    get: (catalog.get ?? []) as string[],
    put: (catalog.put ?? []) as string[],
  };
  if (typeof catalog.compute_data_folder === 'string') spec.computeDataFolder = catalog.compute_data_folder;
  return spec;
}

/** The three historical spellings of per-step executor config, keyed by today's executor names. */
const NO_OVERRIDES: Readonly<Record<string, never>> = Object.freeze({});

function overridesOf(step: Data): Readonly<Record<string, string | Readonly<Record<string, unknown>>>> {
  if (step.mode_config === undefined && step.executor_config === undefined && step.overrides === undefined)
    return NO_OVERRIDES;
  const out: Record<string, string | Readonly<Record<string, unknown>>> = {};
  for (const field of ['mode_config', 'executor_config'] as const) {
    const byExecutor = step[field] as Data | undefined;
    if (!byExecutor) continue;
    for (const [executor, config] of Object.entries(byExecutor))
      out[PROVIDER_ALIASES[executor] ?? executor] = (config ?? {}) as Data;
  }
  const named = step.overrides as Record<string, string> | undefined;
  if (named)
    for (const [executor, key] of Object.entries(named)) out[PROVIDER_ALIASES[executor] ?? executor] = key;
  return out;
}
