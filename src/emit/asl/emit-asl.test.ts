// The asl emitter on pipelines loaded by the real front end: config errors, per-node overrides, Batch and
// ECS tasks, retries, maps (inline and distributed), names, limits, the CloudFormation wrapper.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DagcConfig } from '../../config/types.js';
import { DEFAULT_SECTIONS } from '../../config/types.js';
import type { Pipeline } from '../../ir/types.js';
import { loadPipeline } from '../../front-end/load-pipeline.js';
import { mapCountKey, mapShapeHash } from '../../services/run-log/s3.js';
import type { EmitOptions } from '../types.js';
import type { MapState, ParallelState, PassState, State, StateMachine, TaskState } from './asl-types.js';
import { STACK_RESOURCE_LIMIT, emitAsl, renderAsl } from './emit-asl.js';
import { EMULATION_BUCKET, emulationConfig } from './emulation-config.js';
import { ARN_LIMIT, DEFINITION_LIMIT, HISTORY_LIMIT, estimateHistory, writtenDefinition } from './limits.js';
import { aslErrors } from './validate-asl.js';
import { cloudFormationDefinitionBytes } from './cloudformation.js';
import { chainPipeline, mapPipeline, parallelPipeline } from '../../../fixtures/scale/scale-pipelines.mjs';

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

/** The pipeline's own states: the one branch of the dagc.run Parallel the machine wraps them in. */
function inner(def: StateMachine): StateMachine {
  const run = def.States['dagc.run'] as ParallelState;
  return run.Branches[0]!;
}

/** The pipeline's states of the rendered machine (the wrapper is tested on its own). */
function definition(ir: Pipeline, cfg: DagcConfig): StateMachine {
  const out = renderAsl(ir, cfg, OPTIONS);
  expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return inner(out.definition!);
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

  it('refuses secret values, unknown overrides, bad types and unknown keys (with a guess)', async () => {
    const ir = await pipeline(LINEAR);
    const out = renderAsl(ir, config({ ...BATCH, secret_as_env: { TOKEN: 'hunter2' }, vcpu: 2, memory: 'lots' }), OPTIONS);
    expect(out.diagnostics.map((d) => [d.severity, d.message, d.hint])).toEqual([
      ['error', 'the asl executor config: unknown key "vcpu"', 'did you mean "vcpus"?'],
      [
        'error',
        'the asl executor config: secret_as_env "TOKEN" must be the ARN of a Secrets Manager secret or an SSM parameter',
        'secrets are given by reference (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME, or arn:aws:ssm:REGION:ACCOUNT:parameter/NAME), never by value',
      ],
      ['error', 'the asl executor config: "memory" must be a whole number of at least 1, got "lots"', undefined],
    ]);
    expect(JSON.stringify(out)).not.toContain('hunter2"'.replace('"', '",'));
    const unknown = renderAsl(ir, config(BATCH), OPTIONS);
    expect(unknown.diagnostics.map((d) => d.message)).toEqual([
      'node "train" asks for the override "gpu", which the asl executor config does not define',
    ]);
  });

  it('needs an s3 run log store outside emulation', async () => {
    const ir = await pipeline(LINEAR);
    const cfg = { ...config({ ...BATCH, overrides: { gpu: {} } }), run_log_store: DEFAULT_SECTIONS.run_log_store };
    expect(renderAsl(ir, cfg, OPTIONS).diagnostics.map((d) => d.code)).toEqual(['DAGC-ASL-STORE']);
    // Emulation fills in the store as config: a placeholder bucket, whose reads the emulator answers locally.
    const emulated = emulationConfig(cfg);
    expect(emulated.run_log_store).toEqual({ type: 's3', config: { bucket: EMULATION_BUCKET } });
    expect(renderAsl(ir, emulated, OPTIONS).diagnostics).toEqual([]);
  });
});

