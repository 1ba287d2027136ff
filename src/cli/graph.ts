// `dagc graph <pipeline> [--format mermaid|dot] [-o FILE]`: draws the pipeline (every graph, composites as
// subgraphs/clusters, on_failure dashed) for docs and reviews. Output is deterministic, so a drawing kept in
// a repository only changes when the pipeline does. Exit 0, or 2 for bad input.
import path from 'node:path';
import type { Command, Io, ParsedArgs } from './types.js';
import { UsageError, UserError, requirePositional, stringList, stringOption } from './types.js';
import { INPUT_OPTIONS } from './load-inputs.js';
import type { Pipeline } from '../ir/types.js';
import { hasErrors } from '../core/diagnostics.js';
import { loadPipeline } from '../front-end/load-pipeline.js';
import { didYouMean } from '../core/suggest.js';
import { toDot } from '../ir/to-dot.js';
import { toMermaid } from '../ir/to-mermaid.js';
import { writeFileAtomic } from '../core/write-file-atomic.js';

const RENDERERS: Readonly<Record<string, (pipeline: Pipeline) => string>> = {
  mermaid: toMermaid,
  dot: toDot,
};

export const command: Command = {
  name: 'graph',
  summary: 'Draw the pipeline as a Mermaid flowchart or a Graphviz digraph.',
  usage: 'dagc graph <pipeline> [--format mermaid|dot|svg] [--run RUN [-c config]] [-o FILE] [--var-file F]...',
  options: {
    format: { type: 'string', arg: 'FORMAT', description: 'mermaid (the default), dot or svg (drawn here by Graphviz)' },
    run: {
      type: 'string',
      arg: 'RUN',
      description: 'colour the steps by the statuses of this run (a run id or latest; dot and svg)',
    },
    config: {
      type: 'string',
      short: 'c',
      arg: 'FILE',
      description: "with --run: the config whose run_log_store holds the run (default: .run_log_store/)",
    },
    output: {
      type: 'string',
      short: 'o',
      arg: 'FILE',
      description: 'write the drawing to FILE instead of stdout',
    },
    'var-file': INPUT_OPTIONS['var-file']!,
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    // The format is checked before anything is loaded: a typo should not wait for the pipeline's diagnostics.
    const format = stringOption(args.options, 'format') ?? 'mermaid';
    const render = RENDERERS[format];
    if (!render && format !== 'svg') {
      const guess = didYouMean(format, [...Object.keys(RENDERERS), 'svg']);
      throw new UsageError(
        `unknown --format "${format}"${guess ? `; did you mean "${guess}"?` : ''} (mermaid, dot or svg)`,
      );
    }
    const runId = stringOption(args.options, 'run');
    if (runId !== undefined && format === 'mermaid')
      throw new UsageError('--run colours dot and svg drawings: add --format svg (or dot)');

    const result = await loadPipeline(file, {
      cwd: io.cwd,
      env: io.env,
      varFiles: stringList(args.options, 'var-file'),
    });
    if (result.diagnostics.length) await io.diagnostics(result.diagnostics);
    if (hasErrors(result.diagnostics) || !result.value) return 2;
    let text: string;
    if (format === 'svg' || runId !== undefined) {
      // Graphviz (WebAssembly) and the run log store load only for these.
      const { drawPipeline } = await import('../report/graph.js');
      const run = runId === undefined ? undefined : await openRun(args, io, runId);
      if (run === null) return 2;
      const drawing = await drawPipeline(result.value, format === 'svg' ? 'svg' : 'dot', run);
      if (drawing.warning) io.err(`dagc graph: warning: ${drawing.warning}\n`);
      text = drawing.text;
    } else text = render!(result.value);

    const output = stringOption(args.options, 'output');
    if (output === undefined) {
      io.out(text);
      return 0;
    }
    try {
      // Temp file in the same folder, then rename: a reader never sees a half-written drawing.
      await writeFileAtomic(path.resolve(io.cwd, output), text);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UserError(
        `cannot write ${output} (${code})`,
        'check that the folder is writable, or leave out -o to print to stdout',
      );
    }
    return 0;
  },
};

/** The run log store of -c (or the defaults) and the run to colour by; null after printing config errors. */
async function openRun(args: ParsedArgs, io: Io, id: string) {
  const configFile = stringOption(args.options, 'config');
  const { loadConfig } = await import('../config/load.js');
  const { value, diagnostics } = await loadConfig(configFile, { cwd: io.cwd, env: io.env });
  if (diagnostics.length) await io.diagnostics(diagnostics);
  if (!value || hasErrors(diagnostics)) return null;
  const { createRunLogStore } = await import('../services/run-log/index.js');
  const store = createRunLogStore(value.run_log_store, { cwd: io.cwd, env: io.env });
  return { store, id, listHint: `see the runs there with \`dagc runs list${configFile ? ` -c ${configFile}` : ''}\`` };
}
