// `dagc emulate --target argo`: runs the manifest `dagc compile --target argo` writes on this machine
// (emulator.ts), every pod a local process calling the real dagc entrypoint, so the run lands in the run log
// store like any other. The manifest was compiled for the working directory, where the pods run.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../core/errors.js';
import { shellQuote } from '../../emit/render-template.js';
import type { Emulator } from '../types.js';
import { environmentSecretNames } from '../../runtime/image-env.js';
import type { EmulationResult } from './emulator.js';
import type { ArgoFault } from './faults.js';
import { closeTerminatedRun, endedTerminated } from './terminated.js';
import { emulateWorkflow, workflowSpecOf } from './emulator.js';
import { takeArgoRunId } from './take-run-id.js';

export interface EmulateArgoOptions {
  /** The manifest as written (YAML). */
  readonly manifest: string;
  readonly runId: string;
  /** A previous run to re-run from (the workflow argument use_cached). */
  readonly useCached?: string | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Variables of `env` that hold secrets (runtime/image-env.ts): a pod gets them only through the manifest. */
  readonly hostSecrets?: ReadonlySet<string>;
  /** How to run dagc, e.g. [process.execPath, '<package>/bin/dagc.js']. */
  readonly dagc: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Faults to inject, in the request format of Argo's controller harness (faults.ts). */
  readonly faults?: readonly ArgoFault[];
  /** The workflow's activeDeadlineSeconds instead of the manifest's. */
  readonly deadlineSeconds?: number;
  /** The WorkflowTemplates of a split pipeline (YAML, one object each), which its tasks reach by templateRef. */
  readonly workflowTemplates?: readonly string[];
}

export interface EmulateArgoResult {
  readonly result: EmulationResult;
  /** dagc's exit code: 0 when the workflow Succeeded, 1 when it Failed, 2 for an Error or a pod that exited 2 (bad input). */
  readonly exitCode: number;
}

/** Names of the container variables any template fills from a Kubernetes secret (env[].valueFrom.secretKeyRef). */
function secretRefNames(spec: Record<string, unknown>): Set<string> {
  const names = new Set<string>();
  const templates = Array.isArray(spec.templates) ? (spec.templates as { container?: { env?: unknown } }[]) : [];
  for (const t of templates) {
    const env = Array.isArray(t.container?.env) ? (t.container.env as { name?: unknown; valueFrom?: { secretKeyRef?: unknown } }[]) : [];
    for (const e of env) if (typeof e.name === 'string' && e.valueFrom?.secretKeyRef) names.add(e.name);
  }
  return names;
}

/** The environment a pod starts from: this process's, less dagc's own variables and the secrets (host's and secretKeyRef's). */
function podBaseEnv(spec: Record<string, unknown>, env: Readonly<Record<string, string | undefined>>, hostSecrets?: ReadonlySet<string>): Record<string, string> {
  const secretRefs = secretRefNames(spec);
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(env))
    if (v !== undefined && !k.startsWith('DAGC_') && !k.startsWith('MAGNUS_') && !hostSecrets?.has(k) && !secretRefs.has(k)) baseEnv[k] = v;
  return baseEnv;
}

