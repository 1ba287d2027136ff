// The run log store contract, pinned once for every provider (buffered, file-system, chunked-fs): the same
// calls must give the same answers whatever the store, so every backend records the same run (DESIGN.md §3.1).
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRunLogStore, RUN_LOG_PROVIDERS } from '../src/services/run-log/index.js';
import type {
  BranchLog,
  BranchRecord,
  RunLog,
  RunLogStore,
  RunRecord,
  StepLog,
  StepRecord,
} from '../src/services/run-log/types.js';
import { RunLogExistsError, RunLogNotFoundError } from '../src/services/run-log/types.js';
import { UserError } from '../src/cli/types.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';

type Body = Omit<StepLog, 'branches'>;

function body(name: string, internal: string, stepType = 'task', extra: Partial<Body> = {}): Body {
  return {
    name,
    internal_name: internal,
    status: 'SUCCESS',
    step_type: stepType,
    message: '',
    mock: false,
    code_identities: [
      {
        code_identifier: 'abc123',
        code_identifier_type: 'git',
        code_identifier_dependable: true,
        code_identifier_url: 'https://example.invalid/repo.git',
        code_identifier_message: '',
      },
    ],
    attempts:
      stepType === 'task'
        ? [
            {
              attempt_number: 1,
              start_time: '2026-01-02T03:04:05.006+00:00',
              end_time: '2026-01-02T03:04:06.006+00:00',
              duration: 1,
              status: 'SUCCESS',
              message: '',
              parameters: { x: 3 },
            },
          ]
        : [],
    user_defined_metrics: stepType === 'task' ? { rows: 10 } : {},
    data_catalog:
      stepType === 'task'
        ? [
            {
              name: 'data/prepared.txt',
              data_hash: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
              catalog_relative_path: 'run/data/prepared.txt',
              catalog_handler_location: '.catalog',
              stage: 'put',
            },
          ]
        : [],
    ...extra,
  };
}

/** The step log a store must return: the body with its branches slotted in before data_catalog. */
function log(b: Body, branches: Record<string, BranchLog> = {}): StepLog {
  const { data_catalog, ...head } = b;
  return { ...head, branches, data_catalog };
}

function runRecord(runId: string, createdAt = '2026-01-02T03:04:05.000+00:00'): RunRecord {
  return {
    run_id: runId,
    dag_hash: '182b8771ef5067cacf08a9347cee919d9ab8724a',
    use_cached: false,
    tag: 'probe',
    original_run_id: '',
    status: 'PROCESSING',
    run_config: { executor: { type: 'local', config: {} } },
    created_at: createdAt,
  };
}

let counter = 0;