describe('asl tasks', () => {
  it('runs one attempt per container with Retry (backoff, max delay, jitter) and Catch, secrets by reference', async () => {
    const ir = await pipeline(LINEAR);
    const cfg = config({
      ...BATCH,
      retry: { interval_seconds: 5, backoff_rate: 3, max_delay_seconds: 60, jitter: true },
      secret_as_env: { TOKEN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:tok-AbCdEf' },
      env: { MODE: 'prod', LEVEL: 2 },
      overrides: { gpu: { vcpus: 4, memory: 16384, gpu: 1, timeout_seconds: 7200 } },
    });
    const def = definition(ir, cfg);
    // retry: 3 wraps the Task in a Parallel that holds the user's retrier (build-states.ts retriedTask).
    const wrapper = def.States.train as ParallelState;
    expect(wrapper.Type).toBe('Parallel');
    const branch = wrapper.Branches[0]!.States;
    const train = branch['train.attempt'] as TaskState;
    expect(train.Resource).toBe('arn:aws:states:::batch:submitJob.sync');
    // The attempt's Task has the infrastructure retrier only; a failed job goes to the exit-code Choice.
    expect(train.Retry).toEqual([
      { ErrorEquals: ['Batch.AWSBatchException', 'Batch.ServerException', 'ECS.AmazonECSException', 'ECS.ServerException'], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' },
    ]);
    expect(train.Catch).toEqual([{ ErrorEquals: ['States.TaskFailed'], ResultPath: '$.dagcError', Next: 'train.exit-code' }]);
    // Only exit 1 raises the error the user's retry (retry: 3 → 2 retries, with its backoff) matches.
    expect(branch['train.exit-code']).toMatchObject({ Type: 'Choice', Default: 'train.failed', Choices: [{ Next: 'train.again' }] });
    expect(JSON.stringify(branch['train.exit-code'])).toContain('*\\"ExitCode\\":1,*');
    expect(branch['train.again']).toMatchObject({ Type: 'Fail', Error: 'dagc.AttemptFailed' });
    expect(branch['train.failed']).toMatchObject({ Type: 'Fail', ErrorPath: '$.dagcError.Error', CausePath: '$.dagcError.Cause' });
    expect(wrapper.Retry).toEqual([{ ErrorEquals: ['dagc.AttemptFailed'], IntervalSeconds: 5, MaxAttempts: 2, BackoffRate: 3, MaxDelaySeconds: 60, JitterStrategy: 'FULL' }]);
    // Infrastructure errors and timeouts leave the pipeline (to dagc.close); a failed job follows on_failure.
    // (through train.abort, which names the step in the cause: build-states.ts noteAbort)
    expect(wrapper.Catch).toEqual([
      { ErrorEquals: ['Batch.AWSBatchException', 'Batch.ServerException', 'ECS.AmazonECSException', 'ECS.ServerException', 'States.Timeout'], ResultPath: '$.dagcError', Next: 'train.abort' },
      { ErrorEquals: ['States.ALL'], ResultPath: null, Next: 'fail' },
    ]);
    expect(def.States['train.abort']).toMatchObject({ Type: 'Pass', Parameters: { step: Buffer.from('train').toString('base64url'), 'error.$': '$.dagcError' }, Next: 'dagc.cause' });
    expect(def.States['dagc.cause']).toMatchObject({ Type: 'Pass', ResultPath: '$.dagcError', Next: 'dagc.abort' });
    // A host lost (Spot) is Batch's to retry, inside one submit; every other end of the job is final there.
    expect(train.Parameters.RetryStrategy).toEqual({ Attempts: 3, EvaluateOnExit: [{ OnStatusReason: 'Host EC2*', Action: 'RETRY' }, { OnStatusReason: '*', Action: 'EXIT' }] });
    expect(train.TimeoutSeconds).toBe(7200);
    expect(train.ResultPath).toBeNull();
    const overrides = (train.Parameters.ContainerOverrides ?? {}) as { Command: string[]; Environment: unknown[]; ResourceRequirements: unknown[] };
    // One attempt per container (up to 3), then the chain its outcome leads to (src/cli/asl-task.ts).
    expect(overrides.Command).toEqual(['dagc', 'asl-task', '-f', 'pipeline.yaml', '-c', 'config.yaml', '--', 'task', 'train', '3', '1', 'success', '1', 'fail']);
    expect(overrides.Environment).toEqual([
      { Name: 'DAGC_ASL_RUN_ID', 'Value.$': '$$.Execution.Name' },
      { Name: 'DAGC_ASL_INPUT', 'Value.$': 'States.JsonToString($$.Execution.Input)' },
      { Name: 'LEVEL', Value: '2' },
      { Name: 'MODE', Value: 'prod' },
    ]);
    // Secrets stay in the config file the job reads: not even their ARNs are in the definition.
    expect(JSON.stringify(def)).not.toContain('secretsmanager');
    expect(overrides.ResourceRequirements).toEqual([
      { Type: 'VCPU', Value: '4' },
      { Type: 'MEMORY', Value: '16384' },
      { Type: 'GPU', Value: '1' },
    ]);
    expect(def.States.success).toEqual({ Type: 'Succeed', Comment: 'success: success' });
    expect(def.States.fail).toMatchObject({ Type: 'Fail', Error: 'dagc.PipelineFailed' });
  });

  it('takes secret_as_env as ARNs (the jobs fetch them), or as variable names with env-secrets-manager', async () => {
    const ir = await pipeline(LINEAR);
    const arns = {
      A: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::',
      B: 'arn:aws:ssm:eu-west-1:123456789012:parameter/team/token',
    };
    const ok = renderAsl(ir, config({ ...BATCH, secret_as_env: arns, overrides: { gpu: {} } }), OPTIONS);
    expect(ok.diagnostics).toEqual([]);
    expect(ok.config?.global.secretAsEnv).toEqual(Object.entries(arns));
    const withEnv = { ...config({ ...BATCH, secret_as_env: { A: 'DB_PASSWORD' }, overrides: { gpu: {} } }), secrets: { type: 'env-secrets-manager', config: {} } };
    expect(renderAsl(ir, withEnv, OPTIONS).diagnostics).toEqual([]);
    const old = renderAsl(ir, config({ ...BATCH, secrets: arns, env: { A: 'x' }, secret_as_env: { A: arns.B, DAGC_MAP_INDEX: arns.B }, overrides: { gpu: {} } }), OPTIONS);
    expect(old.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ['DAGC-ASL-SECRETS-KEY', 'the asl executor config: "secrets" is not an asl key: secrets go in "secret_as_env" ({ENV_VAR: ARN}), which each job\'s entrypoint fetches'],
      ['DAGC-ASL-CONFIG', 'the asl executor config: "A" is in both env and secret_as_env'],
      ['DAGC-ASL-CONFIG', 'the asl executor config: secret_as_env name "DAGC_MAP_INDEX" is set by dagc itself'],
    ]);
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
    // train has retry: 3: its Task is the attempt inside the retrying Parallel.
    const train = (definition(ir, cfg).States.train as ParallelState).Branches[0]!.States['train.attempt'] as TaskState;
    expect(train.Resource).toBe('arn:aws:states:::ecs:runTask.sync');
    // ECS has no retry strategy of its own: no RetryStrategy in a RunTask.
    expect(train.Parameters.RetryStrategy).toBeUndefined();
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
    // The execution input travels in the item (asl-task reads parameters and use_cached from it).
    expect(outer.ItemSelector).toEqual({ 'idx.$': "States.Format('{}', $$.Map.Item.Value)", 'input.$': '$$.Execution.Input' });
    expect(outer.MaxConcurrency).toBe(4);
    const inner = outer.ItemProcessor.States['outer.map_variable_placeholder.inner'] as MapState;
    expect(inner.ItemSelector).toEqual({ 'idx.$': "States.Format('{},{}', $.idx, $$.Map.Item.Value)", 'input.$': '$.input' });
    expect(inner.MaxConcurrency).toBe(2);
    expect(inner.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'INLINE' });
    // Every path the definition reads from the payload is one of dagc's own small fields.
    const paths = JSON.stringify(def).match(/(?<!\$)\$\.[A-Za-z_.]+/g) ?? [];
    expect([...new Set(paths)].sort()).toEqual([
      '$.Body',
      '$.dagc',
      '$.dagc.items',
      '$.dagc.map.count',
      '$.dagcError',
      '$.dagcError.Cause',
      '$.dagcError.Error',
      '$.dagcStep',
      '$.dagcStep.error',
      '$.dagcStep.error.Error',
      '$.dagcStep.index',
      '$.dagcStep.step',
      '$.idx',
      '$.input',
    ]);
  });

  it('becomes a Distributed Map reading the indices from S3 when declared wider than 1,000 items', async () => {
    const ir = await pipeline(NESTED_MAPS);
    const def = definition(ir, config({ ...BATCH, overrides: { wide: { map_width: 5000 } } }));
    const inner = (def.States.outer as MapState).ItemProcessor.States['outer.map_variable_placeholder.inner'] as MapState;
    expect(inner.ItemProcessor.ProcessorConfig).toEqual({ Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' });
    expect(inner.ItemReader?.Resource).toBe('arn:aws:states:::s3:getObject');
    expect(String(inner.ItemReader?.Parameters['Key.$'])).toContain('/map-indices/');
    // Child executions have names of their own: the run id travels in the payload instead.
    expect(inner.ItemSelector).toEqual({ 'idx.$': "States.Format('{},{}', $.idx, $$.Map.Item.Value)", 'run.$': '$$.Execution.Name', 'input.$': '$.input' });
    const work = inner.ItemProcessor.States['outer.map_variable_placeholder.inner.map_variable_placeholder.work'] as TaskState;
    const env = (work.Parameters.ContainerOverrides as { Environment: unknown[] }).Environment;
    expect(env[0]).toEqual({ Name: 'DAGC_ASL_RUN_ID', 'Value.$': '$.run' });
    // The emulator asks for inline maps only.
    const inline = renderAsl(ir, config({ ...BATCH, overrides: { wide: { map_width: 5000 } } }), OPTIONS, { distributedMaps: false });
    expect(JSON.stringify(inline.definition)).not.toContain('DISTRIBUTED');
  });
});

describe('asl names, pure nodes and limits', () => {
  // A pipeline of stubs has no Task in its own states, so nothing leads to the root's abort note: rendering it
  // anyway made asl-validator refuse every such pipeline (MISSING_TRANSITION_TARGET: dagc.cause is not reachable).
  it('renders a pipeline of stubs alone without the abort states only a task reaches', async () => {
    const ir = await pipeline('dag:\n  start_at: a\n  steps:\n    a: {type: stub, next: b}\n    b: {type: stub, next: success}\n    success: {type: success}\n    fail: {type: fail}\n');
    const states = definition(ir, config(BATCH)).States;
    expect(Object.keys(states)).not.toContain('dagc.cause');
    expect(Object.keys(states)).not.toContain('dagc.abort');
    const withTask = await pipeline('dag:\n  start_at: a\n  steps:\n    a: {type: task, command_type: shell, command: "true", next: success}\n    success: {type: success}\n    fail: {type: fail}\n');
    expect(Object.keys(definition(withTask, config(BATCH)).States)).toEqual(expect.arrayContaining(['dagc.cause', 'dagc.abort']));
  });

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
    expect(inner(a.definition!).StartAt).toBe('dagc.start');
    const start = inner(a.definition!).States['dagc.start'] as TaskState;
    expect((start.Parameters.ContainerOverrides as { Command: string[] }).Command.slice(-3)).toEqual(['start', '1', long]);
    // The branch's unreachable fail node is left out (Step Functions refuses unreachable states).
    const parallel = Object.values(inner(a.definition!).States).find((s): s is ParallelState => s.Type === 'Parallel')!;
    expect(Object.keys(parallel.Branches[0]!.States).map((n) => n.replace(/-[0-9a-f]{8}$/, ''))).toEqual(['p-q.b-1.s', 'p-q.b-1.success']);
  });

  it('splits a definition over 1 MB into parts under it, and wraps it for CloudFormation on request', async () => {
    const steps = Array.from({ length: 2500 }, (_, i) => `    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${i === 2499 ? 'success' : `s${i + 1}`}\n`).join('');
    const ir = await pipeline(`dag:\n  start_at: s0\n  steps:\n${steps}    success:\n      type: success\n    fail:\n      type: fail\n`);
    const big = renderAsl(ir, config(BATCH), OPTIONS, { skipValidation: true });
    // Whole, the 2,500 steps are over the quota: the parent and every part are under it (split.ts).
    const parts = big.parts ?? [];
    expect(parts.length).toBeGreaterThan(1);
    expect(JSON.stringify(parts.map((p) => p.States)).length).toBeGreaterThan(DEFINITION_LIMIT);
    for (const machine of [big.definition, ...parts]) expect(JSON.stringify(machine).length).toBeLessThanOrEqual(DEFINITION_LIMIT);
    expect(big.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);

    const small = await pipeline(LINEAR);
    const wrapped = emitAsl(small, config({ ...BATCH, overrides: { gpu: {} }, cloudformation: { name: 'etl' } }), OPTIONS);
    const body = wrapped.files[0]!.body as { Parameters: unknown; Resources: { StateMachine: { Type: string; Properties: Record<string, unknown> } } };
    expect(body.Resources.StateMachine.Type).toBe('AWS::StepFunctions::StateMachine');
    expect(body.Resources.StateMachine.Properties.StateMachineName).toBe('etl');
    expect(body.Resources.StateMachine.Properties.RoleArn).toEqual({ Ref: 'RoleArn' });
    expect(inner(body.Resources.StateMachine.Properties.Definition as StateMachine).StartAt).toBe('train');
  });

  // A limit diagnostic points at the step responsible: here a wide parallel after four small steps, not the first.
  it('points a split part over the limits at its largest state\'s step, and names it', async () => {
    const small = Array.from({ length: 4 }, (_, i) => `    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${i === 3 ? 'fan' : `s${i + 1}`}\n`).join('');
    const branch = `          start_at: t\n          steps:\n            t:\n              type: task\n              command_type: shell\n              command: "true"\n              next: success\n            success:\n              type: success\n            fail:\n              type: fail\n`;
    const branches = Array.from({ length: 60 }, (_, i) => `        b${i}:\n${branch}`).join('');
    const yaml = `dag:\n  start_at: s0\n  steps:\n${small}    fan:\n      type: parallel\n      next: success\n      branches:\n${branches}    success:\n      type: success\n    fail:\n      type: fail\n`;
    const lineOf = (key: string) => yaml.split('\n').indexOf(`    ${key}:`) + 1;
    const ir = await pipeline(yaml);
    const out = renderAsl(ir, config({ ...BATCH, limits: { definition_bytes: 16384, history_events: 200 } }), OPTIONS, { skipValidation: true });
    expect(out.parts?.length).toBeGreaterThan(1);
    const over = out.diagnostics.filter((d) => d.code === 'DAGC-ASL-OVER-LIMIT');
    expect(lineOf('fan')).not.toBe(lineOf('s0'));
    expect(over).toHaveLength(2);
    for (const d of over) {
      expect(d.file).toBe(ir.root.nodes[0]!.source.file);
      expect([d.start.line, d.start.column]).toEqual([lineOf('fan'), 5]);
      expect(d.pointer).toBe('/dag/steps/fan');
    }
    // The part holding fan's Parallel (its branches in child machines, two to a part) is over both limits because of it.
    expect(over.map((d) => d.message.replace(/\d[\d,]*/g, 'N'))).toEqual([
      'part N is N bytes even split (its largest state, step "fan", is N bytes), over executor.config.limits.definition_bytes (N); Step Functions accepts it',
      'part N may write N history events even split (its largest state, step "fan", may write N), over executor.config.limits.history_events (N); Step Functions accepts it',
    ]);
  });
});

