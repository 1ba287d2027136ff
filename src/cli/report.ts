// `dagc report <run-id|latest> [-o FILE] [-c config] [--json]`: one self-contained HTML page of a run (graph
// coloured by status, a timeline of attempts, each step's attempts, parameters, metrics, catalog and output),
// read through the config's run log store like `dagc runs`. --json prints the report's data instead.
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, UserError, requirePositional, stringOption } from './types.js';
import { hasErrors } from '../core/diagnostics.js';
import { writeFileAtomic } from '../core/write-file-atomic.js';

export const command: Command = {
  name: 'report',
  summary: 'Write one run as a self-contained HTML page (graph, timeline, attempts, parameters, metrics, output).',
  usage: 'dagc report <run-id|latest> [-o FILE] [-c config] [--json]',
  options: {
    output: {
      type: 'string',
      short: 'o',
      arg: 'FILE',
      description: 'where to write the page (default: <run-id>.html here; - for stdout)',
    },
    config: {
      type: 'string',
      short: 'c',
      arg: 'FILE',
      description: 'config file whose run_log_store to read (default: chunked-fs in .run_log_store/)',
    },
    json: { type: 'boolean', description: "print the report's data as JSON instead of writing the page" },
  },
  async run(args, io) {
    const id = requirePositional(args, 0, 'the run id (or latest)');
    if (args.positionals.length > 1) throw new UsageError(`dagc report takes one run id (got "${args.positionals[1]}" too)`);
    const json = args.options.json === true;
    const configFile = stringOption(args.options, 'config');
    const { loadConfig } = await import('../config/load.js');
    const { value, diagnostics } = await loadConfig(configFile, { cwd: io.cwd, env: io.env });
    if (diagnostics.length && (!json || hasErrors(diagnostics))) await io.diagnostics(diagnostics);
    if (!value || hasErrors(diagnostics)) return 2;
    if (value.run_log_store.type === 'buffered')
      throw new UserError(
        'the buffered run log store keeps a run in memory only, so there is no run to report',
        'use run_log_store: {type: chunked-fs} (the default) or {type: file-system} to keep runs',
      );
    const { createRunLogStore } = await import('../services/run-log/index.js');
    const store = createRunLogStore(value.run_log_store, { cwd: io.cwd, env: io.env });
    const listHint = `see the runs there with \`dagc runs list${configFile ? ` -c ${configFile}` : ''}\``;
    const report = await import('../report/index.js');

    if (json) {
      const data = await report.reportData(store, id, { cwd: io.cwd, env: io.env, listHint });
      io.out(JSON.stringify(data, null, 2) + '\n');
      return 0;
    }
    const runId = await report.resolveRunId(store, id);
    const output = stringOption(args.options, 'output') ?? `${runId}.html`;
    const toStdout = output === '-';
    const { html } = await report.reportHtml(store, runId, {
      cwd: io.cwd,
      env: io.env,
      listHint,
      ...(toStdout ? {} : { outputFile: output }),
    });
    if (toStdout) {
      io.out(html);
      return 0;
    }
    try {
      await writeFileAtomic(path.resolve(io.cwd, output), html);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UserError(`cannot write ${output} (${code})`, 'check that the folder is writable, or use -o - to print the page');
    }
    io.err(`wrote ${output} (run ${runId}); open it in a browser\n`);
    return 0;
  },
};
