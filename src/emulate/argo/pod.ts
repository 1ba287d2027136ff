// One pod of the emulated workflow: the container's command and args run here as a process, in the user's
// working directory, with the container's env. What a pod has that this machine lacks is mapped:
//  - `dagc` is this dagc (`node <package>/bin/dagc.js`), as the first word of the command and on the PATH;
//  - `/tmp/…` (in the command and the container's env, parameter values excepted) is a temp folder of this pod alone, so parallel pods do not share files, and output parameters
//    (`valueFrom.path`, docs/walk-through/output-parameters.md) are read from there;
//  - a persistent volume's mount path is a folder of the working directory (.argo-volumes/<claim>), shared
//    by every pod like the claim is;
//  - Kubernetes secrets (`secretKeyRef`) come from this process's environment variable of the same name.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { spawnPiped } from '../../core/spawn-piped.js';

export interface PodSpec {
  readonly command: readonly string[];
  /** The container's own env (paths in it are mapped; the base env is not). */
  /** Mount path → local folder (persistent volumes). */
  readonly mounts?: readonly (readonly [string, string])[];
  readonly env: Readonly<Record<string, string>>;
  readonly outputs: readonly { readonly name: string; readonly path: string; readonly default?: string }[];
  readonly deadlineSeconds?: number;
  /** Kills the pod's processes at once (SIGKILL) when aborted: an injected fault (faults.ts). */
  readonly kill?: AbortSignal;
}

export interface PodEnvironment {
  readonly cwd: string;
  /** The environment a pod starts from (the image's), before the container's env. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** A folder to create pod folders in. */
  readonly tmpRoot: string;
  /** How to run dagc: [node, bin/dagc.js]. */
  readonly dagc: readonly string[];
  /** Folder holding a `dagc` shim, put first on the PATH. */
  readonly shimDir: string;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly signal: AbortSignal;
}

export interface PodResult {
  readonly phase: 'Succeeded' | 'Failed' | 'Error';
  readonly exitCode?: number;
  readonly outputs: Record<string, string>;
  readonly message: string;
}

// Where a path can begin in an argument, an env value or a script line: not inside a word, so a step name or map
// item such as `a/tmp/b` or `x/mnt/data` is data, never a path to map (issue 19: every `/tmp/` substring was).
const PATH_START = `(?<=^|[\\s='"(<>:;|&])`;

/** Rewrites the paths a pod sees (`/tmp/…`, mount paths) to their folders here, by path prefix only. */
export function mapPaths(text: string, dir: string, mounts: readonly (readonly [string, string])[]): string {
  let out = text.replace(new RegExp(`${PATH_START}/tmp/`, 'g'), () => `${dir}/`);
  for (const [mountPath, local] of mounts)
    out = out.replace(new RegExp(`${PATH_START}${mountPath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$|"|'|\\s)`, 'g'), () => local);
  return out;
}

export async function runPod(spec: PodSpec, envr: PodEnvironment): Promise<PodResult> {
  if (envr.signal.aborted) return { phase: 'Failed', outputs: {}, message: 'workflow stopped' };
  const dir = await mkdtemp(path.join(envr.tmpRoot, 'pod-'));
  try {
    const mounts = spec.mounts ?? [];
    const mapTmp = (text: string, d: string) => mapPaths(text, d, mounts);
    // dagc's pod scripts (`sh -c SCRIPT dagc-step MODE RUN PATH … -f PIPELINE …`) take the step's data (its run
    // id, dot path, map item, next states) as positional arguments before -f: data, never paths to map (issue 19:
    // a step named `/tmp/x` became this pod's folder). The script and dagc's own options are mapped.
    const isDagcScript = spec.command[0] === 'sh' && spec.command[1] === '-c' && /^dagc-/.test(spec.command[3] ?? '');
    const optionsAt = isDagcScript ? spec.command.indexOf('-f', 4) : -1;
    const argv = spec.command.map((a, i) => (isDagcScript && i >= 4 && (optionsAt < 0 || i < optionsAt) ? a : mapTmp(a, dir)));
    if (argv[0] === 'dagc') argv.splice(0, 1, ...envr.dagc);
    const env: Record<string, string> = { ...envr.baseEnv };
    // A parameter's value is data, recorded in the run log as given: a pod sees it as written, so it is never
    // mapped (issue 19: a value "/tmp/x…" reached the step, and the run log, as this pod's folder).
    for (const [k, v] of Object.entries(spec.env)) env[k] = /^(DAGC|MAGNUS)_PRM_/.test(k) ? v : mapTmp(v, dir);
    env.PATH = `${envr.shimDir}${path.delimiter}${env.PATH ?? ''}`;
    env.TMPDIR = dir;
    const [file, ...args] = argv;
    if (!file) return { phase: 'Error', outputs: {}, message: 'the container has no command' };
    // Killed before its process started (a fault at 0 ms): nothing of it ran.
    if (spec.kill?.aborted) return { phase: 'Failed', exitCode: 137, outputs: {}, message: 'killed' };

    // A pod ends at its deadline or when the workflow stops: its whole process group is stopped.
    // A stopped pod gets SIGTERM, then SIGKILL after the grace period (scaled as the controller harness scales
    // Kubernetes' 30 s: dagc exec needs a moment to record its end).
    const ran = await spawnPiped(file, args, {
      cwd: envr.cwd,
      env,
      out: envr.out,
      err: envr.err,
      signal: envr.signal,
      kill: spec.kill,
      killGraceMs: 1000,
      timeoutSeconds: spec.deadlineSeconds || undefined,
    });
    const outcome = { code: ran.code, error: ran.error, timedOut: ran.timedOut };
    if (outcome.error) return { phase: 'Error', outputs: {}, message: outcome.error };
    if (spec.kill?.aborted) return { phase: 'Failed', exitCode: 137, outputs: {}, message: 'killed' };
    if (outcome.timedOut) return { phase: 'Failed', outputs: {}, message: `Pod was active on the node longer than the specified deadline (${spec.deadlineSeconds}s)` };
    const code = outcome.code ?? 1;
    const outputs: Record<string, string> = {};
    for (const o of spec.outputs) {
      try {
        outputs[o.name] = (await readFile(mapTmp(o.path, dir), 'utf8')).replace(/\n$/, '');
      } catch {
        if (o.default !== undefined) outputs[o.name] = o.default;
        else if (code === 0) return { phase: 'Error', exitCode: code, outputs, message: `output parameter ${o.name}: ${o.path} was not written` };
      }
    }
    return { phase: code === 0 ? 'Succeeded' : 'Failed', exitCode: code, outputs, message: code === 0 ? '' : `exit code ${code}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