describe('the stack of a split machine', () => {
  // Each definition beside the stack, named by a local path `aws cloudformation package` uploads; CloudFormation
  // declares at most 500 resources in a template, one per machine here.
  it('names each definition file and warns from 500 machines on', async () => {
    const ir = await pipeline(chainPipeline({ steps: 12 }));
    const small = renderAsl(ir, config({ ...BATCH, limits: { definition_bytes: 16384, history_events: 20 } }), OPTIONS, { skipValidation: true });
    expect(small.parts?.length).toBeGreaterThan(1);
    expect(small.diagnostics.filter((d) => d.code === 'DAGC-ASL-STACK-RESOURCES')).toEqual([]);
    const files = emitAsl(ir, config({ ...BATCH, limits: { definition_bytes: 16384, history_events: 20 } }), OPTIONS).files;
    const stack = files.find((f) => f.path === 'p.stack.json')!.body as { Resources: Record<string, { Properties: { DefinitionS3Location: string } }> };
    expect(Object.values(stack.Resources).map((r) => r.Properties.DefinitionS3Location).sort()).toEqual(files.filter((f) => f !== files.find((g) => g.path === 'p.stack.json')).map((f) => f.path).sort());
    const wide = await pipeline(chainPipeline({ steps: 520 }));
    const many = renderAsl(wide, config({ ...BATCH, limits: { definition_bytes: 16384, history_events: 4 } }), OPTIONS, { skipValidation: true });
    expect(many.parts!.length).toBeGreaterThanOrEqual(STACK_RESOURCE_LIMIT);
    const warned = many.diagnostics.filter((d) => d.code === 'DAGC-ASL-STACK-RESOURCES');
    expect(warned.map((d) => [d.severity, d.start.line])).toEqual([['warning', wide.root.nodes[0]!.source.start.line]]);
  });
});

