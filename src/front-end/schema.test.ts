import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseYaml } from './load.js';
import { checkSchema, describePointer, suggestKey } from './schema.js';
import { NODE_DEFINITIONS, compileValidators, splitDefinitions } from './schema-compile.js';
import { DEFINITION_LOADERS } from './precompiled-definitions.js';
import { ROOT } from '../../test/helpers/paths.js';

type Json = Record<string, unknown>;
const schemas = ['pipeline', 'config'].map(
  (name) =>
    [
      name,
      JSON.parse(readFileSync(path.join(ROOT, 'schemas', `${name}.schema.json`), 'utf8')) as Json,
    ] as const,
);

/** Every `properties` entry of a schema, with its path. */
function* properties(node: unknown, at: string): Generator<[string, Json]> {
  if (!node || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Json)) {
    // An `if` only tests a value; the options themselves are documented where they are declared.
    if (key === 'if') continue;
    if (key === 'properties' && value && typeof value === 'object')
      for (const [name, schema] of Object.entries(value as Json))
        yield [`${at}/properties/${name}`, schema as Json];
    yield* properties(value, `${at}/${key}`);
  }
}

describe('the schemas', () => {
  it('compile with ajv in strict mode', () => {
    const v = compileValidators();
    expect(typeof v.pipeline).toBe('function');
    expect(typeof v.config).toBe('function');
  });

  it.each(schemas)(
    '%s.schema.json documents every option (the schema is the documentation)',
    (_name, schema) => {
      const undocumented = [...properties(schema, '#')].filter(
        ([, s]) =>
          typeof s.description !== 'string' &&
          !(typeof s.$ref === 'string' && s.$ref.startsWith('#/definitions/')),
      );
      expect(undocumented.map(([p]) => p)).toEqual([]);
      // A $ref without its own description takes the definition's: that one must have it.
      const definitions = schema.definitions as Record<string, Json>;
      const referenced = [...properties(schema, '#')]
        .filter(([, s]) => typeof s.description !== 'string')
        .map(([, s]) => (s.$ref as string).split('/').pop() as string);
      expect(referenced.filter((name) => typeof definitions[name]?.description !== 'string')).toEqual([]);
    },
  );
});

describe('the providers\' config definitions, validated and precompiled apart', () => {
  it('are listed in precompiled-definitions.ts exactly as the config schema names them', () => {
    expect(Object.keys(DEFINITION_LOADERS).sort()).toEqual(splitDefinitions());
    for (const name of NODE_DEFINITIONS) expect(splitDefinitions()).toContain(name);
  });
});

describe('checkSchema', () => {
  const check = async (text: string, kind: 'pipeline' | 'config' = 'pipeline') => {
    const { doc } = parseYaml(text, 'p.yaml', { what: `${kind} file` });
    return (await checkSchema(doc!, kind)).map((d) => [d.code, d.pointer, d.message]);
  };

  it('accepts every step type with its fields', async () => {
    const text = `dag:
  start_at: t
  description: null
  max_time: 10
  steps:
    t: {type: task, command: a.b, command_type: python, command_config: null, retry: 2, on_failure: s, next: s, catalog: {get: [a], put: [b], compute_data_folder: d}}
    st: {type: stub, next: s, command: ignored, command_config: {render_string: x}}
    ai: {type: as-is, next: s}
    p: {type: parallel, next: s, branches: {b: {start_at: s, steps: {s: {type: success}}}}}
    m: {type: map, next: s, iterate_on: xs, iterate_as: x, branch: {start_at: s, steps: {s: {type: success}}}}
    d: {type: dag, next: s, dag_definition: f.yaml, overrides: {argo: big}, mode_config: {local: null}, executor_config: {argo: {}}}
    s: {type: success}
    f: {type: fail}
`;
    expect(await check(text)).toEqual([]);
  });

  it('merges a misspelt key with the required key it stands for', async () => {
    expect(await check('dag:\n  start_at: a\n  steps:\n    a: {type: task, command: x, nxt: b}\n')).toEqual([
      ['DAGC-SCHEMA-UNKNOWN-KEY', '/dag/steps/a/nxt', 'unknown key "nxt" in step "a"'],
    ]);
  });

  it('a stub takes any field (magnus 0.5: a stubbed-out step keeps its settings); its next is still required', async () => {
    expect(await check('dag:\n  start_at: a\n  steps:\n    a: {type: stub, command: x.y, retry: 3, anything: 1, next: b}\n')).toEqual([]);
    expect(await check('dag:\n  start_at: a\n  steps:\n    a: {type: stub, nxt: b}\n')).toEqual([
      ['DAGC-SCHEMA-MISSING-KEY', '/dag/steps/a', 'stub step "a" should have a "next" field'],
    ]);
  });

  it('words missing and forbidden fields as magnus did, per step type', async () => {
    expect(await check('dag:\n  start_at: a\n  steps:\n    a: {type: map, next: b, command: x}\n')).toEqual([
      ['DAGC-SCHEMA-MISSING-KEY', '/dag/steps/a', 'map step "a" should have an "iterate_on" field'],
      ['DAGC-SCHEMA-MISSING-KEY', '/dag/steps/a', 'map step "a" should have an "iterate_as" field'],
      ['DAGC-SCHEMA-MISSING-KEY', '/dag/steps/a', 'map step "a" should have a "branch" field'],
      ['DAGC-SCHEMA-FORBIDDEN-KEY', '/dag/steps/a/command', 'map step "a" should not have a "command" field'],
    ]);
  });

  it('describes places inside branches', async () => {
    const text =
      'dag:\n  start_at: p\n  steps:\n    p:\n      type: parallel\n      next: s\n      branches:\n        left:\n          start_at: 3\n          steps: {}\n';
    expect(await check(text)).toEqual([
      [
        'DAGC-SCHEMA-TYPE',
        '/dag/steps/p/branches/left/start_at',
        '"start_at" of branch "left" of step "p" must be text, not the number 3',
      ],
    ]);
  });
});

describe('describePointer', () => {
  const data = {
    dag: {
      steps: { m: { type: 'map', branch: { steps: { t: { type: 'task', catalog: { put: ['a'] } } } } } },
    },
  };
  it('names the innermost step and the field below it', () => {
    expect(describePointer('/dag/steps/m/branch/steps/t/catalog/put/0', data, 'pipeline')).toEqual({
      owner: 'step "t"',
      step: { name: 't', type: 'task' },
      field: 'catalog.put[0]',
    });
    expect(describePointer('/dag/steps/m/branch/start_at', data, 'pipeline')).toEqual({
      owner: 'the branch of map step "m"',
      field: 'start_at',
    });
    expect(describePointer('/executor/config/max_parallel', {}, 'config')).toEqual({
      owner: '"executor"',
      field: 'config.max_parallel',
      section: 'executor',
    });
  });
});

describe('suggestKey', () => {
  it('finds misspellings, truncations and plurals', () => {
    const keys = ['start_at', 'steps', 'retry', 'next', 'description'];
    expect(suggestKey('nxt', keys)).toBe('next');
    expect(suggestKey('start', keys)).toBe('start_at');
    expect(suggestKey('retries', keys)).toBe('retry');
    expect(suggestKey('zzz', keys)).toBeUndefined();
  });
});
