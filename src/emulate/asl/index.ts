// `dagc emulate --target asl`: runs the rendered state machine under aws-local-stepfunctions (the JS ASL
// interpreter; shared/notes/toolchain.md §2). Every Batch/ECS Task's container command runs here, through the
// real entrypoint (node bin/dagc.js) in the user's working directory; the map-count reads are served from
// the configured run log store. Without -c the local defaults apply (stores in the working directory), so
// the run shows in `dagc runs show ID`.
//
// What the library needs, and how it is handled here:
//  - Node 20: it calls Promise.withResolvers (Node 22) on every Task; a polyfill is installed first.
//  - $$.State.RetryCount is never set (it evaluates `$$` against the run's `context` only, which cannot differ
//    per state). The context says RetryCount 0 so the path resolves, and the container handler supplies the
//    real count itself: a retry re-enters the same state with the same map index, so the n-th call for
//    (state, DAGC_MAP_INDEX) is retry n-1, as Step Functions would number it.
//  - Task states default to a 60 s timeout: the definition always sets TimeoutSeconds.
//  - Retry intervals are overridden to 0 (the back-off is the engine's business, not the test's).
//  - No Distributed Map (ItemReader is silently ignored): the definition is rendered with inline maps only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { Inputs } from '../../config/inputs.js';
import type { Io } from '../../core/io.js';
import { UserError } from '../../core/errors.js';
import type { MapNode, Node } from '../../ir/types.js';
import { findNode, resolveInternalName } from '../../ir/walk.js';
import { DiagnosticError, hasErrors } from '../../core/diagnostics.js';
import { createRunLogStore } from '../../services/run-log/index.js';
import { runLogS3Settings } from '../../services/run-log/s3.js';
import { openObjectStore } from '../../services/s3-client.js';
import type { RunLogStore } from '../../services/run-log/types.js';
import { packageRoot } from '../../core/package-root.js';
import { VERSION } from '../../version.js';
import type { State, StateMachine } from '../../emit/asl/asl-types.js';
import { ROLE } from '../../emit/asl/build-states.js';
import { CONTAINER_PROGRAM } from '../../emit/asl/container-script.js';
import { renderAsl } from '../../emit/asl/emit-asl.js';

export interface EmulateAslOptions {
  readonly file: string;
  readonly inputs: Inputs;
  readonly io: Io;
  readonly runId: string;
  /** The -c / -p / -v files as given (relative to io.cwd), passed on to every entrypoint call. */
  readonly files: { readonly config?: string; readonly parameters?: string; readonly varFiles: readonly string[] };
}

type Handler = (input: unknown) => Promise<unknown>;

/** Promise.withResolvers (ES2024, Node 22) for aws-local-stepfunctions on Node 20. */
function polyfillWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === 'function') return;
  P.withResolvers = <T>() => {
    let resolve!: (value: T) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((a, b) => {
      resolve = a;
      reject = b;
    });
    return { promise, resolve, reject };
  };
}

/** Every state of a definition with its name, branches and iterations included. */
function* allStates(states: Record<string, State>): Generator<[string, State]> {
  for (const [name, state] of Object.entries(states)) {
    yield [name, state];
    if (state.Type === 'Parallel') for (const b of state.Branches) yield* allStates(b.States);
    if (state.Type === 'Map') yield* allStates(state.ItemProcessor.States);
  }
}

interface ContainerInput {
  Command: string[];
  Environment?: { Name: string; Value: string }[];
}

/** The container overrides of a Batch SubmitJob or an ECS RunTask request. */
function containerOf(input: unknown): ContainerInput {
  const i = input as { ContainerOverrides?: ContainerInput; Overrides?: { ContainerOverrides?: ContainerInput[] } };
  const c = i.ContainerOverrides ?? i.Overrides?.ContainerOverrides?.[0];
  if (!c || !Array.isArray(c.Command)) throw new Error('a container Task without a Command (dagc bug)');
  return c;
}

