// What the s3 run log store adds to the shared contract (test/services-run-log.test.ts runs that one against
// s3rver too): the map-count objects a state machine reads back (it knows a map's shape and the indices of
// the enclosing maps, never the items), and its config errors.
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunLogStore } from '../src/services/run-log/index.js';
import { mapCountKey, mapIndicesKey } from '../src/services/run-log/s3.js';
import type { RunLogStore, StepLog, StepRecord } from '../src/services/run-log/types.js';
import { openObjectStore, s3Settings } from '../src/services/s3-client.js';
import { UserError } from '../src/cli/types.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => server.close());

function step(name: string, internal: string, stepType: string, status: StepLog['status']): StepRecord['step'] {
  return {
    name,
    internal_name: internal,
    status,
    step_type: stepType,
    message: '',
    mock: false,
    code_identities: [],
    attempts: [],
    user_defined_metrics: {},
    data_catalog: [],
  };
}

/** What `dagc fan out` does for a map: items, then the step PROCESSING, then one branch per item. */
async function openMap(store: RunLogStore, runId: string, parent: string, name: string, internal: string, items: unknown[]) {
  await store.putMapItems(runId, internal, items);
  await store.putStep(runId, { parent, order: 1, step: step(name, internal, 'map', 'PROCESSING') });
  for (const item of items)
    await store.putBranch(runId, { parent: internal, order: 2, branch: { internal_name: `${internal}.${String(item)}`, status: 'PROCESSING' } });
}

describe('s3 run log store: map counts for state machines', () => {
  it('publishes each opened map\'s count and indices under its shape and the enclosing indices', async () => {
    const config = server.config('counts/');
    const store = createRunLogStore({ type: 's3', config }, { cwd: tmpdir() });
    const objects = openObjectStore(s3Settings('run_log_store', config));
    const runId = 'counts-1';
    await store.createRun(
      { run_id: runId, dag_hash: null, use_cached: false, tag: '', original_run_id: '', status: 'PROCESSING', run_config: {}, created_at: 'now' },
      {},
    );
    // outer map over values with a dot and a number; inside each: a parallel, then in branch "x" a map.
    await openMap(store, runId, '', 'outer', 'outer', ['a.b', 7]);
    for (const value of ['a.b', '7']) {
      const fan = `outer.${value}.fan`;
      await store.putStep(runId, { parent: `outer.${value}`, order: 3, step: step('fan', fan, 'parallel', 'PROCESSING') });
      await store.putBranch(runId, { parent: fan, order: 4, branch: { internal_name: `${fan}.x`, status: 'PROCESSING' } });
    }
    await openMap(store, runId, 'outer.7.fan.x', 'inner', 'outer.7.fan.x.inner', ['p', 'q', 'r']);
    await openMap(store, runId, 'outer.a.b.fan.x', 'inner', 'outer.a.b.fan.x.inner', []);

    const read = async (key: string) => JSON.parse((await objects.getText(key))!.text) as unknown;
    expect(await read(mapCountKey(runId, 'outer', ''))).toEqual({ count: 2 });
    expect(await read(mapIndicesKey(runId, 'outer', ''))).toEqual([0, 1]);
    const shape = 'outer.map_variable_placeholder.fan.x.inner';
    expect(await read(mapCountKey(runId, shape, '1'))).toEqual({ count: 3 });
    expect(await read(mapIndicesKey(runId, shape, '1'))).toEqual([0, 1, 2]);
    expect(await read(mapCountKey(runId, shape, '0'))).toEqual({ count: 0 });
    expect(mapCountKey(runId, shape, '1')).toMatch(/^counts-1\/map-count\/[0-9a-f]{16}\/1\.json$/);
  });

  it('publishes nothing for a map that failed to open or was taken from a previous run', async () => {
    const config = server.config('counts-none/');
    const store = createRunLogStore({ type: 's3', config }, { cwd: tmpdir() });
    const objects = openObjectStore(s3Settings('run_log_store', config));
    const runId = 'counts-2';
    await store.createRun(
      { run_id: runId, dag_hash: null, use_cached: false, tag: '', original_run_id: '', status: 'PROCESSING', run_config: {}, created_at: 'now' },
      {},
    );
    await store.putStep(runId, { parent: '', order: 1, step: step('m', 'm', 'map', 'FAIL') });
    await store.putStep(runId, { parent: '', order: 1, step: { ...step('n', 'n', 'map', 'SUCCESS'), mock: true } });
    expect(await objects.list(`${runId}/map-count/`)).toEqual([]);
  });
});

describe('s3 run log store config', () => {
  it('names the missing bucket and unknown keys, and never takes credentials from config', () => {
    expect(() => createRunLogStore({ type: 's3', config: { prefix: 'x' } }, { cwd: '/' })).toThrow(
      'run_log_store: {type: s3, config: …} is missing the required key "bucket"',
    );
    let error: unknown;
    try {
      createRunLogStore({ type: 's3', config: { bucket: 'my-bucket', aws_secret_access_key: 'x' } }, { cwd: '/' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('unknown key "aws_secret_access_key" in run_log_store: {type: s3, config: …}');
    expect(() => createRunLogStore({ type: 's3', config: { bucket: 'my-bucket', prefix: '../up' } }, { cwd: '/' })).toThrow(
      'run_log_store config "prefix" must be a relative key prefix such as "dagc/runs", got "../up"',
    );
  });
});
