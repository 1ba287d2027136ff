// The local executor: the reference semantics of dagc (DESIGN.md §3 invariant 1). It traverses every graph
// in-process (magnus-spec.md §1.6) and executes leaf nodes through the same runtime functions that
// `dagc exec` / `dagc fan` use, so every target records the same run log.
import type { CompositeNode, Graph, Node } from '../ir/types.js';
import { childGraphs, getNode, isComposite } from '../ir/types.js';
import { routeAfter } from '../ir/routes.js';
import type { NodeLocation } from '../ir/walk.js';
import type { Status } from '../services/run-log/types.js';
import type { RunContext } from '../runtime/context.js';
import { createLimiter } from '../core/limit.js';
import { executeLeaf, stepNames } from '../runtime/exec-node.js';
import type { NodeInvocation } from '../runtime/exec-node.js';
import { fanIn, fanOut } from '../runtime/fan.js';
import { isoNow } from '../runtime/clock.js';
import { closeUnfinished } from '../runtime/close-run.js';
import { maskSecrets } from '../services/secrets/types.js';

interface Scope {
  readonly ancestors: readonly CompositeNode[];
  readonly mapValues: readonly unknown[];
  readonly mapVariable: Readonly<Record<string, unknown>>;
}

const ROOT_SCOPE: Scope = { ancestors: [], mapValues: [], mapVariable: {} };

/**
 * Executes one leaf node and resolves to its status. The local executor runs it in this process; the
 * local-container executor runs task nodes in a container and the rest here (executors/local-container.ts).
 */
export type LeafRunner = (ctx: RunContext, inv: NodeInvocation) => Promise<Status>;

/** Runs the whole pipeline; resolves to the run's final status. */
export async function runPipeline(ctx: RunContext, leaf: LeafRunner = executeLeaf): Promise<Status> {
  // An internal error (a store or catalog that fails under a step) stops the whole run at once: nothing more is
  // scheduled, running steps are killed through the same signal as Ctrl-C, and the run log closes FAIL with the
  // error before it is rethrown (issue 19: queued map items went on running after the error was printed).
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  ctx.signal?.addEventListener('abort', onAbort, { once: true });
  if (ctx.signal?.aborted) stop.abort();
  const run: RunContext = { ...ctx, signal: stop.signal };
  stoppers.set(run, stop);
  try {
    await traverse(run, ctx.pipeline.root, ROOT_SCOPE, leaf);
  } catch (error) {
    stop.abort();
    await closeUnfinished(
      ctx,
      `internal error: ${maskSecrets((error as Error).message, ctx.secretValues)}`,
    ).catch(() => undefined);
    throw error;
  } finally {
    ctx.signal?.removeEventListener('abort', onAbort);
  }
  // An interrupted run ends FAIL so the run log never claims a run is still going when nothing runs it.
  if (ctx.signal?.aborted) await ctx.store.updateRun(ctx.runId, { status: 'FAIL', ended_at: isoNow() });
  return (await ctx.store.getRun(ctx.runId)).status;
}

/**
 * Whether a re-run resumes inside this composite, reusing the steps that finished in it (issue 19: up to 48 of
 * 64 finished leaves of a killed parallel ran again). Decided by where the traversal stands, not by comparing
 * values: the composite did not succeed in the previous run but was started there (it has a step log), and the
 * re-run reaches it still skipping — every step before it on its path was taken from the previous run, the re-run
 * starts from that run's parameters and a copy of its catalog, so the composite's inputs are the previous run's.
 * Then each of its branches skips on its own, as the run does at the top (magnus-spec.md §3.11): it takes its
 * steps from the previous run up to its first step that did not succeed there (a map branch is matched by its
 * item, which names it) and executes from there on. A branch's failure does not stop its siblings' skipping.
 * Where an engine calls one node per process (the bash script, Argo, Step Functions) the spec's rule stays:
 * skipping ends at the first node that executes (runtime/open-run.ts hasExecutedForReal).
 */
function resumesInside(ctx: RunContext, internal: string): boolean {
  const prev = ctx.previous;
  if (!prev?.skipping) return false;
  const before = prev.steps.get(internal);
  return before !== undefined && before.status !== 'SUCCESS';
}

