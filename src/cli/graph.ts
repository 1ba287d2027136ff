// `dagc graph <pipeline> [--format mermaid|dot] [-o FILE]`: draws the pipeline (every graph, composites as
// subgraphs/clusters, on_failure dashed) for docs and reviews. Output is deterministic, so a drawing kept in
// a repository only changes when the pipeline does. Exit 0, or 2 for bad input.
import path from 'node:path';
import type { Command } from './types.js';
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
  usage: 'dagc graph <pipeline> [--format mermaid|dot] [-o FILE] [--var-file F]...',
  options: {
    format: { type: 'string', arg: 'FORMAT', description: 'mermaid (the default) or dot' },
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
    if (format === 'svg')
      throw new UserError(
        'svg is not supported yet: dagc draws text formats only',
        `pipe the dot output to Graphviz: dagc graph ${file} --format dot | dot -Tsvg -o pipeline.svg`,
      );
    const render = RENDERERS[format];
    if (!render) {
      const guess = didYouMean(format, Object.keys(RENDERERS));
      throw new UsageError(
        `unknown --format "${format}"${guess ? `; did you mean "${guess}"?` : ''} (mermaid or dot)`,
      );
    }

    const result = await loadPipeline(file, {
      cwd: io.cwd,
      env: io.env,
      varFiles: stringList(args.options, 'var-file'),
    });
    if (result.diagnostics.length) await io.diagnostics(result.diagnostics);
    if (hasErrors(result.diagnostics) || !result.value) return 2;
    const text = render(result.value);

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
