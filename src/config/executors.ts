// Every executor type a config may name, and what it is: the one list (issue 11 found five) that the target
// registry (src/library/targets.ts), the integrations, `dagc run`/`execute`, the asl emitter and the config
// schema's enum (held by executors.test.ts) follow. Adding an executor starts here.

export interface ExecutorKind {
  /** 'here': dagc traverses the graph itself (`dagc run`); 'engine': it renders the graph for an engine. */
  readonly traverses: 'here' | 'engine';
  /** The --target an engine executor compiles to (aliases share their target's). */
  readonly target?: string;
  /** Each step runs as its own process (`dagc exec`), so services must be shared through disk or network. */
  readonly processPerStep: boolean;
  /** The magnus name this one stands for, when it is an alias kept for magnus configs. */
  readonly aliasOf?: string;
}

export const EXECUTORS = {
  local: { traverses: 'here', processPerStep: false },
  // Traverses as local does and records every task without running it (runtime/mocking.ts).
  mocked: { traverses: 'here', processPerStep: false },
  'local-container': { traverses: 'here', processPerStep: true },
  bash: { traverses: 'engine', target: 'bash', processPerStep: true },
  // magnus 2022's name for its bash renderer.
  'demo-renderer': { traverses: 'engine', target: 'bash', processPerStep: true, aliasOf: 'bash' },
  argo: { traverses: 'engine', target: 'argo', processPerStep: true },
  asl: { traverses: 'engine', target: 'asl', processPerStep: true },
  'step-functions': { traverses: 'engine', target: 'asl', processPerStep: true, aliasOf: 'asl' },
} as const satisfies Readonly<Record<string, ExecutorKind>>;

export type ExecutorType = keyof typeof EXECUTORS;

/** Every executor type, in the order above. */
export const EXECUTOR_TYPES: readonly ExecutorType[] = Object.keys(EXECUTORS) as ExecutorType[];

const kindOf = (type: string): ExecutorKind | undefined =>
  Object.hasOwn(EXECUTORS, type) ? (EXECUTORS as Readonly<Record<string, ExecutorKind>>)[type] : undefined;

/** magnus's names → the executor type they stand for (configs are normalised to the latter when read). */
export const EXECUTOR_ALIASES: Readonly<Record<string, ExecutorType>> = Object.fromEntries(
  EXECUTOR_TYPES.flatMap((t) => {
    const of = (EXECUTORS[t] as ExecutorKind).aliasOf;
    return of ? [[t, of]] : [];
  }),
) as Record<string, ExecutorType>;

/** Executor types with which dagc itself traverses the graph (`dagc run`). */
export const TRAVERSES_HERE: readonly ExecutorType[] = EXECUTOR_TYPES.filter((t) => EXECUTORS[t].traverses === 'here');

/** Executor types whose every step is a process of its own. */
export const PROCESS_PER_STEP: readonly ExecutorType[] = EXECUTOR_TYPES.filter((t) => EXECUTORS[t].processPerStep);

/** The executor types that render for `target`, its own name first (e.g. asl: ['asl', 'step-functions']). */
export function executorTypesOf(target: string): readonly ExecutorType[] {
  return EXECUTOR_TYPES.filter((t) => kindOf(t)?.target === target).sort((a, b) => Number(a !== target) - Number(b !== target));
}

/** The target an executor type compiles to; undefined for the executors that traverse here, or unknown types. */
export function targetOf(type: string): string | undefined {
  return kindOf(type)?.target;
}
