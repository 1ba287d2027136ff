// The local-container executor (magnus-spec.md §6.2): dagc traverses the graph on the host, exactly as the
// local executor does (executors/local.ts), and runs every task node as `dagc exec` inside a container, so the
// step records itself through the same runtime code. Stubs, success and fail nodes, steps a re-run takes from
// the previous run and nodes with `run_in_local` stay on the host (no container for work that runs no user
// code: DESIGN.md §4). Parallel branches and map items start containers under the same cap as local runs.
//
// Everything that can be wrong is found before anything runs (issue #7): the services' integrations
// (a buffered run log is refused), an image for every containerised node, a working engine, and each image
// probed once (present, starts, has dagc). A container that dies without recording its step (the engine
// refused it, it was killed) leaves the step FAIL with the engine's words, never PROCESSING.
import { existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DagcConfig } from '../config/types.js';
import type { Pipeline } from '../ir/types.js';
import { walk } from '../ir/walk.js';
import { DiagnosticError } from '../core/diagnostics.js';
import { UserError } from '../core/errors.js';
import { spawnPiped } from '../core/spawn-piped.js';
import { VERSION } from '../version.js';
import { getIntegrationRegistry } from '../integrations/builtin.js';
import type { ContainerMount } from '../integrations/registry.js';
import { SERVICES, checkIntegrations, maxParallelOf } from '../integrations/configured.js';
import type { RunContext } from '../runtime/context.js';
import type { EventSink } from '../runtime/events.js';
import { executeLeaf, newStepLog, stepNames, stepTypeOf, takeFromPrevious } from '../runtime/exec-node.js';
import type { NodeInvocation } from '../runtime/exec-node.js';
import { CODE_IDENTITIES_ENV, getGitIdentity } from '../runtime/code-identity.js';
import { isoNow, preciseNow, secondsBetween } from '../runtime/clock.js';
import type { CodeIdentity, Status } from '../services/run-log/types.js';
import { maskSecrets } from '../services/secrets/types.js';
import type { LeafRunner } from './local.js';
import type { Engine, ImageInfo } from './container/engine.js';
import { detectEngine, inspectImage, lastLines, runProbe } from './container/engine.js';
import { ProbeCache } from './container/probe-cache.js';
import type { ContainerSettings } from '../config/container-settings.js';
import { checkContainerSettings, selectPassEnv } from '../config/container-settings.js';

/** Where the run's config (as JSON) appears inside every container. */
export const CONFIG_TARGET = '/tmp/dagc/config.json';

export interface PrepareOptions {
  readonly pipeline: Pipeline;
  readonly config: DagcConfig;
  /** The pipeline file as given on the command line. */
  readonly pipelineFile: string;
  readonly varFiles: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly events: EventSink;
}

export interface PreparedContainers {
  /** Undefined when no step needs a container (stubs, run_in_local steps only). */
  readonly engine?: Engine;
  readonly images: readonly ImageInfo[];
  /** Runs task nodes in containers, everything else here. */
  readonly leaf: LeafRunner;
  /** Removes the run's temporary files (the config handed to the containers). */
  dispose(): Promise<void>;
}

export interface RunArgsInput {
  readonly engine: Engine;
  readonly image: string;
  readonly cwd: string;
  readonly mounts: readonly ContainerMount[];
  /** Variables passed by name; their values are in the engine client's own environment. */
  readonly envNames: readonly string[];
  /** The flags that choose the container's user (none: the image's own). */
  readonly user: readonly string[];
  readonly runOptions: readonly string[];
  readonly command: readonly string[];
}

/**
 * The engine's `run` arguments. Variables go by name only (`-e NAME`: the engine takes the value from its
 * own environment), so a secret or a token never shows in `ps` or in an error message quoting the command.
 * The host network (as magnus): a store or tracker on the host's loopback stays reachable.
 */
