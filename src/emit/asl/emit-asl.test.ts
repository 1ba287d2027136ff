// The asl emitter on pipelines loaded by the real front end: config errors, per-node overrides, Batch and
// ECS tasks, retries, maps (inline and distributed), names, limits, the CloudFormation wrapper.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DagcConfig } from '../../config/types.js';
import { DEFAULT_SECTIONS } from '../../config/types.js';
import type { Pipeline } from '../../ir/types.js';
import { loadPipeline } from '../../spec/load-pipeline.js';
import { mapCountKey, mapShapeHash } from '../../services/run-log/s3.js';
import type { EmitOptions } from '../types.js';
import type { MapState, ParallelState, PassState, State, StateMachine, TaskState } from './asl-types.js';
import { emitAsl, renderAsl } from './emit-asl.js';
import { DEFINITION_LIMIT } from './limits.js';

async function pipeline(yaml: string): Promise<Pipeline> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-unit-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), yaml);
  const loaded = await loadPipeline(path.join(dir, 'pipeline.yaml'), { cwd: dir, env: {} });
  if (!loaded.value) throw new Error(JSON.stringify(loaded.diagnostics));
  return loaded.value;
}

const BATCH = {
  image: 'repo/dagc:1',
  job_queue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/q',
  job_definition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/d:1',
};

function config(executor: Record<string, unknown>, store: Record<string, unknown> = { bucket: 'runs-bucket', prefix: 'p/' }): DagcConfig {
  return {
    ...DEFAULT_SECTIONS,
    file: 'config.yaml',
    executor: { type: 'asl', config: executor },
    run_log_store: { type: 's3', config: store },
    catalog: { type: 's3', config: store },
    plugins: [],
  };
}

const OPTIONS: EmitOptions = { files: { pipeline: 'pipeline.yaml', config: 'config.yaml', varFiles: [] }, outputName: 'p.asl.json', source: 'pipeline.yaml', dagcVersion: '0.0.0' };

function definition(ir: Pipeline, cfg: DagcConfig): StateMachine {
  const out = renderAsl(ir, cfg, OPTIONS);
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return out.definition!;
}

function allStates(states: Record<string, State>): [string, State][] {
  return Object.entries(states).flatMap(([n, s]): [string, State][] => [
    [n, s],
    ...(s.Type === 'Parallel' ? s.Branches.flatMap((b) => allStates(b.States)) : []),
    ...(s.Type === 'Map' ? allStates(s.ItemProcessor.States) : []),
  ]);
}

const byComment = (def: StateMachine, start: string) => allStates(def.States).find(([, s]) => s.Comment?.startsWith(start))!;

const LINEAR = `dag:
  start_at: train
  steps:
    train:
      type: task
      command_type: shell
      command: echo hi
      retry: 3
      overrides:
        asl: gpu
      next: success
    success:
      type: success
    fail:
      type: fail
`;