/** A context whose re-run skips on its own (one per branch), sharing the run's stop switch. */
function ownSkipping(ctx: RunContext): RunContext {
  const prev = ctx.previous!;
  const own: RunContext = { ...ctx, previous: { log: prev.log, steps: prev.steps, skipping: true } };
  const stop = stoppers.get(ctx);
  if (stop) stoppers.set(own, stop);
  return own;
}

/** The run's stop switch, found from the context a traversal carries. */
const stoppers = new WeakMap<RunContext, AbortController>();

/**
 * Settles every branch before it fails: the first error stops the run at once (its siblings see the signal and
 * their steps are killed), and is rethrown once nothing of the composite still runs.
 */
async function allSettled(ctx: RunContext, work: readonly Promise<void>[]): Promise<void> {
  const stop = stoppers.get(ctx);
  const results = await Promise.allSettled(
    work.map((w) =>
      w.catch((error: unknown) => {
        stop?.abort();
        throw error;
      }),
    ),
  );
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Walks one graph from start_at: on SUCCESS go to `next`, on FAIL to `on_failure` or the graph's fail node;
 * stop after a success or fail node (spec §1.5, §1.6). The front end has proved the graph acyclic.
 * `leaf` has no default: every composite must hand down the runner it was given (the map branch once did not,
 * and local-container's tasks inside maps ran on the host).
 */
export async function traverse(ctx: RunContext, graph: Graph, scope: Scope, leaf: LeafRunner): Promise<void> {
  let current: string | undefined = graph.startAt;
  while (current !== undefined && !ctx.signal?.aborted) {
    const node: Node | undefined = getNode(graph, current);
    if (!node) throw new Error(`graph "${graph.internalName || '(root)'}" has no step "${current}"`);
    const status = await executeNode(ctx, { node, graph, ancestors: scope.ancestors }, scope, leaf);
    // undefined after a success or fail node: the graph is done.
    current = routeAfter(graph, node, status === 'SUCCESS' ? 'success' : 'failure');
  }
}

async function executeNode(ctx: RunContext, loc: NodeLocation, scope: Scope, leaf: LeafRunner): Promise<Status> {
  try {
    return await executeNodeUnguarded(ctx, loc, scope, leaf);
  } catch (error) {
    // Stopped before the error travels up through the limiters, which would start the next queued branch first.
    stoppers.get(ctx)?.abort();
    throw error;
  }
}

async function executeNodeUnguarded(ctx: RunContext, loc: NodeLocation, scope: Scope, leaf: LeafRunner): Promise<Status> {
  const inv = { loc, mapValues: scope.mapValues, mapVariable: scope.mapVariable };
  if (!isComposite(loc.node)) return leaf(ctx, inv);
  const node = loc.node;
  const resumes = resumesInside(ctx, stepNames(inv).internal);
  const opened = await fanOut(ctx, inv);
  if (opened.status !== 'PROCESSING') return opened.status;
  // Each branch of a composite the re-run resumes inside skips on its own (see resumesInside).
  const branchCtx = (): RunContext => (resumes ? ownSkipping(ctx) : ctx);
  const inner: CompositeNode[] = [...scope.ancestors, node];
  const graphs = childGraphs(node);
  // Each composite also bounds how many of its own branches are open at once (a 10,000-item map must not
  // open 10,000 traversals); the leaf limiter in ctx bounds the processes actually running.
  const branchLimit = createLimiter(ctx.maxParallel);
  if (node.type === 'map') {
    const branch = graphs[0]!;
    await allSettled(
      ctx,
      opened.items.map((item) =>
        branchLimit(() =>
          traverse(
            branchCtx(),
            branch,
            {
              ancestors: inner,
              mapValues: [...scope.mapValues, item],
              mapVariable: { ...scope.mapVariable, [node.iterateAs]: item },
            },
            leaf,
          ),
        ),
      ),
    );
  } else {
    await allSettled(
      ctx,
      graphs.map((g) => branchLimit(() => traverse(branchCtx(), g, { ...scope, ancestors: inner }, leaf))),
    );
  }
  return fanIn(ctx, inv, opened.branches);
}
