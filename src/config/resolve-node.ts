// The effective executor config of one node (magnus-spec.md §2.3): the executor's global config, adjusted by
// the node's per-executor settings. Two historical mechanisms are honoured:
//  - `mode_config` / `executor_config` ({<executor type>: {k: v}}), with 2022 `placeholders`: a truthy v is
//    set; an empty v whose key names a placeholder merges that placeholder's mapping; otherwise v is set.
//  - magnus 0.5 `overrides` ({<executor type>: <key>}): the global config updated by `config.overrides[key]`.
import type { ServiceSection } from './types.js';
import type { Node } from '../ir/types.js';

export class UnknownOverrideError extends Error {
  constructor(
    readonly key: string,
    readonly known: string[],
  ) {
    super(`No override "${key}" in the executor config's overrides section`);
    this.name = 'UnknownOverrideError';
  }
}

const isEmpty = (v: unknown) =>
  v === null || v === undefined || v === '' || v === false || (typeof v === 'object' && Object.keys(v).length === 0);

export function resolveNodeConfig(node: Node, executor: ServiceSection): Record<string, unknown> {
  const global = structuredClone(executor.config) as Record<string, unknown>;
  const placeholders = (global.placeholders ?? {}) as Record<string, Record<string, unknown>>;
  const overrides = (global.overrides ?? {}) as Record<string, Record<string, unknown>>;
  delete global.placeholders;
  delete global.overrides;
  const mine = node.overrides[executor.type];
  if (mine === undefined) return global;
  if (typeof mine === 'string') {
    const chosen = overrides[mine];
    if (!chosen) throw new UnknownOverrideError(mine, Object.keys(overrides));
    return { ...global, ...structuredClone(chosen) };
  }
  for (const [k, v] of Object.entries(mine)) {
    if (!isEmpty(v)) global[k] = v;
    else if (placeholders[k]) Object.assign(global, structuredClone(placeholders[k]));
    else global[k] = v;
  }
  return global;
}