export function containerRunArgs(p: RunArgsInput): string[] {
  return [
    'run',
    '--rm',
    '--network',
    'host',
    ...p.engine.runFlags,
    ...p.user,
    '-w',
    p.cwd,
    ...p.mounts.flatMap((m) => ['-v', `${m.source}:${m.target}${m.readOnly ? ':ro' : ''}`]),
    ...p.envNames.flatMap((n) => ['-e', n]),
    ...p.runOptions,
    p.image,
    ...p.command,
  ];
}

/** Mounts in a stable order, one per target; a read-write mount inside the working directory is already there. */
export function arrangeMounts(cwd: string, mounts: readonly ContainerMount[]): ContainerMount[] {
  const inside = (p: string) => p === cwd || p.startsWith(cwd.endsWith(path.sep) ? cwd : cwd + path.sep);
  const out = new Map<string, ContainerMount>([[cwd, { source: cwd, target: cwd, readOnly: false }]]);
  for (const m of [...mounts].sort((a, b) => (a.target < b.target ? -1 : a.target > b.target ? 1 : 0))) {
    if (!m.readOnly && m.source === m.target && inside(m.source)) continue;
    const existing = out.get(m.target);
    // The same path asked read-only by one service and read-write by another: read-write wins (both work).
    if (!existing || (existing.readOnly && !m.readOnly)) out.set(m.target, m);
  }
  for (const m of out.values())
    if (m.source.includes(':') || m.target.includes(':'))
      throw new UserError(
        `the path "${m.source}" has a ":" in it, which container engines cannot mount (-v SOURCE:TARGET)`,
        'move the folder (or the run log / catalog / secrets file) to a path without ":"',
      );
  return [...out.values()];
}

/**
 * `host`: files the step writes in mounted folders belong to the user who runs dagc. With a rootful engine
 * that is `--user UID:GID`; rootless podman maps container root to the user already, and a numeric user
 * there would be a sub-uid on the host, so it keeps the user's id with `--userns=keep-id` instead.
 */
export function userFlags(setting: string, engine: Engine, uid: number | undefined, gid: number | undefined): string[] {
  if (setting === 'image') return [];
  if (setting !== 'host') return ['--user', setting];
  if (uid === undefined || gid === undefined) return [];
  if (engine.name === 'podman' && uid !== 0) return ['--userns=keep-id'];
  return ['--user', `${uid}:${gid}`];
}

interface NodePlan {
  readonly settings: ContainerSettings;
  readonly image?: ImageInfo;
}

