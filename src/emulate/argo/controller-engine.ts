// `dagc emulate --target argo --engine argo`: the manifest run by Argo's real workflow controller (go/argo/
// harness: the controller in process on fake Kubernetes clientsets, each pod's main container command run here
// as a local process), instead of dagc's own emulator (emulator.ts, `--engine dagc`, the default: it needs no
// Go). Both map a pod the same way (pod.ts): `dagc` on the PATH, `/tmp` per pod, a claim's mount path a
// folder of .argo-volumes/, secrets from this process's environment.
// Faults can be injected (OOMKilled, eviction, node loss, stop, terminate, a workflow deadline), and every
// duration of the manifest is scaled (ratios kept) since the controller reads the wall clock.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../../core/errors.js';
import { spawnPiped } from '../../core/spawn-piped.js';
import { shellQuote } from '../../emit/render-template.js';
import { findGoTool } from '../../emit/argo/go-tools.js';
import { workflowSpecOf } from './emulator.js';
import type { ArgoFault } from './faults.js';
import { closeTerminatedRun, endedTerminated } from './terminated.js';

export type { ArgoFault, ArgoFaultKind } from './faults.js';

export interface ControllerNode {
  readonly id: string;
  readonly name: string;
  readonly displayName: string;
  readonly type: string;
  readonly templateName?: string;
  readonly phase: string;
  readonly message?: string;
  readonly boundaryID?: string;
  readonly children?: readonly string[];
}

export interface ControllerPod {
  readonly name: string;
  readonly node: string;
  readonly path?: string;
  readonly exitCode?: number;
  readonly fault?: string;
  readonly phase: string;
}

export interface ControllerRunResult {
  readonly phase: 'Succeeded' | 'Failed' | 'Error' | string;
  readonly message: string;
  readonly nodes: readonly ControllerNode[];
  readonly pods: readonly ControllerPod[];
  readonly error?: string;
}

export interface ControllerEmulateOptions {
  readonly manifest: string;
  /** The WorkflowTemplates of a split pipeline (YAML): created in the harness's fake clientset before the workflow. */
  readonly workflowTemplates?: readonly string[];
  readonly runId: string;
  readonly useCached?: string | undefined;
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dagc: readonly string[];
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly faults?: readonly ArgoFault[];
  /** Multiplies every duration of the manifest (default 0.001: an hour's backoff cap is 3.6 s). */
  readonly timeScale?: number;
  /** The workflow's activeDeadlineSeconds after scaling (the deadline fault). */
  readonly deadlineSeconds?: number;
  readonly timeoutSeconds?: number;
}

/** An Argo-compatible workflow name from a run id (lower case, [a-z0-9-], at most 63 characters). */
function workflowName(runId: string): string {
  const s = runId
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50);
  return s ? `dagc-${s}` : 'dagc-run';
}

export async function emulateArgoWithController(opts: ControllerEmulateOptions): Promise<{ result: ControllerRunResult; exitCode: number }> {
  const tool = findGoTool('argo-controller-harness', opts.env);
  if (!tool.found) throw new UserError("--engine argo needs Argo's controller harness, which is not built", tool.hint);
  const manifest: unknown = parse(opts.manifest, { version: '1.1' });
  const spec = workflowSpecOf(manifest);
  const declared = new Set(((spec.arguments as { parameters?: { name?: unknown }[] } | undefined)?.parameters ?? []).map((p) => String(p.name)));
  const args: Record<string, string> = {};
  if (declared.has('run_id')) args.run_id = opts.runId;
  if (opts.useCached && declared.has('use_cached')) args.use_cached = opts.useCached;

  const root = await mkdtemp(path.join(tmpdir(), 'dagc-argo-controller-'));
  try {
    const shimDir = path.join(root, 'bin');
    await mkdir(shimDir);
    const shim = path.join(shimDir, 'dagc');
    await writeFile(shim, `#!/bin/sh\nexec ${opts.dagc.map(shellQuote).join(' ')} "$@"\n`);
    await chmod(shim, 0o755);
    const pods = path.join(root, 'pods');
    await mkdir(pods);
    // A pod starts from the image's environment: here, this process's, without dagc's own variables.
    const env: Record<string, string> = {};
    const secrets: Record<string, string> = {};
    for (const [k, v] of Object.entries(opts.env)) {
      if (v === undefined) continue;
      secrets[k] = v;
      if (!k.startsWith('DAGC_') && !k.startsWith('MAGNUS_')) env[k] = v;
    }
    env.PATH = `${shimDir}${path.delimiter}${env.PATH ?? ''}`;
    const manifestFile = path.join(root, 'manifest.yaml');
    await writeFile(manifestFile, opts.manifest);
    const templates: string[] = [];
    for (const [i, text] of (opts.workflowTemplates ?? []).entries()) {
      const file = path.join(root, `workflow-template-${i + 1}.yaml`);
      await writeFile(file, text);
      templates.push(file);
    }
    const request = {
      manifest: manifestFile,
      workflowTemplates: templates,
      name: workflowName(opts.runId),
      namespace: 'argo',
      arguments: args,
      cwd: opts.cwd,
      env,
      secrets,
      tmpRoot: pods,
      dagc: opts.dagc,
      timeScale: opts.timeScale ?? 0.001,
      deadlineSeconds: opts.deadlineSeconds ?? 0,
      faults: opts.faults ?? [],
      timeoutSeconds: opts.timeoutSeconds ?? 900,
    };
    const requestFile = path.join(root, 'request.json');
    const resultFile = path.join(root, 'result.json');
    await writeFile(requestFile, JSON.stringify(request));
    const ran = await spawnPiped(tool.path, ['-test.run', '^TestDagcHarness$'], {
      cwd: root,
      env: { ...env, DAGC_HARNESS_REQUEST: requestFile, DAGC_HARNESS_RESULT: resultFile },
      out: opts.out,
      err: opts.err,
      // The harness gives up by itself after timeoutSeconds; this is for a controller that stopped answering.
      timeoutSeconds: request.timeoutSeconds + 60,
      killGraceMs: 5000,
    });
    if (ran.error !== undefined) throw new Error(`could not start ${tool.path}: ${ran.error}`);
    const code = ran.code;
    let result: ControllerRunResult;
    try {
      result = JSON.parse(await readFile(resultFile, 'utf8')) as ControllerRunResult;
    } catch {
      throw new UserError(`Argo's controller harness ended (exit ${String(code)}) without a result`);
    }
    if (result.error) opts.err(`argo controller harness: ${result.error}\n`);
    if (endedTerminated(spec, result.phase, result.message)) await closeTerminatedRun(spec, { runId: opts.runId, cwd: opts.cwd, env, dagc: opts.dagc, err: opts.err });
    const exit2 = result.pods.some((p) => p.exitCode === 2);
    const exitCode = result.phase === 'Succeeded' ? 0 : result.phase === 'Failed' && !exit2 && !result.error ? 1 : 2;
    return { result, exitCode };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