/** A task failure as Step Functions reports a failed Batch job: States.TaskFailed, the job as the cause. */
function taskFailed(exitCode: number | null): Error {
  const error = new Error(JSON.stringify({ Status: 'FAILED', StatusReason: 'Essential container in task exited', Container: { ExitCode: exitCode } }));
  error.name = 'States.TaskFailed';
  return error;
}

export async function emulateAsl(opts: EmulateAslOptions): Promise<number> {
  const { inputs, io, runId } = opts;
  // Every entrypoint call checks the config's integrations (e.g. asl with a file-system store): say it once, first.
  const { checkIntegrations } = await import('../../runtime/open-run.js');
  const { errors } = checkIntegrations(inputs.config);
  if (errors.length) throw new UserError(errors.map((e) => e.message).join('; '), errors[0]?.hint);
  const bin = path.join(packageRoot(), 'bin', 'dagc.js');
  const posix = (p: string) => p.split(path.sep).join('/');
  const rel = (p: string) => posix(path.relative(io.cwd, path.resolve(io.cwd, p)));
  const rendered = renderAsl(
    inputs.pipeline,
    inputs.config,
    {
      files: {
        pipeline: rel(opts.file),
        config: opts.files.config ? rel(opts.files.config) : undefined,
        parameters: opts.files.parameters ? rel(opts.files.parameters) : undefined,
        varFiles: opts.files.varFiles.map(rel),
      },
      outputName: 'pipeline.asl.json',
      source: rel(opts.file),
      dagcVersion: VERSION,
    },
    { emulate: true, distributedMaps: false },
  );
  if (hasErrors(rendered.diagnostics) || !rendered.definition) throw new DiagnosticError(rendered.diagnostics);
  if (rendered.diagnostics.length) await io.diagnostics(rendered.diagnostics);
  // Exactly what `dagc compile` would write, read back: the emulator runs the rendered document.
  const definition = JSON.parse(JSON.stringify(rendered.definition)) as StateMachine;

  const store = createRunLogStore(inputs.config.run_log_store, { cwd: io.cwd, env: io.env });
  const byState = new Map<string, string>();
  for (const [virtualPath, name] of rendered.names) byState.set(name, virtualPath);
  const attempts = new Map<string, number>();

  const container: (stateName: string) => Handler = (stateName) => async (input) => {
    const { Command, Environment = [] } = containerOf(input);
    const env: Record<string, string | undefined> = { ...io.env };
    for (const e of Environment) env[e.Name] = e.Value;
    if (env.DAGC_ASL_RETRY !== undefined) {
      const key = `${stateName}\u0000${env.DAGC_MAP_INDEX ?? ''}`;
      const retry = attempts.get(key) ?? 0;
      attempts.set(key, retry + 1);
      env.DAGC_ASL_RETRY = String(retry);
    }
    const code = await new Promise<number | null>((resolve, reject) => {
      // The image's `dagc` is this dagc: the same node and bin/dagc.js as the emulator.
      const [program, ...args] = Command;
      const [file, argv] = program === CONTAINER_PROGRAM ? [process.execPath, [bin, ...args]] : [program!, args];
      const child = spawn(file, argv, { cwd: io.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout.on('data', (d: Buffer) => io.out(d.toString()));
      child.stderr.on('data', (d: Buffer) => io.err(d.toString()));
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (code !== 0) throw taskFailed(code);
    return { Status: 'SUCCEEDED', Container: { ExitCode: 0 } };
  };

  const countReader = (stateName: string): Handler => {
    const virtualPath = byState.get(stateName) ?? '';
    const mapPath = virtualPath.slice(0, -(ROLE.count.length + 1));
    const loc = findNode(inputs.pipeline.root, mapPath);
    if (!loc || loc.node.type !== 'map') throw new Error(`state "${stateName}" reads the count of "${mapPath}", which is not a map (dagc bug)`);
    const maps = loc.ancestors.filter((a): a is MapNode => a.type === 'map');
    return (input) => readCount(input as { Bucket: string; Key: string }, loc.node, maps, store, inputs);
  };

  const handlers: Record<string, Handler> = {};
  const retryIntervals: Record<string, number> = {};
  for (const [name, state] of allStates(definition.States)) {
    if (state.Type !== 'Task') continue;
    handlers[name] = state.Resource.includes(':s3:getObject') ? countReader(name) : container(name);
    retryIntervals[name] = 0;
  }

  polyfillWithResolvers();
  const { StateMachine } = await import('aws-local-stepfunctions');
  const machine = new StateMachine(structuredClone(definition) as never, { validationOptions: { checkPaths: true, checkArn: true } });
  const execution = machine.run(
    {},
    {
      overrides: { taskResourceLocalHandlers: handlers as never, retryIntervalOverrides: retryIntervals },
      context: {
        Execution: { Name: runId, Id: `arn:aws:states:us-east-1:000000000000:execution:dagc-emulate:${runId}` },
        State: { RetryCount: 0 },
      },
    },
  );
  let engineError: unknown;
  try {
    await execution.result;
  } catch (error) {
    engineError = error;
  }
  // The exit code is the run's, as `dagc run`: what the run log says, whatever the engine's verdict.
  let status: string | undefined;
  try {
    status = (await store.getRun(runId)).status;
  } catch {
    status = undefined;
  }
  const code = status === 'SUCCESS' ? 0 : status === 'FAIL' ? 1 : 2;
  if (code === 2) {
    const cause = (engineError as { cause?: { name?: string; message?: string } } | undefined)?.cause;
    io.err(`dagc emulate: the state machine stopped before the run ended${cause ? `: ${cause.name}: ${cause.message}` : ''}\n`);
  }
  io.err(`\nrun ${runId} ${code === 0 ? 'SUCCESS' : code === 1 ? 'FAIL' : 'stopped'} (asl, aws-local-stepfunctions)\nthe run log: dagc runs show ${runId}\n`);
  return code;
}

/**
 * The getObject of a map's `{"count": n}`: a real S3 read when the run log store is s3, else answered from
 * the configured store's map items, found as the entrypoint finds them (indices of the enclosing maps from
 * the key, items read back by index: src/cli/entrypoint.ts).
 */
async function readCount(request: { Bucket: string; Key: string }, map: Node, enclosing: readonly MapNode[], store: RunLogStore, inputs: Inputs): Promise<unknown> {
  const section = inputs.config.run_log_store;
  const noSuchKey = () => Object.assign(new Error(`The specified key does not exist: ${request.Key}`), { name: 'S3.NoSuchKeyException' });
  if (section.type === 's3') {
    const settings = runLogS3Settings(section.config ?? {});
    if (request.Bucket !== settings.bucket || !request.Key.startsWith(settings.prefix))
      throw new UserError(`the state machine reads s3://${request.Bucket}/${request.Key}, outside the run log store s3://${settings.bucket}/${settings.prefix}`);
    const got = await openObjectStore(settings).getText(request.Key.slice(settings.prefix.length));
    if (!got) throw noSuchKey();
    return { Body: got.text, ContentType: 'application/json' };
  }
  const match = /^(.+)\/map-count\/[0-9a-f]{16}\/([0-9,]+|_)\.json$/.exec(request.Key);
  if (!match) throw noSuchKey();
  const runId = match[1]!;
  const indices = match[2] === '_' ? [] : match[2]!.split(',').map(Number);
  const values: unknown[] = [];
  for (const [k, outer] of enclosing.entries()) {
    const items = await store.getMapItems(runId, resolveInternalName(outer.internalName, values));
    if (!items || indices[k]! >= items.length) throw noSuchKey();
    values.push(items[indices[k]!]);
  }
  const items = await store.getMapItems(runId, resolveInternalName(map.internalName, values));
  if (!items) throw noSuchKey();
  return { Body: JSON.stringify({ count: items.length }), ContentType: 'application/json' };
}