export async function emulateArgo(opts: EmulateArgoOptions): Promise<EmulateArgoResult> {
  // Argo reads manifests as YAML 1.1 (go-yaml), which is how dagc writes them.
  const manifest: unknown = parse(opts.manifest, { version: '1.1' });
  const spec = workflowSpecOf(manifest);
  const declared = new Set(
    ((spec.arguments as { parameters?: { name?: unknown }[] } | undefined)?.parameters ?? []).map((p) => String(p.name)),
  );
  const args: Record<string, string> = {};
  if (declared.has('run_id')) args.run_id = opts.runId;
  if (opts.useCached && declared.has('use_cached')) args.use_cached = opts.useCached;

  const root = await mkdtemp(path.join(tmpdir(), 'dagc-argo-'));
  try {
    const shimDir = path.join(root, 'bin');
    const { mkdir } = await import('node:fs/promises');
    await mkdir(shimDir);
    const shim = path.join(shimDir, 'dagc');
    await writeFile(shim, `#!/bin/sh\nexec ${opts.dagc.map(shellQuote).join(' ')} "$@"\n`);
    await chmod(shim, 0o755);
    // A pod starts from the image's environment: here, this process's, without dagc's own variables (the
    // workflow sets those it means to pass).
    // The variables the manifest fills from Kubernetes secrets (secretKeyRef, stood in for by this process's
    // variable of that name) are secrets too: a pod whose container does not ask for one must not have it.
    const baseEnv = podBaseEnv(spec, opts.env, opts.hostSecrets);
    const result = await emulateWorkflow(manifest, {
      workflowName: opts.runId,
      arguments: args,
      secretEnv: opts.env,
      pod: { cwd: opts.cwd, baseEnv, tmpRoot: root, dagc: opts.dagc, shimDir, out: opts.out, err: opts.err },
      faults: opts.faults,
      deadlineSeconds: opts.deadlineSeconds,
      workflowTemplates: (opts.workflowTemplates ?? []).map((t) => parse(t, { version: '1.1' }) as unknown),
    });
    const claims = ((spec.volumes as { persistentVolumeClaim?: { claimName?: unknown } }[] | undefined) ?? [])
      .map((v) => v.persistentVolumeClaim?.claimName)
      .filter((c): c is string => typeof c === 'string');
    if (claims.length) opts.err(`persistent volume claims ${claims.join(', ')}: emulated by folders under .argo-volumes/\n`);
    if (endedTerminated(spec, result.phase, result.message))
      await closeTerminatedRun(spec, { runId: opts.runId, cwd: opts.cwd, env: { ...baseEnv, PATH: `${shimDir}${path.delimiter}${baseEnv.PATH ?? ''}` }, dagc: opts.dagc, err: opts.err });
    const exitCode = result.phase === 'Succeeded' ? 0 : result.phase === 'Failed' && !result.exitCodes.includes(2) ? 1 : 2;
    return { result, exitCode };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

export const emulator: Emulator = {
  async emulate(files, options) {
    const manifest = files[0];
    if (!manifest) throw new Error('the argo target compiled no manifest (dagc bug)');
    const engine = options.engine ?? 'dagc';
    if (engine !== 'dagc' && engine !== 'argo')
      throw new UserError(`unknown --engine "${engine}" for the argo target`, 'use dagc (the built-in emulator, the default) or argo (Argo\'s own controller, built from go/argo)');
    // The run id is taken before any pod starts, as the bash script's first call takes it (issue 19): a second
    // emulation with a run id the store has (running or ended) refuses with exit 2 and runs nothing.
    const spec = workflowSpecOf(parse(manifest.text, { version: '1.1' }));
    const hostSecrets = environmentSecretNames(options.config, options.pipeline);
    await takeArgoRunId(spec, files.slice(1).map((f) => parse(f.text, { version: '1.1' }) as unknown), {
      runId: options.runId,
      useCached: options.useCached,
      cwd: options.cwd,
      baseEnv: podBaseEnv(spec, options.env, hostSecrets),
      secretEnv: options.env,
      dagc: options.dagc,
      err: options.err,
    });
    if (engine === 'argo') {
      // Argo's own workflow controller (go/argo harness), instead of the built-in emulator.
      const { emulateArgoWithController } = await import('./controller-engine.js');
      const { result, exitCode } = await emulateArgoWithController({
        manifest: manifest.text,
        workflowTemplates: files.slice(1).map((f) => f.text),
        runId: options.runId,
        useCached: options.useCached,
        cwd: options.cwd,
        env: options.env,
        dagc: options.dagc,
        out: options.out,
        err: options.err,
      });
      const problem = result.phase === 'Succeeded' ? '' : result.message ? ` (${result.message})` : '';
      return { exitCode, engine: `: Argo workflow ${result.phase}${problem} (Argo's controller)`, details: result };
    }
    const { result, exitCode } = await emulateArgo({
      manifest: manifest.text,
      workflowTemplates: files.slice(1).map((f) => f.text),
      runId: options.runId,
      useCached: options.useCached,
      cwd: options.cwd,
      env: options.env,
      hostSecrets,
      dagc: options.dagc,
      out: options.out,
      err: options.err,
    });
    const problem = result.phase === 'Succeeded' ? '' : result.message ? ` (${result.message})` : '';
    return { exitCode, engine: `: Argo workflow ${result.phase}${problem}`, details: { phase: result.phase, message: result.message, nodes: result.nodes } };
  },
};