describe('definitions sized as written', () => {
  // The quota counts the text as deployed: dagc deploy sends the file's text, and the stack's DefinitionS3Location
  // has CloudFormation read each file from S3 and refuse one over the quota (its StepFunctions resource handler,
  // DefinitionProcessor.fetchS3Definition). A part's text is made from each state's layout, kept when the split
  // measured it (split.ts): the oracle is prettier's JSON layout of the whole part, which serialise.ts's writer
  // reproduces (json-text.test.ts).
  it('writes each part under the limit as written, in the text prettier lays it out as', async () => {
    const prettier = await import('prettier/standalone');
    const babel = await import('prettier/plugins/babel');
    const estree = await import('prettier/plugins/estree');
    const ir = await pipeline(chainPipeline({ steps: 60, shell: true, failAt: 30, handler: true }));
    const limit = 16384;
    const files = emitAsl(ir, config({ ...BATCH, limits: { definition_bytes: limit, history_events: 25_000 } }), OPTIONS).files;
    const parts = files.filter((f) => /\.part-\d+\.asl\.json$/.test(f.path));
    expect(parts.length).toBeGreaterThan(3);
    for (const f of [files[0]!, ...parts]) {
      const text = (f as { text?: string }).text;
      expect(text, f.path).toBeDefined();
      expect(text, f.path).toBe(await prettier.format(JSON.stringify(f.body), { parser: 'json', plugins: [babel, estree] }));
      if (f !== files[0]) expect(Buffer.byteLength(text!, 'utf8'), f.path).toBeLessThanOrEqual(limit);
    }
    // Minified, the same parts would have fit in fewer: the limit is what binds, as written.
    const minified = parts.reduce((n, f) => n + Buffer.byteLength(JSON.stringify(f.body), 'utf8'), 0);
    expect(minified).toBeLessThan((parts.length - 1) * limit);
  });

  it('splits a machine that fits minified but not as written', async () => {
    const ir = await pipeline(chainPipeline({ steps: 12, shell: true }));
    const whole = emitAsl(ir, config(BATCH), OPTIONS).files[0]!;
    const written = Buffer.byteLength((whole as { text?: string }).text!, 'utf8');
    const minified = Buffer.byteLength(JSON.stringify(whole.body), 'utf8');
    expect(written).toBeGreaterThan(minified);
    // A limit between the two sizes: the machine is split.
    const limit = Math.floor((written + minified) / 2);
    const out = renderAsl(ir, config({ ...BATCH, limits: { definition_bytes: limit, history_events: 25_000 } }), OPTIONS, { skipValidation: true });
    expect(out.parts?.length).toBeGreaterThan(1);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });
});

