// The run id of an emulated Argo workflow is taken before any pod starts (issue 19; ../take-run-id.ts): `dagc fan
// open` runs here as the workflow's first pod would run dagc — the step template that creates the run (the one
// given the initial parameters as DAGC_PRM_ variables), its dagc options (-f, -p, --var-file), its env with the
// workflow's arguments filled in, and the config it writes from DAGC_CONFIG_JSON, paths mapped as pod.ts maps
// them (/tmp/, persistent volumes under .argo-volumes/).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { takeRunId } from '../take-run-id.js';
import { mapPaths } from './pod.js';
import { substituteString } from './substitute.js';

type Json = Record<string, unknown>;

const RUN_ID_ARG = '{{workflow.parameters.run_id}}';

const list = (v: unknown): Json[] => (Array.isArray(v) ? (v as Json[]) : []);
const object = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** The templates whose pods call dagc with the run id (steps and fan outs), the workflow's and its templates'. */
function dagcTemplates(spec: Json, workflowTemplates: readonly unknown[]): Json[] {
  const all = [...list(spec.templates), ...workflowTemplates.flatMap((t) => list(object(object(t).spec).templates))];
  return all.filter((t) => {
    const args = list(object(t.container).args).map(String);
    return args.includes(RUN_ID_ARG) && args.includes('-f');
  });
}

export interface ArgoRunIdOptions {
  readonly runId: string;
  readonly useCached?: string | undefined;
  readonly cwd: string;
  /** The pods' base environment (the image's: no dagc variables, no host secrets). */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Where secretKeyRef variables come from (dagc emulate's environment). */
  readonly secretEnv: Readonly<Record<string, string | undefined>>;
  readonly dagc: readonly string[];
  /** Where the run's warnings `dagc fan open` prints go. */
  readonly err?: ((text: string) => void) | undefined;
}

export async function takeArgoRunId(spec: Json, workflowTemplates: readonly unknown[], opts: ArgoRunIdOptions): Promise<void> {
  const templates = dagcTemplates(spec, workflowTemplates);
  // The template that creates the run is the one given the initial parameters (containers.ts `start`).
  const prms = (t: Json) => list(object(t.container).env).filter((e) => String(e.name).startsWith('DAGC_PRM_')).length;
  const first = [...templates].sort((a, b) => prms(b) - prms(a))[0];
  if (!first) return; // not a manifest dagc wrote: nothing calls dagc with a run id
  const container = object(first.container);

  // The workflow's arguments as submitted (emulator.ts resolves {{workflow.name}} in them once, at submission).
  const globals = new Map([['workflow.name', opts.runId]]);
  const scope = new Map<string, string>();
  for (const p of list(object(spec.arguments).parameters)) {
    const name = String(p.name);
    const given = name === 'run_id' ? opts.runId : name === 'use_cached' ? (opts.useCached ?? '') : p.value === undefined ? '' : String(p.value);
    scope.set(`workflow.parameters.${name}`, substituteString(given, globals, true));
  }

  const root = await mkdtemp(path.join(tmpdir(), 'dagc-argo-open-'));
  try {
    const mounts = list(container.volumeMounts).flatMap((m): [string, string][] => {
      const claim = list(spec.volumes).find((v) => v.name === m.name);
      const claimName = object(claim?.persistentVolumeClaim).claimName;
      const mountPath = String(m.mountPath ?? '');
      return typeof claimName === 'string' && mountPath !== '/' ? [[mountPath.replace(/\/+$/, ''), path.join(opts.cwd, '.argo-volumes', claimName)]] : [];
    });
    for (const [, local] of mounts) await mkdir(local, { recursive: true });
    const env: Record<string, string> = { ...opts.baseEnv, TMPDIR: root };
    for (const e of list(container.env)) {
      const key = String(e.name);
      if (typeof e.value === 'string') {
        const value = substituteString(e.value, scope, true);
        if (value.includes('{{')) continue; // a pod's own input: not known before it runs
        env[key] = /^(DAGC|MAGNUS)_PRM_/.test(key) ? value : mapPaths(value, root, mounts);
      } else if (object(e.valueFrom).secretKeyRef && opts.secretEnv[key] !== undefined) env[key] = opts.secretEnv[key]!;
    }
    // dagc's own options follow the pod script's positionals (run id, dot path, …) and start with -f PIPELINE.
    const args = list(container.args).map(String);
    const entry = args
      .slice(args.indexOf('-f'))
      .map((a) => mapPaths(substituteString(a, scope, true), root, mounts));
    // As the pod script does: the config from DAGC_CONFIG_JSON, after the other options.
    const config = env.DAGC_CONFIG_JSON;
    delete env.DAGC_USE_CACHED;
    delete env.DAGC_CONFIG_JSON;
    if (config) {
      const file = path.join(root, 'dagc-config.json');
      await writeFile(file, `${config}\n`);
      entry.push('-c', file);
    }
    await takeRunId({ runId: opts.runId, entry, useCached: opts.useCached, cwd: opts.cwd, env, dagc: opts.dagc, err: opts.err });
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