/** Checks everything and probes the engine and images; nothing has run when this throws. */
export async function prepareLocalContainer(opts: PrepareOptions): Promise<PreparedContainers> {
  const { pipeline, config, cwd, env, events } = opts;
  const { errors } = checkIntegrations(config);
  if (errors.length) throw new UserError(errors.map((e) => e.message).join('; '), errors[0]?.hint);

  const checked = checkContainerSettings(pipeline, config);
  if (checked.diagnostics.length) throw new DiagnosticError(checked.diagnostics);
  const plans = checked.settings;

  const global = readGlobal(config);
  const wanted = [...new Set([...plans.values()].filter((s) => !s.runInLocal && s.image).map((s) => s.image!))].sort();
  // A pipeline of stubs (or of run_in_local steps only) runs nothing in a container: no engine is needed.
  if (!wanted.length) return { images: [], leaf: executeLeaf, dispose: async () => {} };
  const engine = await detectEngine(global.engine, global.enginePath, env);
  // Each image is inspected (its id; a missing image is an error) and, unless an image with that id has
  // been probed with this engine before, started once. The probes run together; the rlimit fallback one of
  // them needed applies to all (same engine, same host).
  const cache = await ProbeCache.open(env);
  const probes = await Promise.all(
    wanted.map(async (image) => {
      const id = await inspectImage(engine, image, env);
      const known = cache.lookup(engine, id);
      if (known) return { info: { image, id, dagcVersion: known.dagcVersion }, runFlags: known.runFlags };
      const probe = await runProbe(engine, image, id, global.runOptions, env);
      cache.remember(engine, id, probe.runFlags, probe.info.dagcVersion);
      return probe;
    }),
  );
  await cache.save();
  const runFlags = probes.find((p) => p.runFlags.length)?.runFlags ?? [];
  const ready: Engine = { ...engine, runFlags };
  const images = new Map(probes.map((p) => [p.info.image, p.info]));
  for (const info of images.values())
    if (!info.dagcVersion.includes(VERSION))
      events({
        kind: 'warning',
        message: `the image "${info.image}" has dagc ${info.dagcVersion || '(unknown version)'} while this is dagc ${VERSION}: steps record themselves with the image's version`,
        hint: 'rebuild the image with this dagc (dagc image dockerfile) so every step records the same way',
      });

  const nodePlans = new Map<string, NodePlan>(
    [...plans.entries()].map(([name, settings]) => [name, { settings, image: settings.image ? images.get(settings.image) : undefined }]),
  );
  const tempDir = await mkdtemp(path.join(tmpdir(), 'dagc-container-'));
  const configFile = path.join(tempDir, 'config.json');
  await writeFile(configFile, JSON.stringify(containerConfig(config), null, 2) + '\n', { mode: 0o644 });
  const gitIdentity = await getGitIdentity(cwd);
  const shared = sharedMounts(opts, plans, configFile);
  const leaf: LeafRunner = (ctx, inv) => {
    const node = inv.loc.node;
    const plan = node.type === 'task' ? nodePlans.get(node.internalName) : undefined;
    if (!plan || plan.settings.runInLocal || !plan.image) return executeLeaf(ctx, inv);
    // A re-run decides here which steps it takes from the previous run (spec §3.11); the container then
    // executes for real (no --use-cached), as the decision has been made.
    if (takeFromPrevious(ctx, stepNames(inv).internal)) return executeLeaf(ctx, inv);
    return ctx.limit(() =>
      runInContainer(ctx, inv, { engine: ready, plan: plan as Required<NodePlan>, shared, opts, gitIdentity, cache }),
    );
  };
  return {
    engine: ready,
    images: [...images.values()],
    leaf,
    dispose: () => rm(tempDir, { recursive: true, force: true }),
  };
}

interface GlobalSettings {
  engine?: string;
  enginePath?: string;
  runOptions: string[];
}

function readGlobal(config: DagcConfig): GlobalSettings {
  const c = config.executor.config ?? {};
  const runOptions = Array.isArray(c.run_options) ? (c.run_options as unknown[]).filter((x): x is string => typeof x === 'string') : [];
  return {
    engine: typeof c.engine === 'string' ? c.engine : undefined,
    enginePath: typeof c.engine_path === 'string' && c.engine_path ? c.engine_path : undefined,
    runOptions,
  };
}

/** The config the containers read: every section as resolved here (variables applied), as JSON. */
function containerConfig(config: DagcConfig): Record<string, unknown> {
  return {
    executor: config.executor,
    run_log_store: config.run_log_store,
    catalog: config.catalog,
    secrets: config.secrets,
    experiment_tracker: config.experiment_tracker,
    ...(config.plugins.length ? { plugins: config.plugins } : {}),
  };
}

interface SharedMounts {
  readonly mounts: readonly ContainerMount[];
  /** Variables every container gets: value, or null for the host's value by name. */
  readonly env: Readonly<Record<string, string | null>>;
}