describe('a parent over a limit, split in turn', () => {
  const deployed = (f: { body: unknown; text?: string }) => {
    const text = f.text ?? JSON.stringify(f.body);
    return Buffer.byteLength(text, 'utf8') + ARN_LIMIT * [...text.matchAll(/\$\{dagcPart\d+\}/g)].length;
  };
  const starts = (body: unknown) => [...JSON.stringify(body).matchAll(/\$\{dagcPart(\d+)\}/g)].map((m) => Number(m[1]));
  type Machine = { path: string; body: StateMachine; text?: string };
  /** Every part is started by one machine, once, and only by a machine made after it (numbered higher, or the
   * parent): the stack's order deploys what each one starts before it. */
  const expectStartedOnceByLater = (machines: Machine[]): void => {
    const started = machines.flatMap((f) => starts(f.body));
    expect([...started].sort((a, b) => a - b)).toEqual(Array.from({ length: machines.length - 1 }, (_, i) => i + 1));
    for (const f of machines.slice(1)) {
      const k = Number(/\.part-(\d+)\.asl\.json$/.exec(f.path)![1]);
      for (const s of starts(f.body)) expect(s).toBeLessThan(k);
    }
  };
  /** The machines written, each checked to be under `bytes` (deployed) and `events`; no diagnostic. */
  const machinesUnder = (out: ReturnType<typeof emitAsl>, bytes: number, events: number): Machine[] => {
    expect(out.diagnostics).toEqual([]);
    const machines = out.files.filter((f) => f.path.endsWith('.asl.json')) as Machine[];
    for (const f of machines) {
      expect(deployed(f), f.path).toBeLessThanOrEqual(bytes);
      expect(estimateHistory(f.body, { mapWidth: 10 }).events, f.path).toBeLessThanOrEqual(events);
    }
    return machines;
  };

  // 200 shell steps at 16 KiB and 200 events: ~70 parts, whose parent (a start, a route and an entry per part, each
  // start an ARN once deployed) is over both limits; before, it was written over them, with a warning.
  it('writes every machine under the limits, each part started once, each level routing by its own key', async () => {
    const ir = await pipeline(chainPipeline({ steps: 200, shell: true, failAt: 120, handler: true }));
    const machines = machinesUnder(emitAsl(ir, config({ ...BATCH, limits: { definition_bytes: 16384, history_events: 200 } }), OPTIONS), 16384, 200);
    for (const f of machines) expect(aslErrors(structuredClone(f.body)), f.path).toEqual([]);
    expectStartedOnceByLater(machines);
    // Three levels of parents here: the keys dagc_route, dagc_route2 and dagc_route3, the top one's last.
    const keys = (body: unknown) => [...new Set([...JSON.stringify(body).matchAll(/"\$\.(dagc_route\d*)/g)].map((m) => m[1]!))].sort();
    expect(keys(machines[0]!.body)).toEqual(['dagc_route3']);
    expect(new Set(machines.slice(1).map((f) => keys(f.body).join(' ')))).toEqual(new Set(['dagc_route', 'dagc_route dagc_route2', 'dagc_route2 dagc_route3']));
  });

  // Two branches of 1,600 shell steps: each branch over the quotas alone (~4 MB, ~50,000 events), so each is
  // split in turn at the real quotas, its machine (started by the Parallel) starting the branch's parts.
  it('splits a branch too long for one part, at the quotas: its machine starts its parts, numbered before it', async () => {
    const ir = await pipeline(parallelPipeline({ branches: 2, perBranch: 1600, shell: true }));
    const machines = machinesUnder(emitAsl(ir, config(BATCH), OPTIONS), DEFINITION_LIMIT, HISTORY_LIMIT);
    const parts = machines.length - 1;
    const started = machines.flatMap((f) => starts(f.body));
    expect([...started].sort((a, b) => a - b)).toEqual(Array.from({ length: parts }, (_, i) => i + 1));
    const startedBy = new Map<number, number>();
    for (const f of machines.slice(1)) {
      const k = Number(/\.part-(\d+)\.asl\.json$/.exec(f.path)![1]);
      for (const s of starts(f.body)) {
        expect(s).toBeLessThan(k);
        startedBy.set(s, k);
      }
    }
    // The parent starts the two branch machines; each of those starts the parts of its branch, routing by a key
    // of its own; every step's job is in exactly one part.
    const branchMachines = starts(machines[0]!.body);
    expect(branchMachines).toHaveLength(2);
    for (const b of branchMachines) {
      const body = machines.find((f) => f.path.endsWith(`.part-${b}.asl.json`))!.body;
      expect(JSON.stringify(body)).toContain('"$.dagc_route2.exit"');
      expect([...startedBy.values()].filter((k) => k === b).length).toBeGreaterThan(1);
    }
    const jobs = machines.flatMap((f) => Object.keys(f.body.States).filter((n) => /^fan\.b\d\.t\d+$/.test(n)));
    expect(jobs.length).toBe(3200);
    expect(new Set(jobs).size).toBe(3200);
  });

  // 1,000 branches of 2 shell steps: a part per branch would make a Parallel of 1,000 starts, over the quota
  // itself (~1.3 MB once deployed). The branches are packed in order, as many to a part as fit, each part a
  // Parallel of them.
  it('packs the branches of a parallel node too wide for a part per branch, at the quotas', async () => {
    const ir = await pipeline(parallelPipeline({ branches: 1000, perBranch: 2, shell: true }));
    const machines = machinesUnder(emitAsl(ir, config(BATCH), OPTIONS), DEFINITION_LIMIT, HISTORY_LIMIT);
    expect(machines.length).toBeLessThan(20);
    const parallelOf = (m: StateMachine) => m.States['dagc.branches'] as { Type: string; Branches: StateMachine[] } | undefined;
    const packed = machines.slice(1).map((f) => parallelOf(f.body)).filter((p) => p !== undefined);
    expect(packed.every((p) => p.Type === 'Parallel' && p.Branches.length > 1)).toBe(true);
    // Every branch once, in order across the parts.
    const firsts = packed.flatMap((p) => p.Branches.map((b) => b.StartAt));
    expect(firsts).toEqual(Array.from({ length: 1000 }, (_, b) => `fan.b${b}.t0`));
  });

  // A map whose item is 1,600 shell steps: the item, over both quotas alone, runs as a child machine started by
  // each iteration, split in turn; the Map's item processor is the Pass that gives it the run's context, and the
  // Task that starts it.
  it('runs a map\'s item too long for one part as a child machine, split in turn, at the quotas', async () => {
    const ir = await pipeline(mapPipeline({ perItem: 1600 }));
    const machines = machinesUnder(emitAsl(ir, config(BATCH), OPTIONS), DEFINITION_LIMIT, HISTORY_LIMIT);
    const map = JSON.stringify(machines[0]!.body);
    const [item] = starts(machines[0]!.body);
    expect(map).toContain(`"dagc.part-${item}.context"`);
    expect(map).toContain('"$$.Execution.Name"');
    // The item's machine starts its parts; together they hold every step's state once.
    expect(starts(machines.find((f) => f.path.endsWith(`.part-${item}.asl.json`))!.body).length).toBeGreaterThan(1);
    const jobs = machines.flatMap((f) => Object.keys(f.body.States).filter((n) => /^items\.[^.]+\.t\d+$/.test(n)));
    expect(new Set(jobs).size).toBe(1600);
    expect(jobs.length).toBe(1600);
  });

  // 2 branches of 200 steps at 16 KiB and 200 events: each branch's machine starts ~70 parts, over both limits
  // itself, and is split in turn like the run's parent (parts of parts, each level its own key).
  it('splits a branch\'s machine over a limit in turn, each part started once, by a machine made after it', async () => {
    const ir = await pipeline(parallelPipeline({ branches: 2, perBranch: 200, shell: true }));
    const machines = machinesUnder(emitAsl(ir, config({ ...BATCH, limits: { definition_bytes: 16384, history_events: 200 } }), OPTIONS), 16384, 200);
    expectStartedOnceByLater(machines);
    const keyed = (key: string) => machines.filter((f) => JSON.stringify(f.body).includes(`"$.${key}.exit"`)).length;
    expect(keyed('dagc_route2')).toBeGreaterThan(1);
    expect(keyed('dagc_route3')).toBeGreaterThan(1);
  });

  // Parts so small that a part of parts holds no more than one part's start and route: splitting the parent again
  // makes it no smaller. It is left as it is, and said, as before.
  it('leaves a parent that splitting makes no smaller as it is, and says so', async () => {
    const ir = await pipeline(chainPipeline({ steps: 40, shell: true }));
    const out = renderAsl(ir, config({ ...BATCH, limits: { definition_bytes: 6144, history_events: 25_000 } }), OPTIONS, { skipValidation: true });
    expect(out.parts?.length).toBeGreaterThan(1);
    expect(out.diagnostics.map((d) => d.message).join('\n')).toMatch(/the parent machine is [\d,]+ bytes even split, over executor\.config\.limits\.definition_bytes/);
  });
});

describe('a wrapped definition sized as CloudFormation passes it on', () => {
  // In the cloudformation: wrapper the definition is the template's Definition object, which CloudFormation writes
  // out with Jackson's pretty printer (arrays on one line): that text, not dagc's layout, is what must fit.
  it('is split (and refused in the wrapper) by that size, not by the written one', async () => {
    const limit = 16384;
    let found = false;
    for (let steps = 2; steps <= 40 && !found; steps++) {
      const ir = await pipeline(chainPipeline({ steps, shell: true }));
      const def = renderAsl(ir, config(BATCH), OPTIONS, { skipValidation: true }).definition!;
      const written = writtenDefinition(def).bytes;
      const jackson = cloudFormationDefinitionBytes(def, {});
      if (!(jackson <= limit && limit < written)) continue;
      found = true;
      const limits = { definition_bytes: limit, history_events: 25_000 };
      expect(renderAsl(ir, config({ ...BATCH, limits }), OPTIONS, { skipValidation: true }).parts?.length).toBeGreaterThan(0);
      const wrapped = renderAsl(ir, config({ ...BATCH, limits, cloudformation: { name: 'etl' } }), OPTIONS, { skipValidation: true });
      expect(wrapped.parts).toBeUndefined();
      expect(wrapped.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    }
    expect(found).toBe(true);
  });
});

describe('per-node images', () => {
  const TWO_IMAGES = `dag:
  start_at: prep
  steps:
    prep:
      type: task
      command_type: shell
      command: echo prep
      next: train
    train:
      type: task
      command_type: shell
      command: echo train
      overrides:
        asl: gpu
      next: score
    score:
      type: task
      command_type: shell
      command: echo score
      overrides:
        asl: own
      next: success
    success:
      type: success
    fail:
      type: fail
`;
  const overrides = {
    gpu: { image: 'repo/gpu:1', gpu: 1, vcpus: 8 },
    own: { image: 'repo/score:2', job_definition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/score:4' },
  };
  const jobDefinitionOf = (def: StateMachine, state: string) => (inner(def).States[state] as TaskState).Parameters.JobDefinition;

  it('is an error without the CloudFormation wrapper when the node names no job or task definition of its own', async () => {
    const ir = await pipeline(TWO_IMAGES);
    const out = renderAsl(ir, config({ ...BATCH, overrides }), OPTIONS);
    expect(out.definition).toBeUndefined();
    expect(out.diagnostics.map((d) => [d.code, d.severity, d.message, d.hint, d.start?.line])).toEqual([
      [
        'DAGC-ASL-IMAGE-OVERRIDE',
        'error',
        'the asl settings of node "train": image "repo/gpu:1" differs from the executor\'s, but Batch runs the image of the job definition and the node names none of its own',
        'set job_definition (a job definition with that image) in the same override, or turn on cloudformation: {…} in the asl config to have dagc declare one per image',
        9,
      ],
    ]);
    const ecs = {
      image: 'repo/dagc:1',
      compute: 'ecs',
      cluster: 'arn:aws:ecs:eu-west-1:123456789012:cluster/c',
      task_definition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/dagc:3',
      subnets: ['subnet-1'],
      cloudformation: true,
      overrides: { gpu: { image: 'repo/gpu:1' }, own: { image: 'repo/score:2', task_definition: 'arn:aws:ecs:eu-west-1:123456789012:task-definition/score:1' } },
    };
    expect(renderAsl(ir, config(ecs), OPTIONS).diagnostics.map((d) => [d.code, d.hint])).toEqual([
      ['DAGC-ASL-IMAGE-OVERRIDE', 'set task_definition (a task definition with that image) in the same override'],
    ]);
  });

  it('declares one AWS::Batch::JobDefinition per image without one in the CloudFormation template, named through DefinitionSubstitutions', async () => {
    const ir = await pipeline(TWO_IMAGES);
    const roles = { job_role_arn: 'arn:aws:iam::123456789012:role/job', execution_role_arn: 'arn:aws:iam::123456789012:role/exec' };
    const cfg = config({ ...BATCH, job_definition: undefined, memory: 4096, ...roles, overrides, cloudformation: { role_arn: 'arn:aws:iam::123456789012:role/sfn' } });
    const out = emitAsl(ir, cfg, OPTIONS);
    expect(out.diagnostics).toEqual([]);
    const body = out.files[0]!.body as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const def = body.Resources.StateMachine!.Properties.Definition as StateMachine;
    const declared = Object.entries(body.Resources).filter(([, r]) => r.Type === 'AWS::Batch::JobDefinition');
    const container = (image: string) => ({
      Type: 'container',
      ContainerProperties: {
        Image: image,
        ResourceRequirements: [
          { Type: 'VCPU', Value: '1' },
          { Type: 'MEMORY', Value: '4096' },
        ],
        JobRoleArn: roles.job_role_arn,
        ExecutionRoleArn: roles.execution_role_arn,
      },
      // The executor's task timeout (the pipeline's max_time here), as the job's own.
      Timeout: { AttemptDurationSeconds: 86400 },
    });
    // The executor's image (no job_definition given) and the gpu override's; "own" brings its own definition.
    expect(declared.map(([, r]) => r.Properties).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual([container('repo/dagc:1'), container('repo/gpu:1')]);
    const idOf = (image: string) => declared.find(([, r]) => (r.Properties.ContainerProperties as { Image: string }).Image === image)![0];
    expect(idOf('repo/gpu:1')).toMatch(/^JobDefinition[0-9a-f]{12}$/);
    expect(jobDefinitionOf(def, 'prep')).toBe(`\${${idOf('repo/dagc:1')}}`);
    expect(jobDefinitionOf(def, 'train')).toBe(`\${${idOf('repo/gpu:1')}}`);
    expect(body.Resources.StateMachine!.Properties.DefinitionSubstitutions).toEqual(
      Object.fromEntries(declared.map(([id]) => [id, { Ref: id }]).sort(([a], [b]) => String(a).localeCompare(String(b)))),
    );
    expect(jobDefinitionOf(def, 'score')).toBe(overrides.own.job_definition);
    // The node's own resources still go in its submit.
    expect((inner(def).States.train as TaskState).Parameters.ContainerOverrides).toMatchObject({ ResourceRequirements: [{ Type: 'VCPU', Value: '8' }, { Type: 'MEMORY', Value: '4096' }, { Type: 'GPU', Value: '1' }] });
    expect(Object.keys(body.Resources)).toEqual([...declared.map(([id]) => id).sort(), 'StateMachine', 'CloseRule']);
    // Stable bytes, and a definition asl-validator accepts (the placeholders are plain strings).
    expect(JSON.stringify(emitAsl(ir, cfg, OPTIONS).files[0]!.body)).toBe(JSON.stringify(body));
  });

  it('needs job_definition without the wrapper, and keeps a configured one for the executor image with it', async () => {
    const ir = await pipeline(TWO_IMAGES);
    const plain = renderAsl(ir, config({ ...BATCH, job_definition: undefined, overrides }), OPTIONS);
    expect(plain.diagnostics.map((d) => d.message)).toEqual(['the asl executor config: missing required key "job_definition" (compute: batch)']);
    const out = emitAsl(ir, config({ ...BATCH, overrides, cloudformation: true }), OPTIONS);
    const body = out.files[0]!.body as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const def = body.Resources.StateMachine!.Properties.Definition as StateMachine;
    expect(jobDefinitionOf(def, 'prep')).toBe(BATCH.job_definition);
    expect(Object.values(body.Resources).filter((r) => r.Type === 'AWS::Batch::JobDefinition').map((r) => r.Properties)).toEqual([
      { Type: 'container', ContainerProperties: { Image: 'repo/gpu:1', ResourceRequirements: [{ Type: 'VCPU', Value: '1' }, { Type: 'MEMORY', Value: '2048' }] }, Timeout: { AttemptDurationSeconds: 86400 } },
    ]);
  });
});
