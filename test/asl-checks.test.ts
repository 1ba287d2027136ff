// What AWS would refuse at deployment, refused by `dagc compile --target asl` first: exit 2 with the config key's
// file:line:col (src/emit/asl/aws-rules.ts, emit-asl.ts). One case each, compiled through the CLI.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ARN_LIMIT, DEFINITION_LIMIT, definitionSize, jacksonPrettyBytes } from '../src/emit/asl/limits.js';

const PIPELINE = `dag:
  start_at: train
  steps:
    train:
      type: task
      command_type: shell
      command: echo hi
      next: success
    success: {type: success}
    fail: {type: fail}
`;

const STORES = `run_log_store:
  type: s3
  config: {bucket: dagc-runs, prefix: runs/}
catalog:
  type: s3
  config: {bucket: dagc-runs, prefix: catalog/}
`;

const BATCH = `executor:
  type: asl
  config:
    image: repo/dagc:1
    compute: batch
    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/dagc
    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/dagc:1
`;

const ECS = `executor:
  type: asl
  config:
    image: repo/dagc:1
    compute: ecs
    cluster: arn:aws:ecs:eu-west-1:123456789012:cluster/dagc
    task_definition: arn:aws:ecs:eu-west-1:123456789012:task-definition/dagc:1
    launch_type: FARGATE
    subnets: [subnet-1]
`;

const DB_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf:password::';
const TOKEN_PARAMETER = 'arn:aws:ssm:eu-west-1:123456789012:parameter/dagc/token';

const FULL_CFN = `    cloudformation:
      role: true
      logging: {level: ALL, include_execution_data: true, retention_days: 14}
      tracing: true
      tags: {team: data}
      schedule: {expression: "cron(0 6 * * ? *)", timezone: Europe/London}
      platform: FARGATE
      assign_public_ip: true
`;

const MAP_PIPELINE = `dag:
  start_at: fan
  steps:
    fan:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: work
        steps:
          work: {type: task, command_type: shell, command: echo hi, next: success}
          success: {type: success}
          fail: {type: fail}
      next: success
    success: {type: success}
    fail: {type: fail}
`;

async function compile(executor: string, extra = '', pipeline = PIPELINE) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-checks-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline);
  writeFileSync(path.join(dir, 'cfg.yaml'), executor + extra + STORES);
  return runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'cfg.yaml'], { cwd: dir });
}

