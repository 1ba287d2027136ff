// Issue 16, what every file-backed run log store adds: attempt parameters of 1 KiB or more are stored once and
// referenced (read back in place up to 4 KiB, as a reference beyond), and the run's built pipeline is kept
// beside the run record. Checked on file-system, chunked-fs and s3 (s3rver) alike.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunLogStore } from '../src/services/run-log/index.js';
import type { RunLogStore, StepRecord } from '../src/services/run-log/types.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import { INLINE_MAX_BYTES, SHARE_MIN_BYTES } from '../src/services/run-log/shared-values.js';
import { stringifyJson } from '../src/core/py-float.js';

let server: S3TestServer;
beforeAll(async () => {
  server = await startS3Server();
});
afterAll(async () => server.close());

const stores: [string, () => { store: RunLogStore; folder?: string }][] = [
  ['chunked-fs', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'dagc-shared-'));
    return { store: createRunLogStore({ type: 'chunked-fs', config: { log_folder: folder } }, { cwd: folder }), folder };
  }],
  ['file-system', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'dagc-shared-'));
    return { store: createRunLogStore({ type: 'file-system', config: { log_folder: folder } }, { cwd: folder }) };
  }],
  ['s3', () => ({ store: createRunLogStore({ type: 's3', config: server.config(`shared-${Math.random().toString(36).slice(2)}/`) }, { cwd: tmpdir() }) })],
];

const small = [...Array(300).keys()]; // ~1.1 KB of JSON: shared, read back in place
const large = [...Array(3000).keys()]; // ~13.9 KB: shared, read back as a reference

function leaf(i: number): StepRecord {
  return {
    parent: '',
    order: i,
    step: {
      name: `s${i}`,
      internal_name: `s${i}`,
      status: 'SUCCESS',
      step_type: 'stub',
      message: '',
      mock: false,
      code_identities: [],
      attempts: [
        { attempt_number: 1, start_time: 't', end_time: 't', duration: 0, status: 'SUCCESS', message: '', parameters: { small, large, n: i } },
      ],
      user_defined_metrics: {},
      data_catalog: [],
    },
  };
}

describe.each(stores)('%s run log store: shared values and the built pipeline (issue 16)', (name, make) => {
  it('stores each large value once, reads small ones back in place and large ones as a reference', async () => {
    expect(JSON.stringify(small).length).toBeGreaterThanOrEqual(SHARE_MIN_BYTES);
    expect(JSON.stringify(small).length).toBeLessThanOrEqual(INLINE_MAX_BYTES);
    const { store, folder } = make();
    await store.createRun({ run_id: 'r', dag_hash: null, use_cached: false, tag: '', original_run_id: '', status: 'PROCESSING', run_config: {}, created_at: 'now' }, { small, large });
    for (let i = 0; i < 5; i++) await store.putStep('r', leaf(i));
    const log = await store.getRunLog('r');
    expect(log.parameters).toEqual({ small, large });
    for (let i = 0; i < 5; i++) {
      const p = log.steps[`s${i}`]!.attempts[0]!.parameters;
      expect(p.small).toEqual(small);
      expect(p.n).toBe(i);
      expect(p.large).toEqual({ $dagc_value: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), bytes: JSON.stringify(large).length });
    }
    // A record read back and written again (an engine's retry appends an attempt) keeps its references.
    const again = (await store.getStep('r', 's0'))!;
    await store.putStep('r', again);
    expect((await store.getRunLog('r')).steps.s0!.attempts[0]!.parameters.small).toEqual(small);
    if (folder) expect(readdirSync(path.join(folder, 'r', 'values'))).toHaveLength(2);
    // Streamed by chunked-fs and s3 (file-system keeps one document, read whole): the same bytes.
    expect(store.writeRunLog !== undefined).toBe(name !== 'file-system');
    if (store.writeRunLog) {
      let text = '';
      await store.writeRunLog('r', (t) => void (text += t));
      expect(text).toBe(stringifyJson(log, 2));
    }
    void name;
  });

  it('keeps the built pipeline beside the run', async () => {
    const { store } = make();
    expect(store.getBuiltPipeline).toBeDefined();
    await store.createRun({ run_id: 'b', dag_hash: null, use_cached: false, tag: '', original_run_id: '', status: 'PROCESSING', run_config: {}, created_at: 'now' }, {});
    expect(await store.getBuiltPipeline!('b')).toBeUndefined();
    await store.putBuiltPipeline!('b', '{"format":2}');
    expect(await store.getBuiltPipeline!('b')).toBe('{"format":2}');
    await expect(store.putBuiltPipeline!('nope', '{}')).rejects.toThrow(/no run "nope"/);
    // The listing still holds only runs.
    expect((await store.listRuns()).map((r) => r.run_id)).toEqual(['b']);
  });
});