/** The working directory, the pipeline and variable files, the config, and what each service's integration asks for. */
function sharedMounts(opts: PrepareOptions, plans: ReadonlyMap<string, ContainerSettings>, configFile: string): SharedMounts {
  const { config, cwd, env } = opts;
  const mounts: ContainerMount[] = [{ source: configFile, target: CONFIG_TARGET, readOnly: true }];
  // Files the container's dagc reads: the pipeline (and the dag_definition files next to it) and -v files.
  const readDirs = new Set<string>([path.dirname(path.resolve(cwd, opts.pipelineFile))]);
  for (const { node } of walk(opts.pipeline.root)) readDirs.add(path.dirname(path.resolve(cwd, node.source.file)));
  // Those inside the working directory are there already (and must stay writable for the steps).
  const outside = (p: string) => path.relative(cwd, p).startsWith('..') || path.isAbsolute(path.relative(cwd, p));
  for (const v of opts.varFiles.map((f) => path.resolve(cwd, f)))
    if (outside(v)) mounts.push({ source: v, target: v, readOnly: true });
  for (const dir of readDirs) if (outside(dir)) mounts.push({ source: dir, target: dir, readOnly: true });

  const secretNames = [...new Set([...plans.values()].flatMap((p) => p.secretNames))].sort();
  const glueEnv: Record<string, string | null> = {};
  const registry = getIntegrationRegistry();
  const parallel = maxParallelOf(config.executor) > 1;
  for (const service of SERVICES) {
    const section = config[service];
    const integration = registry.get('local-container', service, section.type);
    const glue = integration?.containerGlue?.({ executor: config.executor, section, parallel, cwd, env, secretNames });
    mounts.push(...(glue?.mounts ?? []));
    Object.assign(glueEnv, glue?.env ?? {});
  }
  // Variables for ${name} placeholders in the pipeline, which the container's dagc reads again.
  for (const k of Object.keys(env)) if (/^(DAGC|MAGNUS)_VAR_/.test(k)) glueEnv[k] = null;
  const arranged = arrangeMounts(cwd, mounts);
  // A service folder that no step has written yet (a fresh catalog) must exist to be mounted: engines refuse
  // a missing source. The services would create it on first use anyway.
  for (const m of arranged) if (!m.readOnly && !existsSync(m.source)) mkdirSync(m.source, { recursive: true });
  return { mounts: arranged, env: glueEnv };
}

interface ContainerJob {
  readonly engine: Engine;
  readonly plan: Required<NodePlan>;
  readonly shared: SharedMounts;
  readonly opts: PrepareOptions;
  readonly gitIdentity: CodeIdentity;
  readonly cache: ProbeCache;
}

/** The image's identity as magnus recorded it (spec §3.3), next to the host's git identity. */
function imageIdentity(engine: Engine, image: ImageInfo): CodeIdentity {
  return {
    code_identifier: image.id,
    code_identifier_type: 'docker',
    code_identifier_dependable: true,
    code_identifier_url: `local ${engine.name} host`,
    code_identifier_message: `image ${image.image}`,
  };
}