describe('asl target: what AWS refuses is refused at compile time, at the key', () => {
  it('the base configs compile', async () => {
    expect((await compile(BATCH)).status).toBe(0);
    expect((await compile(ECS)).status).toBe(0);
  });

  it.each([['my pipeline'], ['etl:nightly']])('a state machine name with spaces or colons: %s', async (name) => {
    const r = await compile(BATCH, `    cloudformation: {name: "${name}"}\n`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('DAGC-ASL-MACHINE-NAME');
    expect(r.stderr).toMatch(/cfg\.yaml:8:\d+/);
  });

  it.each([['0.25'], ['0.5']])('vcpus %s on Batch (EC2 takes whole vCPUs)', async (vcpus) => {
    const r = await compile(BATCH, `    vcpus: ${vcpus}\n`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('DAGC-ASL-BATCH-VCPUS');
    expect(r.stderr).toContain('cfg.yaml:8:');
  });

  it('gpu with ECS on Fargate', async () => {
    const r = await compile(ECS, '    gpu: 1\n');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('DAGC-ASL-FARGATE-GPU');
    expect(r.stderr).toContain('cfg.yaml:10:');
  });

  describe('EC2-only settings on the Fargate job definitions dagc declares (platform: FARGATE)', () => {
    const FARGATE = BATCH.replace(/ {4}job_definition:.*\n/, '') + '    cloudformation: {platform: FARGATE}\n';

    it('a GPU', async () => {
      const r = await compile(FARGATE, '    gpu: 1\n');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('DAGC-ASL-FARGATE-GPU');
      expect(r.stderr).toContain('Batch on Fargate has no GPUs');
      expect(r.stderr).toContain('cfg.yaml:8:');
    });

    it('a vCPU and memory pair Fargate does not offer', async () => {
      const r = await compile(FARGATE, '    vcpus: 0.25\n    memory: 4096\n');
      expect(r.status).toBe(2);
      expect(r.stderr).toContain('DAGC-ASL-FARGATE-SIZE');
      expect(r.stderr).toContain('with 0.25 vCPU give memory one of 512, 1,024, 2,048 MiB');
      expect(r.stderr).toContain('cfg.yaml:8:');
      // Fargate's own sizes compile; the same 0.25 vCPU on an EC2 job definition does not.
      expect((await compile(FARGATE, '    vcpus: 0.25\n    memory: 2048\n')).status).toBe(0);
      expect((await compile(FARGATE, '    vcpus: 16\n    memory: 40960\n')).status).toBe(0);
      expect((await compile(BATCH, '    vcpus: 0.25\n    memory: 2048\n')).status).toBe(2);
    });
  });

  it('a CloudFormation template over 51,200 bytes: said at compile time, with the S3 deploy hint', async () => {
    const steps = Array.from({ length: 120 }, (_, i) => `    s${i}:\n      type: task\n      command_type: shell\n      command: echo ${i}\n      next: ${i === 119 ? 'success' : `s${i + 1}`}\n`).join('');
    const big = `dag:\n  start_at: s0\n  steps:\n${steps}    success: {type: success}\n    fail: {type: fail}\n`;
    const r = await compile(BATCH, '    cloudformation: true\n', big);
    // A warning, not an error: the same template deploys from S3 (up to 1 MB), as the hint says.
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('DAGC-ASL-TEMPLATE-SIZE');
    expect(r.stderr).toMatch(/pipeline\.yaml:1:1/);
    expect(r.stderr).toContain('--s3-bucket');
    expect(Buffer.byteLength(r.stdout, 'utf8')).toBeGreaterThan(51_200);
    // Without the wrapper there is no template to size.
    expect((await compile(BATCH, '', big)).stderr).not.toContain('DAGC-ASL-TEMPLATE-SIZE');
  });

  it('ECS overrides over 8,192 characters', async () => {
    const r = await compile(ECS, `    env: {BIG: "${'x'.repeat(8300)}"}\n`);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('DAGC-ASL-ECS-OVERRIDES');
    expect(r.stderr).toContain('cfg.yaml:10:');
    // Just under the limit compiles.
    expect((await compile(ECS, `    env: {BIG: "${'x'.repeat(6000)}"}\n`)).status).toBe(0);
  });

  // The quota and the ARN length dagc counts with, against AWS's own descriptions of them: botocore's model of the
  // Step Functions API (CreateStateMachine's definition, an ARN) and cfn-lint's copy of CloudFormation's resource
  // schema (AWS::StepFunctions::StateMachine's DefinitionString).
  it('counts with the quotas of the Step Functions API model and the CloudFormation resource schema', (ctx) => {
    const probe = spawnSync(
      'python3',
      [
        '-c',
        [
          'import json, botocore.loaders',
          'from cfnlint.schema import PROVIDER_SCHEMA_MANAGER as P',
          "m = botocore.loaders.Loader().load_service_model('stepfunctions', 'service-2')['shapes']",
          "s = P.get_resource_schema('us-east-1', 'AWS::StepFunctions::StateMachine').schema['properties']",
          "print(json.dumps([m['Definition']['max'], m['Arn']['max'], s['DefinitionString']['maxLength']]))",
        ].join('\n'),
      ],
      { encoding: 'utf8' },
    );
    if (probe.status !== 0) {
      console.warn('python3 with botocore and cfn-lint is not installed (pip install cfn-lint boto3): the quota check is skipped');
      ctx.skip();
    }
    const [definition, arn, definitionString] = JSON.parse(probe.stdout) as number[];
    expect(DEFINITION_LIMIT).toBe(definition);
    expect(DEFINITION_LIMIT).toBe(definitionString);
    expect(ARN_LIMIT).toBe(arn);
  });

  // A machine in the cloudformation: wrapper is the template's `Definition` object: CloudFormation writes it out with
  // Jackson's default pretty printer before Step Functions counts it. Recorded reference: the UTF-8 bytes of
  // `new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
  // .writerWithDefaultPrettyPrinter().writeValueAsString(map)` for these documents, read as a Map, with
  // jackson-databind 2.21.3 (it also matched on the 13 conformance goldens and on 1 MB parts of a split machine).
  it('counts a wrapped definition as CloudFormation writes it out (Jackson\'s pretty printer)', () => {
    const shapes = { b: [1, { x: [] }, []], a: {}, c: { d: 'e/\u00e9\n' }, f: 2.5, g: null, h: ['s'] };
    const machine = {
      StartAt: 'a',
      States: {
        a: {
          Type: 'Task',
          Resource: 'arn:aws:states:::batch:submitJob.sync',
          Parameters: { JobName: 'a', ContainerOverrides: { Command: ['dagc', 'exec', 'a'], Environment: [{ Name: 'X', 'Value.$': '$$.Execution.Name' }] } },
          Retry: [{ ErrorEquals: ['States.ALL'], MaxAttempts: 2, BackoffRate: 2 }],
          Catch: [{ ErrorEquals: ['States.ALL'], Next: 'f', ResultPath: null }],
          Next: 'p',
        },
        p: { Type: 'Parallel', Branches: [{ StartAt: 'q', States: { q: { Type: 'Pass', Result: { deep: [[{ k: [true, false, {}] }], []] }, End: true } } }], Next: 's' },
        s: { Type: 'Succeed' },
        f: { Type: 'Fail', Error: '漢字 ✓ "quoted" \t tab' },
      },
    };
    expect(jacksonPrettyBytes(shapes)).toBe(134);
    expect(jacksonPrettyBytes(machine)).toBe(1180);
  });

  it('the 1 MB quota is counted in UTF-8 bytes, not UTF-16 units', () => {
    // A three-byte character is one UTF-16 unit: 1,000 of them are 1,000 units and 3,000 bytes.
    const def = { Comment: '漢'.repeat(1000) };
    expect(JSON.stringify(def).length).toBe(1000 + 14);
    expect(definitionSize(def).compact).toBe(3000 + 14);
    // As written (what counts: limits.ts), never fewer.
    expect(definitionSize(def).written).toBeGreaterThan(3000 + 14);
  });

  it('a rendered CloudFormation template (state machine, job definitions, close rule) passes cfn-lint', { timeout: 900_000 }, async (ctx) => {
    const lint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (lint.status !== 0) {
      console.warn('cfn-lint is not installed (pip install cfn-lint): the template lint is skipped');
      ctx.skip();
    }
    type Template = { Parameters?: unknown; Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const linted_: Template[] = [];
    for (const [executor, extra, pipeline] of [
      [BATCH, '    cloudformation: {name: etl-nightly}\n'],
      [BATCH.replace(/ {4}job_definition:.*\n/, ''), '    cloudformation: {name: etl-registered, role_arn: "arn:aws:iam::123456789012:role/sfn"}\n'],
      [ECS, '    cloudformation: true\n'],
      // Every optional part: the declared roles, logging, X-Ray, tags, a schedule, Fargate job definitions.
      // Fargate sizes, which EC2 job definitions refuse (the vcpus check above), on the Fargate ones dagc declares.
      // With secrets, the declared job definitions run as the declared JobRole, which may read exactly those.
      [BATCH.replace(/ {4}job_definition:.*\n/, `    vcpus: 0.5\n    memory: 1024\n    secret_as_env: {DB: "${DB_SECRET}", TOKEN: "${TOKEN_PARAMETER}"}\n`), FULL_CFN],
      [ECS, '    cloudformation: {role: true, logging: true, tracing: true}\n'],
      [BATCH + '    map_width: 5000\n', '    cloudformation: {role: true, name: etl-wide}\n', MAP_PIPELINE],
    ] as const) {
      const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-cfn-'));
      writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline ?? PIPELINE);
      writeFileSync(path.join(dir, 'cfg.yaml'), executor + extra + STORES);
      const r = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'cfg.yaml', '-o', 'template.json'], { cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      const template = JSON.parse(readFileSync(path.join(dir, 'template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
      expect(template.Resources.CloseRule?.Type).toBe('AWS::Events::Rule');
      const linted = spawnSync('cfn-lint', ['--regions', 'eu-west-1', '--', path.join(dir, 'template.json')], { encoding: 'utf8' });
      expect(linted.stdout + linted.stderr).toBe('');
      expect(linted.status).toBe(0);
      linted_.push(template as unknown as Template);
    }
    // The declared roles hold what the definitions call (iam-policy.ts), and the optional parts are there.
    const [, , , full, ecs, wide] = linted_;
    const sids = (t: Template) => (t.Resources['StateMachineRole']!.Properties['Policies'] as { PolicyDocument: { Statement: { Sid: string }[] } }[])[0]!.PolicyDocument.Statement.map((x) => x.Sid);
    // Jobs submitted with the config's tags: the role may tag them (batch:TagResource on job/*).
    expect(sids(full!)).toEqual(['BatchJobs', 'BatchSubmit', 'BatchTagJobs', 'Logging', 'ScheduleStart', 'SyncEventsRule', 'Tracing']);
    const policy = (t: Template, id: string) => (t.Resources[id]!.Properties['Policies'] as { PolicyDocument: { Statement: { Sid: string; Action: string[]; Resource: unknown[] }[] } }[])[0]!.PolicyDocument.Statement;
    expect(policy(full!, 'StateMachineRole').find((x) => x.Sid === 'BatchTagJobs')).toMatchObject({ Action: ['batch:TagResource'], Resource: [{ 'Fn::Sub': 'arn:${AWS::Partition}:batch:${AWS::Region}:${AWS::AccountId}:job/*' }] });
    expect(policy(full!, 'JobRole')).toEqual([
      { Sid: 'ParametersRead', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: [TOKEN_PARAMETER] },
      { Sid: 'SecretsRead', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:db-AbCdEf'] },
    ]);
    expect((full!.Resources['JobRole']!.Properties['AssumeRolePolicyDocument'] as { Statement: { Principal: unknown }[] }).Statement[0]!.Principal).toEqual({ Service: ['ecs-tasks.amazonaws.com'] });
    // Every submit carries the tags (and propagates them to the job's ECS task).
    const submits = JSON.stringify(full!.Resources['StateMachine']!.Properties['Definition']).match(/"Tags":\{"team":"data"\},"PropagateTags":true/g) ?? [];
    expect(submits.length).toBeGreaterThan(0);
    expect(submits.length).toBe((JSON.stringify(full!.Resources['StateMachine']!.Properties['Definition']).match(/batch:submitJob/g) ?? []).length);
    expect(sids(ecs!)).toEqual(['EcsPassRole', 'EcsRunTask', 'EcsTasks', 'Logging', 'SyncEventsRule', 'Tracing']);
    expect(sids(wide!)).toEqual(['BatchJobs', 'BatchSubmit', 'MapExecutions', 'MapRedrive', 'MapStart', 'StoreReads', 'SyncEventsRule']);
    expect(Object.keys(full!.Resources).map((k) => k.replace(/^JobDefinition[0-9a-f]{12}$/, 'JobDefinition…')).sort()).toEqual(['CloseRule', 'CloseRuleRole', 'JobDefinition…', 'JobExecutionRole', 'JobRole', 'LogGroup', 'Schedule', 'StateMachine', 'StateMachineRole']);
    expect(full!.Parameters).toBeUndefined();
    const machine = full!.Resources['StateMachine']!.Properties;
    expect(machine['TracingConfiguration']).toEqual({ Enabled: true });
    expect(machine['LoggingConfiguration']).toMatchObject({ Level: 'ALL', IncludeExecutionData: true });
    expect(machine['Tags']).toEqual([{ Key: 'team', Value: 'data' }]);
    expect(full!.Resources['Schedule']!.Properties).toMatchObject({ ScheduleExpression: 'cron(0 6 * * ? *)', ScheduleExpressionTimezone: 'Europe/London', State: 'ENABLED' });
    const job = Object.values(full!.Resources).find((x) => x.Type === 'AWS::Batch::JobDefinition')!.Properties;
    expect(job).toMatchObject({ PlatformCapabilities: ['FARGATE'], Timeout: { AttemptDurationSeconds: 86400 }, Tags: { team: 'data' }, PropagateTags: true });
    expect((job['ContainerProperties'] as { JobRoleArn: unknown }).JobRoleArn).toEqual({ 'Fn::GetAtt': ['JobRole', 'Arn'] });
    expect((job['ContainerProperties'] as { ResourceRequirements: unknown }).ResourceRequirements).toEqual([{ Type: 'VCPU', Value: '0.5' }, { Type: 'MEMORY', Value: '1024' }]);
  });
});
