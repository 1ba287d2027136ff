// The target registry against what it registers: every target loads both halves, its configSchema is the
// schema that config.schema.json applies to its executor types, and the facts known before loading (which
// targets have a check) agree with the compilers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../core/package-root.js';
import { CHECKED_TARGETS, EXECUTOR_TARGETS, TARGET_NAMES, loadTarget } from './targets.js';

interface Schema {
  definitions: Record<string, unknown> & {
    executor: { allOf: { if: { properties: { type: { const?: string; enum?: string[] } } }; then: { properties: { config: { $ref: string } } } }[] };
  };
}
const schema = JSON.parse(readFileSync(path.join(packageRoot(), 'schemas', 'config.schema.json'), 'utf8')) as Schema;

/** The `$ref` config.schema.json applies to `executor.config` when `executor.type` is `type`. */
function schemaForExecutor(type: string): string | undefined {
  for (const rule of schema.definitions.executor.allOf) {
    const t = rule.if.properties.type;
    if (t.const === type || t.enum?.includes(type)) return rule.then.properties.config.$ref;
  }
  return undefined;
}

describe('the target registry', () => {
  it.each(TARGET_NAMES)('%s: both halves load, and its configSchema is what the config schema applies', async (name) => {
    const target = await loadTarget(name);
    expect(target.name).toBe(name);
    expect(typeof target.compile).toBe('function');
    expect(typeof target.emulate).toBe('function');
    const [file, pointer] = target.configSchema.split('#');
    expect(file).toBe('config.schema.json');
    expect(schema.definitions[pointer!.replace('/definitions/', '')], target.configSchema).toBeDefined();
    for (const type of target.executorTypes) {
      expect(schemaForExecutor(type), type).toBe(`#${pointer}`);
      expect(EXECUTOR_TARGETS[type]).toBe(name);
    }
  });

  it('knows which targets have a check before loading them', async () => {
    const withCheck: string[] = [];
    for (const name of TARGET_NAMES) if ((await loadTarget(name)).check) withCheck.push(name);
    expect([...CHECKED_TARGETS]).toEqual(withCheck.sort());
  });

  it('refuses an unknown target with the closest name', async () => {
    await expect(loadTarget('agro')).rejects.toThrow('unknown target "agro"; did you mean "argo"?');
  });
});
