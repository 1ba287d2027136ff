// The Pipeline IR: an immutable tree of graphs and nodes built by the front end (src/ir/build.ts) from a
// validated pipeline file. Executors and emitters only ever see this, never YAML.
// Naming follows magnus (shared/spec/magnus-spec.md §1.2, §3.5): `internalName` is the dot path of a node,
// with MAP_PLACEHOLDER standing for the value of each enclosing map until run time.

import type { Position } from '../core/diagnostics.js';
import type { ServiceName, ServiceSection } from '../config/types.js';

/** Stands for the current map value inside a map branch's internal names (magnus's constant). */
export const MAP_PLACEHOLDER = 'map_variable_placeholder';
/** The branch name of a dag node's sub-graph (magnus's DAG_BRANCH_NAME; the docs' "branch" is wrong). */
export const DAG_BRANCH_NAME = 'dag';

export type NodeType = 'task' | 'stub' | 'parallel' | 'map' | 'dag' | 'success' | 'fail';
export type CommandType = 'python' | 'python-lambda' | 'shell' | 'notebook';

/** Where a node was written, for diagnostics raised after the front end (e.g. at run time). */
export interface SourceRef {
  file: string;
  start: Position;
  /** JSON pointer of the node inside its file, e.g. '/dag/steps/train'. */
  pointer: string;
}

export interface CatalogSpec {
  /** Per-node compute data folder; falls back to the catalog config's (default 'data'). */
  computeDataFolder?: string;
  get: readonly string[];
  put: readonly string[];
}

interface NodeBase {
  /** The step name as written (may contain spaces; never '.' or '%'). */
  readonly name: string;
  /** Dot path with MAP_PLACEHOLDER for enclosing map values, e.g. 'M.map_variable_placeholder.train'. */
  readonly internalName: string;
  readonly source: SourceRef;
  /**
   * Per-node executor overrides as written, normalised from the three historical spellings
   * (`mode_config`, `executor_config`: {executor type: {...}}; `overrides`: {executor type: key}).
   */
  readonly overrides: Readonly<Record<string, string | Readonly<Record<string, unknown>>>>;
}

/** Nodes that run something and then go on (`next`, `on_failure`); where exactly: src/ir/routes.ts. */
export interface ChainNode extends NodeBase {
  readonly next: string;
  /** Sibling to go to when this node FAILs; absent → the graph's fail node. */
  readonly onFailure?: string;
}

export interface TaskNode extends ChainNode {
  readonly type: 'task';
  readonly command: string;
  readonly commandType: CommandType;
  readonly commandConfig: Readonly<Record<string, unknown>>;
  /** Number of attempts (magnus: `int(retry) or 1`). */
  readonly retry: number;
  readonly catalog?: CatalogSpec;
}

export interface StubNode extends ChainNode {
  readonly type: 'stub';
  /** The spelling used in the file ('as-is' before magnus 0.5); it is the run log's step_type. */
  readonly spelledAs: 'stub' | 'as-is';
  readonly commandConfig: Readonly<Record<string, unknown>>;
  readonly catalog?: CatalogSpec;
}

export interface ParallelNode extends ChainNode {
  readonly type: 'parallel';
  /** Branches in file order; each graph's internalName is `<node internal>.<branch name>`. */
  readonly branches: readonly Graph[];
}

export interface MapNode extends ChainNode {
  readonly type: 'map';
  /** Name of the run-log parameter holding the list to iterate on. */
  readonly iterateOn: string;
  /** Parameter name each item is bound to inside the branch. */
  readonly iterateAs: string;
  /** internalName `<node internal>.map_variable_placeholder`. */
  readonly branch: Graph;
}

export interface DagNode extends ChainNode {
  readonly type: 'dag';
  /** The path as written (it, not the file's content, enters the dag hash). */
  readonly dagDefinition: string;
  /** The resolved file the sub-graph was loaded from. */
  readonly dagFile: string;
  /** internalName `<node internal>.dag`. */
  readonly branch: Graph;
}

export interface SuccessNode extends NodeBase {
  readonly type: 'success';
}

export interface FailNode extends NodeBase {
  readonly type: 'fail';
}

