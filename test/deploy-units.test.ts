// The pure parts of src/deploy: field differences (what decides "unchanged") and the retry of refusals that
// IAM's eventual consistency causes right after dagc created a role.
import { describe, expect, it } from 'vitest';
import { diffValues, formatChanges } from '../src/deploy/diff.js';
import { retryFreshRole } from '../src/deploy/aws/errors.js';
import { retryAfterMs, retryDelay } from '../src/deploy/kube/retry.js';
import { concretePolicy, stateMachinePolicy } from '../src/emit/asl/iam-policy.js';

describe('diffValues', () => {
  it('finds nothing between equal documents whatever their key order', () => {
    expect(diffValues({ a: 1, b: { c: [1, { d: 'x' }] } }, { b: { c: [1, { d: 'x' }] }, a: 1 })).toEqual([]);
  });

  it('names each changed, added and removed field by an escaped pointer', () => {
    const changes = diffValues({ metadata: { labels: { 'a/b': '1', gone: 'x' } }, list: [1, 2] }, { metadata: { labels: { 'a/b': '2', added: 'y' } }, list: [1] });
    expect(changes).toEqual([
      { path: '/list/1', before: 2 },
      { path: '/metadata/labels/a~1b', before: '1', after: '2' },
      { path: '/metadata/labels/added', after: 'y' },
      { path: '/metadata/labels/gone', before: 'x' },
    ]);
    expect(formatChanges(changes, '')).toBe('- /list/1: 2\n~ /metadata/labels/a~1b: "1" → "2"\n+ /metadata/labels/added: "y"\n- /metadata/labels/gone: "x"\n');
  });

  it('is empty exactly when the values are equal (a property over random JSON)', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return Math.floor(rnd() * 3);
      if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 3) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 3) }, (_, i) => [`k${i}`, value(depth + 1)]));
    };
    for (let i = 0; i < 500; i++) {
      const a = value(0);
      const b = rnd() < 0.5 ? JSON.parse(JSON.stringify(a)) : value(0);
      expect(diffValues(a, b).length === 0).toBe(JSON.stringify(a) === JSON.stringify(b));
    }
  });
});

describe('retryFreshRole', () => {
  const refusal = Object.assign(new Error('Neither the global service principal states.amazonaws.com, nor the regional one is authorized to assume the provided role.'), { name: 'AccessDeniedException' });

  it('retries the refusal of a role dagc has just created, then succeeds', async () => {
    let calls = 0;
    const waits: number[] = [];
    const out = await retryFreshRole(true, async () => (++calls < 3 ? Promise.reject(refusal) : 'ok'), async (ms) => void waits.push(ms));
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toEqual([1000, 2000]);
  });

  it('gives up after six attempts, and never retries an older role or another error', async () => {
    let calls = 0;
    await expect(retryFreshRole(true, async () => Promise.reject(refusal).finally(() => calls++), async () => {})).rejects.toBe(refusal);
    expect(calls).toBe(6);
    calls = 0;
    await expect(retryFreshRole(false, async () => Promise.reject(refusal).finally(() => calls++), async () => {})).rejects.toBe(refusal);
    expect(calls).toBe(1);
    const other = new Error('InvalidDefinition');
    await expect(retryFreshRole(true, async () => Promise.reject(other), async () => {})).rejects.toBe(other);
  });
});

describe('the Kubernetes retry policy (src/deploy/kube/retry.ts, as client-go checkWait)', () => {
  it('reads Retry-After as seconds or an HTTP date, capped at 30 s', () => {
    expect(retryAfterMs('2')).toBe(2000);
    expect(retryAfterMs('0')).toBe(0);
    expect(retryAfterMs('3600')).toBe(30_000);
    const now = Date.parse('2027-01-01T06:00:00Z');
    expect(retryAfterMs('Fri, 01 Jan 2027 06:00:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
  });

  it('retries a 429 always (backoff with full jitter without Retry-After), a 5xx only with Retry-After, nothing else', () => {
    expect(retryDelay(429, '1', 1)).toBe(1000);
    expect(retryDelay(429, undefined, 1, () => 0.999)).toBe(249);
    expect(retryDelay(429, undefined, 4, () => 0.999)).toBe(1998);
    expect(retryDelay(429, undefined, 10, () => 0.999)).toBe(7992);
    expect(retryDelay(503, '0', 1)).toBe(0);
    expect(retryDelay(503, undefined, 1)).toBeUndefined();
    expect(retryDelay(500, undefined, 1)).toBeUndefined();
    expect(retryDelay(409, '1', 1)).toBeUndefined();
    expect(retryDelay(200, undefined, 1)).toBeUndefined();
  });
});

describe('the state machine role policy (src/emit/asl/iam-policy.ts)', () => {
  const task = (resource: string, parameters: Record<string, unknown>) => ({ Type: 'Task', Resource: resource, Parameters: parameters, End: true });

  it('names job queues and definitions as the definition does, by name, ARN or declared placeholder', () => {
    const statements = stateMachinePolicy({
      States: {
        a: task('arn:aws:states:::batch:submitJob.sync', { JobQueue: 'arn:aws:batch:eu-west-1:1:job-queue/q', JobDefinition: 'dagc:3' }),
        b: {
          Type: 'Parallel',
          Branches: [{ States: { c: task('arn:aws:states:::batch:submitJob.sync', { JobQueue: 'arn:aws:batch:eu-west-1:1:job-queue/q', JobDefinition: '${JobDefinitionabc}' }) } }],
          End: true,
        },
      },
    });
    expect(statements.find((s) => s.Sid === 'BatchSubmit')!.Resource).toEqual([
      'arn:aws:batch:eu-west-1:1:job-queue/q',
      'arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job-definition/dagc:*',
      { Ref: 'JobDefinitionabc' },
    ]);
    expect(statements.map((s) => s.Sid)).toEqual(['BatchJobs', 'BatchSubmit', 'SyncEventsRule']);
  });

  it('gives a Distributed Map its child executions and the fixed prefix of the keys its reader reads', () => {
    const statements = stateMachinePolicy({
      States: {
        m: {
          Type: 'Map',
          ItemReader: { Resource: 'arn:aws:states:::s3:getObject', Parameters: { Bucket: 'runs', 'Key.$': "States.Format('pre/fix/{}/map', $$.Execution.Name)" } },
          ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED' }, StartAt: 'x', States: { x: { Type: 'Pass', End: true } } },
          End: true,
        },
      },
    });
    const concrete = concretePolicy(statements, { partition: 'aws', region: 'eu-west-1', account: '123456789012', machineName: 'etl' }) as { Statement: { Sid: string; Resource: string[] }[] };
    expect(Object.fromEntries(concrete.Statement.map((s) => [s.Sid, s.Resource]))).toEqual({
      MapExecutions: ['arn:aws:states:eu-west-1:123456789012:execution:etl/*'],
      MapRedrive: ['arn:aws:states:eu-west-1:123456789012:mapRun:etl/*:*'],
      MapStart: ['arn:aws:states:eu-west-1:123456789012:stateMachine:etl'],
      StoreReads: ['arn:aws:s3:::runs/pre/fix/*'],
    });
  });
});
