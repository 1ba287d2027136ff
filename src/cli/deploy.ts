// `dagc deploy <pipeline> --target argo|asl -c config`: the pipeline's resources on the engine brought to the
// desired state (src/deploy). One line per resource as it is settled: created / updated / unchanged / deleted;
// --dry-run says the same and changes nothing; --diff adds the field changes. Exit 0 when deployed, 2 for bad
// input, 1 when the engine refused (what had already changed is listed).
import type { Command, Io } from './types.js';
import { UsageError, requirePositional, stringOption } from './types.js';
import { INPUT_OPTIONS, inputFiles } from './load-inputs.js';
import type { ResourceOutcome } from '../deploy/types.js';
import { RemoteError } from '../deploy/types.js';
import { formatChanges } from '../deploy/diff.js';

export const KUBE_OPTIONS = {
  context: { type: 'string', arg: 'NAME', description: 'argo: the kubeconfig context (default: its current-context)' },
  namespace: { type: 'string', short: 'n', arg: 'NS', description: "argo: the namespace (default: deploy.argo.namespace, then the context's)" },
} as const;

export const TARGET_OPTION = { target: { type: 'string', short: 't', arg: 'TARGET', description: 'argo or asl' } } as const;

export function deployTarget(value: string | undefined): string {
  if (!value) throw new UsageError('missing --target (argo or asl)');
  return value;
}

/** Runs `f`; an engine's refusal is printed with what was already done and exits 1 (bad input stays exit 2). */
export async function withRemoteErrors(name: string, io: Io, f: () => Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (error) {
    if (!(error instanceof RemoteError)) throw error;
    io.err(`dagc ${name}: ${error.message}\n${error.hint ? `hint: ${error.hint}\n` : ''}`);
    if (error.done.length) {
      io.err('already done before this failure:\n');
      for (const o of error.done) io.err(`  ${o.action.padEnd(9)} ${o.kind} ${o.name}\n`);
    }
    return 1;
  }
}

export function outcomeLine(o: ResourceOutcome): string {
  return `${o.action.padEnd(9)}  ${o.kind.padEnd(19)}  ${o.name}${o.note ? `  ${o.note}` : ''}\n`;
}

export const command: Command = {
  name: 'deploy',
  summary: 'Bring the pipeline\'s resources on an engine to the desired state (Argo: WorkflowTemplate, CronWorkflow; AWS: state machine, version, alias, schedule, role).',
  usage: 'dagc deploy <pipeline> --target argo|asl [-c config] [-p params] [--dry-run] [--diff] [--prune] [--force-conflicts] [--context C] [-n NS]',
  options: {
    ...TARGET_OPTION,
    ...INPUT_OPTIONS,
    'dry-run': { type: 'boolean', description: 'say what would change; change nothing' },
    diff: { type: 'boolean', description: 'show the field changes of each resource' },
    prune: { type: 'boolean', description: 'delete resources dagc deployed for this pipeline that it no longer has (found by label/tag)' },
    'force-conflicts': { type: 'boolean', description: 'argo: take over fields another field manager owns' },
    ...KUBE_OPTIONS,
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = deployTarget(stringOption(args.options, 'target'));
    const dryRun = args.options['dry-run'] === true;
    const showDiff = args.options['diff'] === true;
    return withRemoteErrors('deploy', io, async () => {
      const { deploy } = await import('../deploy/index.js');
      const counts = new Map<string, number>();
      const result = await deploy(
        {
          ...inputFiles(file, args.options, io),
          target,
          context: stringOption(args.options, 'context'),
          namespace: stringOption(args.options, 'namespace'),
        },
        {
          dryRun,
          prune: args.options['prune'] === true,
          forceConflicts: args.options['force-conflicts'] === true,
          onOutcome: (o) => {
            counts.set(o.action, (counts.get(o.action) ?? 0) + 1);
            io.out(outcomeLine(o));
            if (showDiff && o.changes.length) io.out(formatChanges(o.changes));
          },
        },
        (d) => io.diagnostics(d),
      );
      const summary = [...counts].map(([a, n]) => `${n} ${a}`).join(', ');
      io.out(`${dryRun ? 'dry run, nothing changed: ' : ''}${result.outcomes.length} resource${result.outcomes.length === 1 ? '' : 's'} (${summary || 'none'})\n`);
      return 0;
    });
  },
};