// The local providers; object-store providers (s3) have their own tests against a real server.
describe.each(['buffered', 'file-system', 'chunked-fs'])('run log store %s', (type) => {
  let cwd: string;
  let store: RunLogStore;
  let runId: string;
  // The s3 store runs against a real S3-protocol server on loopback (DESIGN.md §5), a fresh prefix per test.
  let s3: S3TestServer | undefined;
  beforeAll(async () => {
    if (type === 's3') s3 = await startS3Server();
  });
  afterAll(async () => s3?.close());

  beforeEach(() => {
    cwd = mkdtempSync(path.join(tmpdir(), 'dagc-runlog-'));
    const config = s3 ? s3.config(`runs-${counter}/`) : { log_folder: '.logs' };
    store = createRunLogStore({ type, config }, { cwd });
    // The buffered store is shared by the whole process: every test takes its own run id.
    runId = `${type}-run-${++counter}`;
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('creates a run and reads it back', async () => {
    const record = runRecord(runId);
    expect(await store.createRun(record, { x: 3 })).toEqual(record);
    expect(await store.getRun(runId)).toEqual(record);
    expect(await store.getParameters(runId)).toEqual({ x: 3 });
  });

  it('refuses an existing run without existsOk, and returns the first record with it', async () => {
    await store.createRun(runRecord(runId, 'first'), { x: 3 });
    await expect(store.createRun(runRecord(runId, 'second'), { x: 4 })).rejects.toBeInstanceOf(
      RunLogExistsError,
    );
    const again = await store.createRun(runRecord(runId, 'second'), { x: 4 }, { existsOk: true });
    expect(again.created_at).toBe('first');
    // The loser's parameters are not applied: a later joiner must not overwrite what steps have set since.
    expect(await store.getParameters(runId)).toEqual({ x: 3 });
  });

  it('lets exactly one of racing creators win', async () => {
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.createRun(runRecord(runId, `c${i}`), { [`p${i}`]: i }, { existsOk: true }),
      ),
    );
    const winners = new Set(results.map((r) => r.created_at));
    expect(winners.size).toBe(1);
    const winner = [...winners][0]!;
    expect((await store.getRun(runId)).created_at).toBe(winner);
    expect(await store.getParameters(runId)).toEqual({ [`p${winner.slice(1)}`]: Number(winner.slice(1)) });
  });

  it('throws RunLogNotFoundError for a run that does not exist', async () => {
    await expect(store.getRun('nope')).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(store.getRunLog('nope')).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(store.getParameters('nope')).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(store.setParameters('nope', { a: 1 })).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(store.updateRun('nope', { status: 'FAIL' })).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(
      store.putStep('nope', { parent: '', order: 1, step: body('a', 'a') }),
    ).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(store.getStep('nope', 'a')).rejects.toBeInstanceOf(RunLogNotFoundError);
    await expect(store.getRunLog('nope')).rejects.toThrow(`There is no run "nope" in ${store.location}`);
  });

  it('refuses run ids that would leave the store folder', async () => {
    for (const bad of ['../escape', 'a/b', '.hidden', ''])
      await expect(store.createRun(runRecord(bad), {})).rejects.toBeInstanceOf(UserError);
  });

  it('merges parameters, keeping each key where it first appeared', async () => {
    // Not alphabetical: the order is when each key was first set, then its place in that call.
    await store.createRun(runRecord(runId), { x: 3, b: 4 });
    await store.setParameters(runId, { items: ['a', 'b'], x: 5, a: 0 });
    await store.setParameters(runId, { 'naïve/κλειδί.x': { nested: [1, null] }, skipped: undefined });
    const parameters = await store.getParameters(runId);
    expect(JSON.stringify(parameters)).toBe(
      JSON.stringify({ x: 5, b: 4, items: ['a', 'b'], a: 0, 'naïve/κλειδί.x': { nested: [1, null] } }),
    );
    expect((await store.getRunLog(runId)).parameters).toEqual(parameters);
  });

  it('assembles steps and branches into the right nesting and order, whatever the write order', async () => {
    await store.createRun(runRecord(runId), { x: 3 });
    const mapValue = 'v1.2/x'; // a map value with a dot and a slash: the dot path cannot be split
    const steps: StepRecord[] = [
      { parent: 'fan.b', order: 31, step: body('work', 'fan.b.work') },
      {
        parent: `map step.${mapValue}`,
        order: 51,
        step: body('train model', `map step.${mapValue}.train model`),
      },
      { parent: '', order: 40, step: body('map step', 'map step', 'map') },
      { parent: 'map step.ünï ☃', order: 61, step: body('train model', 'map step.ünï ☃.train model') },
      { parent: '', order: 20, step: body('fan', 'fan', 'parallel') },
      { parent: 'fan.a', order: 21, step: body('work', 'fan.a.work') },
      { parent: 'fan.a', order: 22, step: body('success', 'fan.a.success', 'success') },
      { parent: '', order: 10, step: body('Prepare data', 'Prepare data') },
      // Same order: the tie is broken by internal name (zeta after alpha).
      { parent: '', order: 90, step: body('zeta', 'zeta', 'success') },
      { parent: '', order: 90, step: body('alpha', 'alpha') },
    ];
    const branches: BranchRecord[] = [
      { parent: 'map step', order: 60, branch: { internal_name: 'map step.ünï ☃', status: 'FAIL' } },
      { parent: 'fan', order: 30, branch: { internal_name: 'fan.b', status: 'SUCCESS' } },
      { parent: 'map step', order: 50, branch: { internal_name: `map step.${mapValue}`, status: 'SUCCESS' } },
      { parent: 'fan', order: 20.5, branch: { internal_name: 'fan.a', status: 'SUCCESS' } },
    ];
    for (let i = 0; i < Math.max(steps.length, branches.length); i++) {
      if (steps[i]) await store.putStep(runId, steps[i]!);
      if (branches[i]) await store.putBranch(runId, branches[i]!);
    }
    const stepOf = (internal: string) => steps.find((s) => s.step.internal_name === internal)!.step;
    const expected: RunLog = {
      run_id: runId,
      dag_hash: '182b8771ef5067cacf08a9347cee919d9ab8724a',
      use_cached: false,
      tag: 'probe',
      original_run_id: '',
      status: 'PROCESSING',
      steps: {
        'Prepare data': log(stepOf('Prepare data')),
        fan: log(stepOf('fan'), {
          'fan.a': {
            internal_name: 'fan.a',
            status: 'SUCCESS',
            steps: { 'fan.a.work': log(stepOf('fan.a.work')), 'fan.a.success': log(stepOf('fan.a.success')) },
          },
          'fan.b': {
            internal_name: 'fan.b',
            status: 'SUCCESS',
            steps: { 'fan.b.work': log(stepOf('fan.b.work')) },
          },
        }),
        'map step': log(stepOf('map step'), {
          [`map step.${mapValue}`]: {
            internal_name: `map step.${mapValue}`,
            status: 'SUCCESS',
            steps: { [`map step.${mapValue}.train model`]: log(stepOf(`map step.${mapValue}.train model`)) },
          },
          'map step.ünï ☃': {
            internal_name: 'map step.ünï ☃',
            status: 'FAIL',
            steps: { 'map step.ünï ☃.train model': log(stepOf('map step.ünï ☃.train model')) },
          },
        }),
        alpha: log(stepOf('alpha')),
        zeta: log(stepOf('zeta')),
      },
      parameters: { x: 3 },
      run_config: { executor: { type: 'local', config: {} } },
    };
    // Byte comparison: the field and key order is what users see (spec §3.1), and toEqual ignores it.
    expect(JSON.stringify(await store.getRunLog(runId), null, 2)).toBe(JSON.stringify(expected, null, 2));
  });

  it('returns step and branch records with parent and order, rewritten whole on each put', async () => {
    await store.createRun(runRecord(runId), {});
    const first = body('train', 'm.a/b.train');
    await store.putStep(runId, { parent: 'm.a/b', order: 7.25, step: first });
    const second = { ...first, status: 'FAIL' as const, message: 'boom' };
    await store.putStep(runId, { parent: 'm.a/b', order: 7.25, step: second });
    expect(await store.getStep(runId, 'm.a/b.train')).toEqual({ parent: 'm.a/b', order: 7.25, step: second });
    await store.putBranch(runId, {
      parent: 'm',
      order: 3,
      branch: { internal_name: 'm.a/b', status: 'PROCESSING' },
    });
    expect(await store.getBranch(runId, 'm.a/b')).toEqual({
      parent: 'm',
      order: 3,
      branch: { internal_name: 'm.a/b', status: 'PROCESSING' },
    });
    expect(await store.getStep(runId, 'missing')).toBeUndefined();
    expect(await store.getBranch(runId, 'missing')).toBeUndefined();
    // Names that are also Object.prototype members are records like any other.
    expect(await store.getStep(runId, 'constructor')).toBeUndefined();
    await store.putStep(runId, { parent: '', order: 1, step: body('__proto__', '__proto__') });
    expect((await store.getStep(runId, '__proto__'))?.step.name).toBe('__proto__');
  });

  it('stores only what the model has (plus parent and order)', async () => {
    await store.createRun(runRecord(runId), {});
    const sloppy = {
      ...body('a', 'a'),
      branches: { 'a.x': { internal_name: 'a.x', status: 'SUCCESS', steps: {} } },
      extra: 'not in the model',
    } as unknown as Body;
    await store.putStep(runId, { parent: '', order: 1, step: sloppy, junk: 1 } as unknown as StepRecord);
    expect(await store.getStep(runId, 'a')).toEqual({ parent: '', order: 1, step: body('a', 'a') });
    expect((await store.getRunLog(runId)).steps.a).toEqual(log(body('a', 'a')));
  });

  it('round-trips map items', async () => {
    await store.createRun(runRecord(runId), {});
    const items = [1, 'a.b', 'c/d', { k: 'v' }, null, 'ü'];
    await store.putMapItems(runId, 'outer.x.map step', items);
    expect(await store.getMapItems(runId, 'outer.x.map step')).toEqual(items);
    expect(await store.getMapItems(runId, 'other')).toBeUndefined();
  });

  it('updates the run record', async () => {
    await store.createRun(runRecord(runId), {});
    await store.updateRun(runId, { status: 'SUCCESS', ended_at: '2026-01-02T03:05:00.000+00:00' });
    await store.updateRun(runId, { tag: 'retagged', status: undefined });
    expect(await store.getRun(runId)).toEqual({
      ...runRecord(runId),
      tag: 'retagged',
      status: 'SUCCESS',
      ended_at: '2026-01-02T03:05:00.000+00:00',
    });
    const logged = await store.getRunLog(runId);
    expect([logged.status, logged.tag]).toEqual(['SUCCESS', 'retagged']);
  });

  it('lists runs', async () => {
    const ids = [`${runId}-b`, `${runId}-a`];
    for (const id of ids) await store.createRun(runRecord(id), {});
    const listed = (await store.listRuns()).filter((r) => r.run_id.startsWith(runId));
    expect(listed).toEqual([runRecord(`${runId}-a`), runRecord(`${runId}-b`)]);
  });

  if (type !== 'buffered' && type !== 's3')
    it('writes inside its log folder, relative to cwd, and leaves no temp files', async () => {
      await store.createRun(runRecord(runId), { x: 1 });
      await store.putStep(runId, { parent: '', order: 1, step: body('a', 'a') });
      await store.setParameters(runId, { y: 2 });
      await store.updateRun(runId, { status: 'SUCCESS' });
      expect(readdirSync(cwd)).toEqual(['.logs']);
      const walk = (d: string): string[] =>
        readdirSync(d, { withFileTypes: true }).flatMap((e) =>
          e.isDirectory() ? walk(path.join(d, e.name)) : [path.relative(cwd, path.join(d, e.name))],
        );
      expect(
        walk(path.join(cwd, '.logs')).filter((f) => path.basename(f).startsWith('.') || f.endsWith('.lock')),
      ).toEqual([]);
      expect(store.location).toBe('.logs/');
    });
});

describe('run log store registry', () => {
  it('names each provider once, for the run_log_store section', () => {
    const names = RUN_LOG_PROVIDERS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 3)).toEqual(['buffered', 'file-system', 'chunked-fs']);
    expect(RUN_LOG_PROVIDERS.every((p) => p.service === 'run_log_store')).toBe(true);
  });

  it('rejects an unknown type with a did-you-mean hint', () => {
    let error: unknown;
    try {
      createRunLogStore({ type: 'chunkd-fs', config: {} }, { cwd: '/' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('unknown run_log_store type "chunkd-fs"');
    expect((error as UserError).hint).toBe(
      'did you mean "chunked-fs"? (known run_log_store types: buffered, file-system, chunked-fs, s3)',
    );
  });

  it('rejects a log_folder that is not a string', () => {
    expect(() => createRunLogStore({ type: 'chunked-fs', config: { log_folder: 3 } }, { cwd: '/' })).toThrow(
      new UserError(
        'run_log_store config "log_folder" must be a non-empty string (it is number)',
        'write it as log_folder: ".run_log_store" or remove it to use the default ".run_log_store"',
      ),
    );
  });
});