async function runInContainer(ctx: RunContext, inv: NodeInvocation, job: ContainerJob): Promise<Status> {
  const node = inv.loc.node;
  const names = stepNames(inv);
  const { settings, image } = job.plan;
  const started = preciseNow();
  ctx.events({ kind: 'step-start', step: names.internal, stepType: stepTypeOf(node) });

  const identities = [job.gitIdentity, imageIdentity(job.engine, image)];
  const childEnv: Record<string, string | undefined> = { ...job.opts.env, [CODE_IDENTITIES_ENV]: JSON.stringify(identities) };
  const envNames = new Set<string>([CODE_IDENTITIES_ENV]);
  for (const [k, v] of Object.entries(job.shared.env)) {
    if (v !== null) childEnv[k] = v;
    envNames.add(k);
  }
  for (const k of selectPassEnv(settings.passEnv, job.opts.env)) envNames.add(k);
  for (const [k, v] of Object.entries(settings.environment)) {
    childEnv[k] = v;
    envNames.add(k);
  }
  const command = [
    'dagc',
    'exec',
    ctx.runId,
    node.internalName,
    '-f',
    path.resolve(job.opts.cwd, job.opts.pipelineFile),
    '-c',
    CONFIG_TARGET,
    ...job.opts.varFiles.flatMap((v) => ['-v', path.resolve(job.opts.cwd, v)]),
    ...(inv.mapValues.length ? ['--map-values', JSON.stringify(inv.mapValues)] : []),
  ];
  const args = containerRunArgs({
    engine: job.engine,
    image: image.image,
    cwd: job.opts.cwd,
    mounts: job.shared.mounts,
    envNames: [...envNames].sort(),
    user: userFlags(settings.user, job.engine, process.getuid?.(), process.getgid?.()),
    runOptions: settings.runOptions,
    command,
  });
  const outcome = await spawnEngine(job.engine.bin, args, childEnv, ctx, names.internal);

  const record = await ctx.store.getStep(ctx.runId, names.internal);
  let status: Status;
  let message: string;
  if ((outcome.code === 0 || outcome.code === 1) && record && record.step.status !== 'PROCESSING') {
    status = record.step.status;
    message = record.step.message;
  } else {
    // The container ended without its step's last word: say what the engine said, record FAIL.
    status = 'FAIL';
    // 125/126: the engine could not start the container; what the cache says about it may be stale.
    if (outcome.code === 125 || outcome.code === 126) {
      job.cache.forget(job.engine);
      await job.cache.save();
    }
    const how = outcome.error ?? (outcome.signal ? `was killed by ${outcome.signal}` : `ended with exit code ${outcome.code}`);
    message = maskSecrets(
      `the container for this step ${how}${outcome.stderrTail ? `: ${outcome.stderrTail}` : ''}`,
      ctx.secretValues,
    );
    const step = record?.step ?? { ...newStepLog(node.name, names.internal, stepTypeOf(node)), code_identities: identities };
    const now = isoNow();
    const attempts = step.attempts.length
      ? step.attempts
      : [{ attempt_number: 1, start_time: now, end_time: now, duration: 0, status: 'FAIL' as Status, message, parameters: await ctx.store.getParameters(ctx.runId) }];
    const { branches: _none, ...body } = { ...step, status, message, attempts, branches: {} };
    await ctx.store.putStep(ctx.runId, { parent: names.parent, order: record?.order ?? started, step: body });
  }
  ctx.events({
    kind: 'step-end',
    step: names.internal,
    stepType: stepTypeOf(node),
    status,
    mock: false,
    seconds: secondsBetween(started, preciseNow()),
    message,
  });
  return status;
}

interface EngineOutcome {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stderrTail: string;
  readonly error?: string;
}

/**
 * Runs the engine client: the step's output (what `dagc exec` prints as "<step> | <line>") becomes output
 * events of the step here; dagc's own lines from inside are kept only to explain a container that failed.
 * An interrupted run (Ctrl-C) stops the client with TERM, which the engine passes on to `dagc exec`.
 */
async function spawnEngine(
  bin: string,
  args: readonly string[],
  env: Record<string, string | undefined>,
  ctx: RunContext,
  step: string,
): Promise<EngineOutcome> {
  const prefix = `${step} | `;
  const emit = (line: string) =>
    ctx.events({ kind: 'output', step, line: line.startsWith(prefix) ? line.slice(prefix.length) : line, stream: 'stdout' });
  let pending = '';
  let stderr = '';
  const ran = await spawnPiped(bin, args, {
    env,
    out: (text) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) emit(line.endsWith('\r') ? line.slice(0, -1) : line);
    },
    err: (text) => {
      stderr = (stderr + text).slice(-8192);
    },
    signal: ctx.signal,
    // The client stays in dagc's process group and gets the TERM itself: it passes it on to `dagc exec`.
    group: false,
  });
  if (pending !== '') emit(pending);
  const error =
    ran.error === undefined ? undefined : ran.errorCode === 'ENOENT' ? `could not start: ${bin} was not found` : `could not start: ${ran.error}`;
  // dagc's own progress lines from inside say nothing the host does not; keep the rest (errors).
  const kept = stderr
    .split('\n')
    .filter((l) => !/^(▶|✓|✗) /.test(l))
    .join('\n');
  return { code: ran.code, signal: ran.signal, stderrTail: lastLines(kept, 4), error };
}