describe('asl config', () => {
  it('names every missing required key at once', async () => {
    const ir = await pipeline(LINEAR);
    const out = renderAsl(ir, config({ compute: 'ecs' }), OPTIONS);
    expect(out.definition).toBeUndefined();
    expect(out.diagnostics.map((d) => d.message)).toEqual([
      'the asl executor config: missing required keys "image", "cluster", "task_definition" (compute: ecs)',
    ]);
    const batch = renderAsl(ir, config({ image: 'x' }), OPTIONS);
    expect(batch.diagnostics.map((d) => d.message)).toEqual([
      'the asl executor config: missing required keys "job_queue", "job_definition" (compute: batch)',
    ]);
  });

  it('refuses secret values, unknown overrides and bad types; warns on unknown keys with a guess', async () => {
    const ir = await pipeline(LINEAR);
    const out = renderAsl(ir, config({ ...BATCH, secrets: { TOKEN: 'hunter2' }, vcpu: 2, memory: 'lots' }), OPTIONS);
    expect(out.diagnostics.map((d) => [d.severity, d.message, d.hint])).toEqual([
      ['warning', 'the asl executor config: unknown key "vcpu" (ignored)', 'did you mean "vcpus"?'],
      [
        'error',
        'the asl executor config: secret "TOKEN" must be the ARN of a Secrets Manager secret or an SSM parameter',
        'secrets are given by reference (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME), never by value',
      ],
      ['error', 'the asl executor config: "memory" must be a whole number of at least 1, got "lots"', undefined],
    ]);
    expect(JSON.stringify(out)).not.toContain('hunter2"'.replace('"', '",'));
    const image = renderAsl(ir, config({ ...BATCH, overrides: { gpu: { image: 'repo/gpu:1' } } }), OPTIONS);
    expect(image.diagnostics.map((d) => [d.severity, d.code])).toEqual([['warning', 'DAGC-ASL-IMAGE-OVERRIDE']]);
    const unknown = renderAsl(ir, config(BATCH), OPTIONS);
    expect(unknown.diagnostics.map((d) => d.message)).toEqual([
      'node "train" asks for the override "gpu", which the asl executor config does not define',
    ]);
  });

  it('needs an s3 run log store outside emulation', async () => {
    const ir = await pipeline(LINEAR);
    const cfg = { ...config({ ...BATCH, overrides: { gpu: {} } }), run_log_store: DEFAULT_SECTIONS.run_log_store };
    expect(renderAsl(ir, cfg, OPTIONS).diagnostics.map((d) => d.code)).toEqual(['DAGC-ASL-STORE']);
    expect(renderAsl(ir, cfg, OPTIONS, { emulate: true }).definition).toBeDefined();
  });
});