export type Node = TaskNode | StubNode | ParallelNode | MapNode | DagNode | SuccessNode | FailNode;
export type CompositeNode = ParallelNode | MapNode | DagNode;
export type LeafNode = TaskNode | StubNode | SuccessNode | FailNode;

export interface Graph {
  /** '' for the root graph, otherwise the branch's dot path (e.g. 'P.a', 'M.map_variable_placeholder'). */
  readonly internalName: string;
  readonly startAt: string;
  readonly description?: string;
  /** Seconds (default 86400); stored, and mapped to deadlines by emitters. */
  readonly maxTime: number;
  /** Nodes in file order (the order of `steps`). */
  readonly nodes: readonly Node[];
  /** The file this graph was written in (a dag node's sub-graph lives in its own file). */
  readonly file: string;
}

export interface Pipeline {
  /** The pipeline file as given on the command line. */
  readonly file: string;
  /** magnus-compatible sha1 of the `dag` block after variables (spec §3.9). */
  readonly dagHash: string;
  readonly root: Graph;
  /** Variables that were applied ({name: value}). */
  readonly variables: Readonly<Record<string, string>>;
  /** The `dag` block after variables, as plain data (what was hashed). */
  readonly dag: unknown;
  /**
   * Service sections written in the pipeline file itself (magnus 2022 allowed `mode`, `run_log_store`,
   * `catalog`, `secrets` there; spec §1.1). The -c config file overrides them section by section.
   */
  readonly serviceSections: Readonly<Partial<Record<ServiceName, ServiceSection>>>;
}

export function isComposite(node: Node): node is CompositeNode {
  return node.type === 'parallel' || node.type === 'map' || node.type === 'dag';
}

export function isTerminal(node: Node): node is SuccessNode | FailNode {
  return node.type === 'success' || node.type === 'fail';
}

/**
 * A graph's nodes by name, and its success and fail nodes, computed once per graph: emitters and the runtime ask
 * for them once per node, and a scan each time made a 10,000-step compile quadratic (issue 16). Graphs are not
 * changed once built; the index is made again should a graph's node list be another or of another length.
 */
interface GraphIndex {
  readonly nodes: readonly Node[];
  readonly length: number;
  readonly byName: ReadonlyMap<string, Node>;
  readonly success: SuccessNode | undefined;
  readonly fail: FailNode | undefined;
}
const graphIndexes = new WeakMap<Graph, GraphIndex>();

function graphIndex(graph: Graph): GraphIndex {
  const known = graphIndexes.get(graph);
  if (known && known.nodes === graph.nodes && known.length === graph.nodes.length) return known;
  const byName = new Map<string, Node>();
  let success: SuccessNode | undefined;
  let fail: FailNode | undefined;
  // The first of a name wins, as a scan would find it.
  for (const n of graph.nodes) {
    if (!byName.has(n.name)) byName.set(n.name, n);
    if (n.type === 'success') success ??= n;
    else if (n.type === 'fail') fail ??= n;
  }
  const index = { nodes: graph.nodes, length: graph.nodes.length, byName, success, fail };
  graphIndexes.set(graph, index);
  return index;
}

/** The graph's nodes by step name. */
export function nodesByName(graph: Graph): ReadonlyMap<string, Node> {
  return graphIndex(graph).byName;
}

export function getNode(graph: Graph, name: string): Node | undefined {
  return graphIndex(graph).byName.get(name);
}

export function successNode(graph: Graph): SuccessNode {
  const node = graphIndex(graph).success;
  if (!node) throw new Error(`graph '${graph.internalName}' has no success node (the front end should have refused it)`);
  return node;
}

export function failNode(graph: Graph): FailNode {
  const node = graphIndex(graph).fail;
  if (!node) throw new Error(`graph '${graph.internalName}' has no fail node (the front end should have refused it)`);
  return node;
}

/** The sub-graphs directly under a composite node. */
export function childGraphs(node: Node): readonly Graph[] {
  switch (node.type) {
    case 'parallel':
      return node.branches;
    case 'map':
    case 'dag':
      return [node.branch];
    default:
      return [];
  }
}
