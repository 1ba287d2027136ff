// `dagc logs <run-id> [step] [-c config]`: a step's output, attempt by attempt, from the catalog's captured
// output (what the entrypoint recorded on any engine). With --target argo and the pipeline (-f), the output
// comes from the engine instead: the logs of the run's pods, for runs whose catalog cannot be read from here.
import type { Command } from './types.js';
import { requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import { KUBE_OPTIONS, withRemoteErrors } from './deploy.js';
import { hasErrors } from '../core/diagnostics.js';

export const command: Command = {
  name: 'logs',
  summary: "Print a step's output (every task's when no step is named), from the catalog, or from the run's pods with --target argo.",
  usage: 'dagc logs <run-id> [step] [-c config] | dagc logs <run-id> [step] --target argo -f <pipeline> [-c config] [--context C] [-n NS]',
  options: {
    target: { type: 'string', short: 't', arg: 'TARGET', description: "argo: read the pods' logs from the cluster" },
    file: { type: 'string', short: 'f', arg: 'PIPELINE', description: 'the pipeline file (with --target)' },
    ...INPUT_OPTIONS,
    ...KUBE_OPTIONS,
  },
  async run(args, io) {
    const runId = requirePositional(args, 0, 'the run id');
    const step = args.positionals[1];
    const target = stringOption(args.options, 'target');
    return withRemoteErrors('logs', io, async () => {
      if (target !== undefined) {
        const { engineLogs } = await import('../deploy/index.js');
        const pipelineFile = requirePositional({ positionals: [stringOption(args.options, 'file') ?? ''].filter(Boolean), options: {} }, 0, 'the pipeline file (-f) with --target');
        const logs = await engineLogs(
          { ...inputFiles(pipelineFile, args.options, io), target, context: stringOption(args.options, 'context'), namespace: stringOption(args.options, 'namespace') },
          runId,
          step,
        );
        for (const l of logs) io.out(`==> ${l.step} (${l.source}) <==\n${l.text}${l.text.endsWith('\n') || l.text === '' ? '' : '\n'}`);
        return 0;
      }
      const { loadConfig } = await import('../config/load.js');
      const configFile = stringOption(args.options, 'config');
      const { value, diagnostics } = await loadConfig(configFile, { cwd: io.cwd, env: io.env });
      if (diagnostics.length) await io.diagnostics(diagnostics);
      if (!value || hasErrors(diagnostics)) return 2;
      const { catalogOutputs } = await import('../deploy/logs.js');
      const outputs = await catalogOutputs(value, runId, step, io.cwd, io.env);
      for (const o of outputs) {
        io.out(`==> ${o.step} attempt ${o.attempt} (${o.status}) <==\n`);
        if (o.text !== undefined) io.out(o.text.endsWith('\n') || o.text === '' ? o.text : `${o.text}\n`);
        else io.out(`(${o.missing})\n`);
      }
      return 0;
    });
  },
};