describe('asl tasks', () => {
  it('runs one attempt per container with Retry (backoff, max delay, jitter) and Catch, secrets by reference', async () => {
    const ir = await pipeline(LINEAR);
    const cfg = config({
      ...BATCH,
      retry: { interval_seconds: 5, backoff_rate: 3, max_delay_seconds: 60, jitter: true },
      secrets: { TOKEN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tok-AbCd' },
      env: { MODE: 'prod', LEVEL: 2 },
      overrides: { gpu: { vcpus: 4, memory: 16384, gpu: 1, timeout_seconds: 7200 } },
    });
    const def = definition(ir, cfg);
    const train = def.States.train as TaskState;
    expect(train.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    expect(train.Retry).toEqual([
      { ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 3, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
    ]);
    expect(train.Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'fail' }]);
    expect(train.TimeoutSeconds).toBe(7200);
    expect(train.ResultPath).toBeNull();
    const overrides = (train.Parameters.ContainerOverrides ?? {}) as { Command: string[]; Environment: unknown[]; ResourceRequirements: unknown[] };
    expect(overrides.Command.slice(3)).toEqual(['dagc-asl', 'train', '1', 'success', '1', 'fail']);
    expect(overrides.Command[2]).toContain('[ $s = 1 ]&&[ $a -lt 3 ]&&exit 1;');
    expect(overrides.Environment).toEqual([
      { Name: 'DAGC_ASL_RUN_ID', 'Value.$': '$$.Execution.Name' },
      { Name: 'DAGC_ASL_RETRY', 'Value.$': "States.Format('{}', $$.State.RetryCount)" },
      { Name: 'LEVEL', Value: '2' },
      { Name: 'MODE', Value: 'prod' },
      { Name: 'DAGC_SECRET_ARNS', Value: '{"TOKEN":"arn:aws:secretsmanager:eu-west-1:123456789012:secret:tok-AbCd"}' },
    ]);
    expect(overrides.ResourceRequirements).toEqual([
      { Type: 'VCPU', Value: '4' },
      { Type: 'MEMORY', Value: '16384' },
      { Type: 'GPU', Value: '1' },
    ]);
    expect(def.States.success).toEqual({ Type: 'Succeed', Comment: 'success: success' });
    expect(def.States.fail).toMatchObject({ Type: 'Fail', Error: 'dagc.PipelineFailed' });
  });

  it('runs on ECS with awsvpc networking when compute is ecs', async () => {
    const ir = await pipeline(LINEAR);
    const cfg = config({
      image: 'repo/dagc:1',
      compute: 'ecs',
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/c',
      task_definition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/dagc:3',
      subnets: ['subnet-1'],
      security_groups: ['sg-1'],
      vcpus: 0.5,
      overrides: { gpu: {} },
    });
    const train = definition(ir, cfg).States.train as TaskState;
    expect(train.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    const p = train.Parameters as Record<string, unknown> & { Overrides: { ContainerOverrides: { Name: string; Cpu: number }[] } };
    expect([p.Cluster, p.LaunchType, p.NetworkConfiguration]).toEqual([
      'arn:aws:ecs:eu-west-1:123456789012:cluster/c',
      'FARGATE',
      { AwsvpcConfiguration: { Subnets: ['subnet-1'], SecurityGroups: ['sg-1'], AssignPublicIp: 'DISABLED' } },
    ]);
    expect([p.Overrides.ContainerOverrides[0]!.Name, p.Overrides.ContainerOverrides[0]!.Cpu]).toEqual(['dagc', 512]);
  });
});

const NESTED_MAPS = `dag:
  start_at: outer
  steps:
    outer:
      type: map
      iterate_on: xs
      iterate_as: x
      next: success
      branch:
        start_at: inner
        steps:
          inner:
            type: map
            iterate_on: ys
            iterate_as: y
            overrides:
              asl: wide
            next: success
            branch:
              start_at: work
              steps:
                work:
                  type: task
                  command_type: shell
                  command: echo $DAGC_PRM_y
                  next: success
                success:
                  type: success
                fail:
                  type: fail
          success:
            type: success
          fail:
            type: fail
    success:
      type: success
    fail:
      type: fail
`;

describe('asl maps', () => {
  it('reads the count back by shape and indices, builds the index list, and carries only indices', async () => {
    const ir = await pipeline(NESTED_MAPS);
    const def = definition(ir, config({ ...BATCH, max_concurrency: 4, overrides: { wide: { max_concurrency: 2 } } }));
    const [, count] = byComment(def, 'outer.map_variable_placeholder.inner: reads the item count');
    const key = mapCountKey('RUN', 'outer.map_variable_placeholder.inner', 'IDX');
    expect((count as TaskState).Resource).toBe('arn:aws:states:::aws-sdk:s3:getObject');
    expect((count as TaskState).Parameters).toEqual({
      Bucket: 'runs-bucket',
      'Key.$': `States.Format('p/${key.replace('RUN', '{}').replace('IDX', '{}')}', $$.Execution.Name, $.idx)`,
    });
    expect(key).toContain(mapShapeHash('outer.map_variable_placeholder.inner'));
    const [, items] = byComment(def, 'outer.map_variable_placeholder.inner: the item indices');
    expect((items as PassState).Parameters).toEqual({ 'items.$': 'States.ArrayRange(0, States.MathAdd($.dagc.map.count, -1), 1)' });
    const outer = def.States.outer as MapState;
    expect(outer.ItemSelector).toEqual({ 'idx.$': "States.Format('{}', $$.Map.Item.Value)" });
    expect(outer.MaxConcurrency).toBe(4);
    const inner = outer.ItemProcessor.States['outer.map_variable_placeholder.inner'] as MapState;
    expect(inner.ItemSelector).toEqual({ 'idx.$': "States.Format('{},{}', $.idx, $$.Map.Item.Value)" });
    expect(inner.MaxConcurrency).toBe(2);
    expect(inner.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    // Every path the definition reads from the payload is one of dagc's own small fields.
    const paths = JSON.stringify(def).match(/(?<!\$)\$\.[A-Za-z_.]+/g) ?? [];
    expect([...new Set(paths)].sort()).toEqual(['$.Body', '$.dagc', '$.dagc.items', '$.dagc.map.count', '$.idx']);
  });

  it('becomes a Distributed Map reading the indices from S3 when declared wider than 1,000 items', async () => {
    const ir = await pipeline(NESTED_MAPS);
    const def = definition(ir, config({ ...BATCH, overrides: { wide: { map_width: 5000 } } }));
    const inner = (def.States.outer as MapState).ItemProcessor.States['outer.map_variable_placeholder.inner'] as MapState;
    expect(inner.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(inner.ItemReader?.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(String(inner.ItemReader?.Parameters['Key.$'])).toContain('/map-indices/');
    // Child executions have names of their own: the run id travels in the payload instead.
    expect(inner.ItemSelector).toEqual({ 'idx.$': "States.Format('{},{}', $.idx, $$.Map.Item.Value)", 'run.$': '$$.Execution.Name' });
    const work = inner.ItemProcessor.States['outer.map_variable_placeholder.inner.map_variable_placeholder.work'] as TaskState;
    const env = (work.Parameters.ContainerOverrides as { Environment: unknown[] }).Environment;
    expect(env[0]).toEqual({ Name: 'DAGC_ASL_RUN_ID', 'Value.$': '$.run' });
    // The emulator asks for inline maps only.
    const inline = renderAsl(ir, config({ ...BATCH, overrides: { wide: { map_width: 5000 } } }), OPTIONS, { distributedMaps: false });
    expect(JSON.stringify(inline.definition)).not.toContain('DISTRIBUTED');
  });
});

describe('asl names, pure nodes and limits', () => {
  it('keeps state names within 80 safe characters, hash-suffixed and stable', async () => {
    const long = 'a very long step name with spaces and ünïcødé that goes on and on past eighty characters';
    const ir = await pipeline(`dag:
  start_at: "${long}"
  steps:
    "${long}":
      type: stub
      next: "p: q"
    "p: q":
      type: parallel
      next: success
      branches:
        "b/1":
          start_at: s
          steps:
            s:
              type: stub
              next: success
            success:
              type: success
            fail:
              type: fail
    success:
      type: success
    fail:
      type: fail
`);
    const a = renderAsl(ir, config(BATCH), OPTIONS);
    const b = renderAsl(ir, config(BATCH), OPTIONS);
    expect(JSON.stringify(a.definition)).toBe(JSON.stringify(b.definition));
    const names = allStates(a.definition!.States).map(([n]) => n);
    expect(names.every((n) => [...n].length <= 80 && !/[\s:/]/.test(n))).toBe(true);
    // Unicode is allowed in state names; spaces are not, and the hash keeps the shortened name unique.
    expect(a.names.get(long)).toBe('a-very-long-step-name-with-spaces-and-ünïcødé-that-goes-on-and-on-past--126db2bf');
    // The leading stub has no container before it: a recorder Task runs first and records it.
    expect(a.definition!.StartAt).toBe('dagc.start');
    const start = a.definition!.States['dagc.start'] as TaskState;
    expect((start.Parameters.ContainerOverrides as { Command: string[] }).Command.slice(4)).toEqual(['1', long]);
    // The branch's unreachable fail node is left out (Step Functions refuses unreachable states).
    const parallel = Object.values(a.definition!.States).find((s): s is ParallelState => s.Type === 'Parallel')!;
    expect(Object.keys(parallel.Branches[0]!.States).map((n) => n.replace(/-[0-9a-f]{8}$/, ''))).toEqual(['p-q.b-1.s', 'p-q.b-1.success']);
  });

  it('refuses a definition over 1 MB and wraps it for CloudFormation on request', async () => {
    const steps = Array.from({ length: 1500 }, (_, i) => `    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${i === 1499 ? 'success' : `s${i + 1}`}\n`).join('');
    const ir = await pipeline(`dag:\n  start_at: s0\n  steps:\n${steps}    success:\n      type: success\n    fail:\n      type: fail\n`);
    const big = renderAsl(ir, config(BATCH), OPTIONS, { skipValidation: true });
    expect(JSON.stringify(big.definition).length).toBeGreaterThan(DEFINITION_LIMIT);
    expect(big.diagnostics.map((d) => d.code)).toContain('DAGC-ASL-TOO-LARGE');

    const small = await pipeline(LINEAR);
    const wrapped = emitAsl(small, config({ ...BATCH, overrides: { gpu: {} }, cloudformation: { name: 'etl' } }), OPTIONS);
    const body = wrapped.files[0]!.body as { Parameters: unknown; Resources: { StateMachine: { Type: string; Properties: Record<string, unknown> } } };
    expect(body.Resources.StateMachine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(body.Resources.StateMachine.Properties.StateMachineName).toBe('etl');
    expect(body.Resources.StateMachine.Properties.RoleArn).toEqual({ Ref: 'RoleArn' });
    expect((body.Resources.StateMachine.Properties.Definition as StateMachine).StartAt).toBe('train');
  });
});
