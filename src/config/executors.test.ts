import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXECUTOR_ALIASES, EXECUTOR_TYPES, PROCESS_PER_STEP, TRAVERSES_HERE, executorTypesOf, targetOf } from './executors.js';

/** Every `enum` in a JSON Schema document that lists executor types (it names local-container). */
function executorEnums(node: unknown, out: string[][] = []): string[][] {
  if (Array.isArray(node)) for (const v of node) executorEnums(v, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'enum' && Array.isArray(v) && v.includes('local-container')) out.push(v as string[]);
      else executorEnums(v, out);
    }
  }
  return out;
}

describe('executor types', () => {
  it('derive the lists the rest of dagc uses', () => {
    expect(TRAVERSES_HERE).toEqual(['local', 'mocked', 'local-container']);
    expect(PROCESS_PER_STEP).toEqual(['local-container', 'bash', 'demo-renderer', 'argo', 'asl', 'step-functions']);
    expect(executorTypesOf('asl')).toEqual(['asl', 'step-functions']);
    expect(executorTypesOf('bash')).toEqual(['bash', 'demo-renderer']);
    expect(targetOf('demo-renderer')).toBe('bash');
    expect(targetOf('local')).toBeUndefined();
    expect(targetOf('toString')).toBeUndefined();
  });

  it('are the types the published config schema accepts (a type the schema lacks is refused before anything runs)', () => {
    const schema: unknown = JSON.parse(readFileSync(new URL('../../schemas/config.schema.json', import.meta.url), 'utf8'));
    const enums = executorEnums(schema);
    expect(enums.length).toBeGreaterThan(0);
    for (const e of enums) expect([...e].sort()).toEqual([...EXECUTOR_TYPES].sort());
  });
});

describe('EXECUTOR_ALIASES', () => {
  it("maps magnus's names to the executor they stand for", () => {
    expect(EXECUTOR_ALIASES).toEqual({ 'demo-renderer': 'bash', 'step-functions': 'asl' });
  });
});
