// IR → a plain view-model of the bash script (shared/STYLE.md §6.2: the template only loops and prints).
// Every graph becomes one shell function whose loop walks `next` / `on_failure` / the fail node exactly as the
// local executor does (src/executors/local.ts); composites open with `dagc fan out`, run their branch
// functions (parallel: background jobs; map: one job per item index; dag: in line) and close with `dagc fan in`.
import type { DagcConfig } from '../../config/types.js';
import type { Graph, Node, Pipeline } from '../../ir/types.js';
import { childGraphs } from '../../ir/types.js';
import { isChain, routeAfter } from '../../ir/routes.js';
import type { EmitOptions } from '../types.js';
import { configuredParallelism } from '../../config/parallelism.js';
import { regenerateFlags, word } from '../regenerate.js';

export interface BashNodeView {
  /** The step name, as the loop's `case` label. */
  readonly name: string;
  readonly dotPath: string;
  readonly type: Node['type'];
  /** task/stub: attempts; terminal: 1. */
  readonly attempts: number;
  readonly onSuccess?: string;
  readonly onFail?: string;
  /** Functions of the child graphs (parallel: one per branch; map, dag: one). */
  readonly branchFunctions: readonly string[];
  readonly isLeaf: boolean;
  readonly isTerminal: boolean;
  readonly isParallel: boolean;
  readonly isMap: boolean;
  readonly isDag: boolean;
  /** For the per-step comment. */
  readonly description: string;
}

export interface BashGraphView {
  readonly fn: string;
  /** '(root)' or the branch's dot path. */
  readonly label: string;
  readonly startAt: string;
  readonly nodes: readonly BashNodeView[];
  /** Which loop variables the function needs (declaring unused ones is noise: shellcheck SC2034). */
  readonly hasComposite: boolean;
  readonly hasMap: boolean;
}

export interface BashView {
  readonly version: string;
  readonly dagHash: string;
  readonly source: string;
  /** The -c/-p/--var-file flags of the header's re-generate line. */
  readonly regenerate: string;
  readonly outputName: string;
  /** The output name inside a double-quoted echo: plain, or closed, quoted as a word and reopened. */
  readonly outputNameInEcho: string;
  readonly pipelineFile: string;
  readonly configFile?: string;
  readonly parametersFile?: string;
  readonly varFiles: readonly string[];
  /** Default cap on concurrent branches/items (executor config max_parallel), 0 = the CPU count at run time. */
  readonly maxParallel: number;
  readonly rootFunction: string;
  readonly graphs: readonly BashGraphView[];
}

function describeNode(node: Node): string {
  switch (node.type) {
    case 'task':
      return `${node.commandType} task${node.retry > 1 ? `, up to ${node.retry} attempts` : ''}`;
    case 'stub':
      return node.spelledAs;
    case 'map':
      return `map over "${node.iterateOn}" as "${node.iterateAs}"`;
    case 'parallel':
      return `parallel, ${node.branches.length} branches`;
    case 'dag':
      return `dag from ${node.dagDefinition}`;
    default:
      return node.type;
  }
}

export function toBashView(ir: Pipeline, config: DagcConfig, options: EmitOptions): BashView {
  const graphs: BashGraphView[] = [];
  // Functions are numbered in depth-first file order, so the same pipeline always gives the same names.
  const visit = (graph: Graph): string => {
    const fn = `dagc_graph_${graphs.length}`;
    const slot = graphs.length;
    graphs.push(undefined as unknown as BashGraphView);
    const nodes = graph.nodes.map((node): BashNodeView => {
      const branchFunctions = childGraphs(node).map(visit);
      const chain = isChain(node);
      return {
        name: node.name,
        dotPath: node.internalName,
        type: node.type,
        attempts: node.type === 'task' ? Math.max(1, node.retry) : 1,
        onSuccess: routeAfter(graph, node, 'success'),
        onFail: routeAfter(graph, node, 'failure'),
        branchFunctions,
        isLeaf: node.type === 'task' || node.type === 'stub',
        isTerminal: !chain,
        isParallel: node.type === 'parallel',
        isMap: node.type === 'map',
        isDag: node.type === 'dag',
        description: describeNode(node),
      };
    });
    graphs[slot] = {
      fn,
      label: graph.internalName || '(root)',
      startAt: graph.startAt,
      nodes,
      hasComposite: nodes.some((n) => n.isParallel || n.isMap || n.isDag),
      hasMap: nodes.some((n) => n.isMap),
    };
    return fn;
  };
  const rootFunction = visit(ir.root);

  return {
    version: options.dagcVersion,
    dagHash: ir.dagHash,
    // Comments and the one message that names files get shell words, one line each (regenerate.ts `word`).
    source: word(options.source),
    regenerate: regenerateFlags(options.files),
    outputName: word(options.outputName),
    outputNameInEcho: word(options.outputName) === options.outputName ? options.outputName : `"${word(options.outputName)}"`,
    pipelineFile: options.files.pipeline,
    configFile: options.files.config,
    parametersFile: options.files.parameters,
    varFiles: options.files.varFiles,
    maxParallel: configuredParallelism(config.executor) ?? 0,
    rootFunction,
    graphs,
  };
}
