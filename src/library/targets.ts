// The target registry: the one place a target is registered (ARCHITECTURE.md "Adding a target"). Names and
// executor types are known before anything loads; a target's compiler (src/emit/<name>/) and emulator
// (src/emulate/<name>/) are imported only when asked for, so `dagc compile --target bash` never loads the
// ASL interpreter.
import type { Compiler } from '../emit/types.js';
import type { Emulator } from '../emulate/types.js';
import { UserError } from '../core/errors.js';
import { executorTypesOf } from '../config/executors.js';
import { pluginTargets } from '../config/plugin-registry.js';

/** A target: its compiler and its emulator (the contract is those two interfaces). */
export type Target = Compiler & Emulator & { readonly executorTypes: readonly string[] };

interface Registration {
  /** Config `executor.type`s this target renders for `dagc execute` (magnus's names included). */
  readonly executorTypes: readonly string[];
  /** Whether the compiler has a `check` (an engine-limits budget), known before it loads. */
  readonly checks: boolean;
  compiler(): Promise<{ compiler: Compiler }>;
  emulator(): Promise<{ emulator: Emulator }>;
}

const REGISTRY: Readonly<Record<string, Registration>> = {
  bash: {
    executorTypes: executorTypesOf('bash'),
    checks: false,
    compiler: () => import('../emit/bash/index.js'),
    emulator: () => import('../emulate/bash/index.js'),
  },
  asl: {
    executorTypes: executorTypesOf('asl'),
    checks: true,
    compiler: () => import('../emit/asl/index.js'),
    emulator: () => import('../emulate/asl/index.js'),
  },
  argo: {
    executorTypes: executorTypesOf('argo'),
    checks: true,
    compiler: () => import('../emit/argo/index.js'),
    emulator: () => import('../emulate/argo/index.js'),
  },
};

/** Every --target value, in the order help texts list them. */
export const TARGET_NAMES: readonly string[] = Object.keys(REGISTRY);

/** The targets `dagc check` measures, in alphabetical order. */
export const CHECKED_TARGETS: readonly string[] = TARGET_NAMES.filter((name) => REGISTRY[name]!.checks).sort();

/** Executor type in a config → target name. */
export const EXECUTOR_TARGETS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(REGISTRY).flatMap(([name, r]) => r.executorTypes.map((type) => [type, name])),
);

/** The target an executor type renders with: a built-in's, or one a loaded plugin provides. */
export function targetOfExecutor(type: string): string | undefined {
  return Object.hasOwn(EXECUTOR_TARGETS, type) ? EXECUTOR_TARGETS[type] : pluginTargets().find((t) => t.executorTypes.includes(type))?.name;
}

/**
 * A plugin's target (src/config/plugins.ts): its compiler as the plugin exports it. Plugins bring no
 * emulator; `dagc emulate` says so.
 */
function pluginTarget(name: string): Target | undefined {
  const t = pluginTargets().find((x) => x.name === name);
  if (!t) return undefined;
  return {
    name: t.name,
    configSchema: `plugin:${t.name}`,
    defaultOutput: (base) => t.defaultOutput(base),
    compile: (ir, config, options) => t.compile(ir, config, options) as ReturnType<Target['compile']>,
    executorTypes: t.executorTypes,
    emulate: async () => {
      throw new UserError(`the target "${t.name}" (a plugin) has no emulator`, `compile it (dagc compile --target ${t.name}) and run the output with its engine`);
    },
  };
}

export async function loadTarget(name: string): Promise<Target> {
  const registration = Object.hasOwn(REGISTRY, name) ? REGISTRY[name] : undefined;
  if (!registration) {
    const plugin = pluginTarget(name);
    if (plugin) return plugin;
    const names = [...TARGET_NAMES, ...pluginTargets().map((t) => t.name)];
    const { didYouMean } = await import('../core/suggest.js');
    const guess = didYouMean(name, names);
    throw new UserError(`unknown target "${name}"${guess ? `; did you mean "${guess}"?` : ''} (targets: ${names.join(', ')})`);
  }
  const { compiler } = await registration.compiler();
  return {
    ...compiler,
    executorTypes: registration.executorTypes,
    emulate: async (files, options) => (await registration.emulator()).emulator.emulate(files, options),
  };
}
