// `dagc hash <pipeline>`: prints the dag_hash, magnus's sha1 of the `dag` block after variables
// (magnus-spec.md §3.9), so a user can compare a pipeline with the dag_hash a magnus run log recorded.
// stdout holds the hash alone (for scripts); diagnostics go to stderr. Exit 0, or 2 for a bad pipeline.
import type { Command } from './types.js';
import { requirePositional, stringList } from './types.js';
import { INPUT_OPTIONS } from './load-inputs.js';
import { hasErrors } from '../core/diagnostics.js';
import { loadPipeline } from '../front-end/load-pipeline.js';

export const command: Command = {
  name: 'hash',
  summary: "Print the pipeline's dag_hash: the sha1 magnus records in its run logs, after variables.",
  usage: 'dagc hash <pipeline> [--var-file F]... [--json]',
  options: {
    'var-file': INPUT_OPTIONS['var-file']!,
    json: { type: 'boolean', description: 'print {file, dag_hash, diagnostics} as JSON (warnings included)' },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const result = await loadPipeline(file, {
      cwd: io.cwd,
      env: io.env,
      varFiles: stringList(args.options, 'var-file'),
    });
    const json = args.options.json === true;
    // Warnings are printed too (on stderr; with --json inside the document), but only errors stop the hash.
    if (result.diagnostics.length && (!json || hasErrors(result.diagnostics))) await io.diagnostics(result.diagnostics);
    if (hasErrors(result.diagnostics) || !result.value) return 2;
    if (json) io.out(`${JSON.stringify({ file, dag_hash: result.value.dagHash, diagnostics: result.diagnostics }, null, 2)}\n`);
    else io.out(`${result.value.dagHash}\n`);
    return 0;
  },
};
