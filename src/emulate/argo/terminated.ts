// `argo terminate` runs no exit handler: Argo's controller neither creates nor keeps any pod once a workflow's
// shutdown strategy is Terminate, the exit handler's included (argoproj/argo-workflows v4.0.5,
// pkg/apis/workflow/v1alpha1/workflow_types.go ShutdownStrategy.ShouldExecute: Terminate → false; used by
// workflow/controller/operator.go before the onExit node and by exec_control.go for running pods). So nothing in
// the workflow can close the run log, which stays PROCESSING. dagc closes it from outside, as a user does on a
// cluster with `dagc runs close RUN --reason …` (README, "Argo: a terminated workflow"): every step and branch
// still PROCESSING and the run become FAIL, with the cause, and `dagc run --use-cached RUN` resumes from it.
// Both emulators do that here once the workflow ended terminated, and say so.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnPiped } from '../../core/spawn-piped.js';
import { CONFIG_PARAMETER } from '../../emit/argo/parameters.js';
import { substituteString } from './substitute.js';

export const TERMINATED_MESSAGE = "Stopped with strategy 'Terminate'";

export const TERMINATE_REASON = 'argo terminate: Argo runs no exit handler for a terminated workflow';

/** Whether a workflow's end leaves its run log for dagc to close: it was terminated and has an exit handler. */
export function endedTerminated(spec: Record<string, unknown>, phase: string, message: string): boolean {
  return typeof spec.onExit === 'string' && spec.onExit !== '' && phase !== 'Succeeded' && message.includes(TERMINATED_MESSAGE);
}

/** Runs `dagc runs close <run> --reason …` with the config the workflow's pods read (its dagc_config argument). */
export async function closeTerminatedRun(
  spec: Record<string, unknown>,
  opts: {
    readonly runId: string;
    readonly cwd: string;
    readonly env: Readonly<Record<string, string>>;
    readonly dagc: readonly string[];
    readonly err: (text: string) => void;
  },
): Promise<void> {
  const parameters = (spec.arguments as { parameters?: { name?: unknown; value?: unknown }[] } | undefined)?.parameters ?? [];
  const config = parameters.find((p) => p.name === CONFIG_PARAMETER)?.value;
  const dir = await mkdtemp(path.join(tmpdir(), 'dagc-argo-close-'));
  try {
    const args = ['runs', 'close', opts.runId, '--reason', TERMINATE_REASON];
    if (typeof config === 'string' && config) {
      // As the pods get it: Argo has turned dagc's `{{='{{'}}` back into `{{`.
      const file = path.join(dir, 'dagc-config.json');
      await writeFile(file, substituteString(config, new Map(), true));
      args.push('-c', file);
    }
    opts.err(`Argo ran no exit handler (the workflow was terminated): dagc runs close ${opts.runId} --reason '${TERMINATE_REASON}'\n`);
    const [file, ...rest] = opts.dagc;
    const ran = await spawnPiped(file!, [...rest, ...args], { cwd: opts.cwd, env: opts.env, out: opts.err, err: opts.err });
    if (ran.code !== 0) opts.err(`dagc runs close ${opts.runId} exited ${String(ran.code ?? ran.signal)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
