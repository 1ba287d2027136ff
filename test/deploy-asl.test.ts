// dagc deploy / submit / watch / runs list --target asl against moto_server on loopback (a real AWS-protocol
// server for Step Functions, EventBridge Scheduler, IAM and STS). What the server holds is read back through the
// SDK here, not through dagc; "no write" is shown by a recording proxy that sees every request dagc makes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { SFNClient, ListStateMachinesCommand, DescribeExecutionCommand, DescribeStateMachineCommand, DescribeStateMachineAliasCommand, ListExecutionsCommand, ListTagsForResourceCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { SchedulerClient, GetScheduleCommand, ListSchedulesCommand } from '@aws-sdk/client-scheduler';
import { IAMClient, GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { S3Client, CreateBucketCommand } from '@aws-sdk/client-s3';
import { CloudFormationClient, DescribeStackResourcesCommand, DescribeStacksCommand, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { runCli } from './helpers/cli.js';
import { chainPipeline } from '../fixtures/scale/scale-pipelines.mjs';
import { executionInput } from '../src/runtime/execution-input.js';
import { runIdOfExecutionName } from '../src/runtime/run-id.js';
import { BIN } from './helpers/paths.js';
import type { FaultProxy, MotoServer } from './helpers/moto-server.js';
import { motoOrSkipNotice, startFaultProxy, startMoto } from './helpers/moto-server.js';

const HAS = motoOrSkipNotice('dagc deploy --target asl against moto_server');
const ACCOUNT = '123456789012'; // moto's default account
const REGION = 'eu-west-1';
const MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:pipeline`;
const WRITES = /^(Create|Update|Delete|Tag|Untag|Put|Publish|Start|Stop)/;

const PIPELINE = (command: string) => `dag:
  start_at: hello
  steps:
    hello:
      type: task
      command_type: shell
      command: ${command}
      next: bye
    bye:
      type: task
      command_type: shell
      command: echo bye
      next: success
    success:
      type: success
    fail:
      type: fail
`;

let STORE = '';
const CONFIG = (deploy: string) => `executor:
  type: asl
  config:
    image: ${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/dagc:1
    compute: batch
    job_queue: arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/dagc
    job_definition: arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/dagc:1
run_log_store:
  type: s3
  config: {bucket: dagc-runs, prefix: runs/${STORE}}
catalog:
  type: s3
  config: {bucket: dagc-runs, prefix: catalog/${STORE}}
${deploy}`;

const WITH_SCHEDULE = `deploy:
  asl:
    alias: live
    tags: {team: data}
    schedule:
      expression: cron(0 6 * * ? *)
      timezone: Europe/London
`;
const WITHOUT_SCHEDULE = `deploy:
  asl:
    alias: live
    tags: {team: data}
`;

describe.runIf(HAS)('dagc deploy --target asl (moto_server)', () => {
  let moto: MotoServer;
  let dir: string;
  let sfn: SFNClient;
  let scheduler: SchedulerClient;
  let iam: IAMClient;
  let s3: S3Client;

  beforeAll(async () => {
    moto = await startMoto();
    STORE = `, endpoint_url: "${moto.endpoint}", force_path_style: true`;
    const cfg = { region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    sfn = new SFNClient(cfg);
    scheduler = new SchedulerClient(cfg);
    iam = new IAMClient(cfg);
    s3 = new S3Client({ ...cfg, forcePathStyle: true });
  });
  afterAll(async () => {
    sfn?.destroy();
    scheduler?.destroy();
    iam?.destroy();
    s3?.destroy();
    await moto?.close();
  });
  beforeEach(async () => {
    await moto.reset();
    dir = mkdtempSync(path.join(tmpdir(), 'dagc-deploy-asl-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE('echo hi'));
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(WITH_SCHEDULE));
    return () => rmSync(dir, { recursive: true, force: true });
  });

  const dagc = (args: string[], env: Record<string, string> = {}) => runCli(args, { cwd: dir, env: { ...moto.env, ...env } });
  const deploy = (...extra: string[]) => dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', ...extra]);
  const lines = (out: string) => out.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').trim());

  it('creates every resource, then deploying again changes nothing and writes nothing', async () => {
    const first = await deploy();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(lines(first.stdout)).toEqual([
      'created IAMRole dagc-pipeline',
      'created StateMachine pipeline',
      'created StateMachineVersion pipeline:1',
      'created StateMachineAlias pipeline:live → version 1',
      'created Schedule default/pipeline',
      '5 resources (5 created)',
    ]);

    // What the server holds: the definition dagc compile writes, tags, the alias on version 1, the schedule.
    const compiled = await dagc(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml']);
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE_ARN }));
    expect(JSON.parse(machine.definition!)).toEqual(JSON.parse(compiled.stdout));
    expect(machine.roleArn).toBe(`arn:aws:iam::${ACCOUNT}:role/dagc-pipeline`);
    const tags = await sfn.send(new ListTagsForResourceCommand({ resourceArn: MACHINE_ARN }));
    expect(Object.fromEntries(tags.tags!.map((t) => [t.key, t.value]))).toMatchObject({
      team: 'data',
      'dagc.dev/managed-by': 'dagc',
      'dagc.dev/pipeline': 'pipeline',
      'dagc.dev/dag-hash': expect.stringMatching(/^[0-9a-f]{40}$/),
    });
    const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${MACHINE_ARN}:live` }));
    expect(alias.routingConfiguration).toEqual([{ stateMachineVersionArn: `${MACHINE_ARN}:1`, weight: 100 }]);
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: 'pipeline', GroupName: 'default' }));
    expect(schedule.ScheduleExpression).toBe('cron(0 6 * * ? *)');
    expect(schedule.ScheduleExpressionTimezone).toBe('Europe/London');
    expect(schedule.Target?.Arn).toBe(`${MACHINE_ARN}:live`);
    const role = await iam.send(new GetRoleCommand({ RoleName: 'dagc-pipeline' }));
    expect(JSON.parse(decodeURIComponent(role.Role!.AssumeRolePolicyDocument!)).Statement[0].Principal.Service).toEqual(['scheduler.amazonaws.com', 'states.amazonaws.com']);
    // Its policy: what the definition calls (src/emit/asl/iam-policy.ts), with this account, region and machine.
    const policy = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: 'dagc-pipeline', PolicyName: 'dagc-state-machine' }))).PolicyDocument!)) as {
      Statement: { Sid: string; Resource: string[] }[];
    };
    expect(policy.Statement.map((x) => x.Sid)).toEqual(['BatchJobs', 'BatchSubmit', 'ScheduleStart', 'SyncEventsRule']);
    expect(policy.Statement.find((x) => x.Sid === 'BatchSubmit')!.Resource).toEqual([
      `arn:aws:batch:${REGION}:${ACCOUNT}:job-queue/dagc`,
      `arn:aws:batch:${REGION}:${ACCOUNT}:job-definition/dagc:1`,
    ]);
    expect(policy.Statement.find((x) => x.Sid === 'ScheduleStart')!.Resource).toEqual([MACHINE_ARN, `${MACHINE_ARN}:*`]);

    // Again, through a proxy that records every request: every resource unchanged, and only reads were made.
    const proxy = await startFaultProxy(moto.endpoint, () => undefined);
    try {
      const again = await dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], { AWS_ENDPOINT_URL: proxy.endpoint });
      expect(again.status).toBe(0);
      expect(lines(again.stdout)).toEqual([
        'unchanged IAMRole dagc-pipeline',
        'unchanged StateMachine pipeline',
        'unchanged StateMachineAlias pipeline:live → version 1',
        'unchanged Schedule default/pipeline',
        '4 resources (4 unchanged)',
      ]);
      expect(proxy.seen.length).toBeGreaterThan(5);
      expect(proxy.seen.filter((s) => WRITES.test(s.action))).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('--dry-run reports a change and makes none; deploying it updates the machine, publishes version 2 and moves the alias', async () => {
    expect((await deploy()).status).toBe(0);
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE('echo changed'));
    const before = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE_ARN }));

    const dry = await deploy('--dry-run', '--diff');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^updated +StateMachine +pipeline$/m);
    expect(dry.stdout).toMatch(/~ \/tags\/dagc\.dev~1dag-hash: "[0-9a-f]{40}" → "[0-9a-f]{40}"/);
    expect(dry.stdout).toMatch(/^dry run, nothing changed: /m);
    const after = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE_ARN }));
    expect(after.definition).toBe(before.definition);
    expect(after.revisionId ?? null).toBe(before.revisionId ?? null);

    const real = await deploy();
    expect(real.status).toBe(0);
    expect(lines(real.stdout)).toEqual([
      'unchanged IAMRole dagc-pipeline',
      'updated StateMachine pipeline',
      'created StateMachineVersion pipeline:2',
      'updated StateMachineAlias pipeline:live → version 2',
      'unchanged Schedule default/pipeline',
      '5 resources (2 unchanged, 2 updated, 1 created)',
    ]);
    const compiled = await dagc(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml']);
    const version2 = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `${MACHINE_ARN}:2` }));
    expect(JSON.parse(version2.definition!)).toEqual(JSON.parse(compiled.stdout));
    const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: `${MACHINE_ARN}:live` }));
    expect(alias.routingConfiguration).toEqual([{ stateMachineVersionArn: `${MACHINE_ARN}:2`, weight: 100 }]);
  });

  it('a schedule dropped from the config stays without --prune and is deleted with it', async () => {
    expect((await deploy()).status).toBe(0);
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(WITHOUT_SCHEDULE));
    const kept = await deploy();
    expect(kept.stdout).not.toMatch(/Schedule/);
    expect((await scheduler.send(new ListSchedulesCommand({ GroupName: 'default' }))).Schedules?.map((s) => s.Name)).toEqual(['pipeline']);

    const dry = await deploy('--prune', '--dry-run');
    expect(dry.stdout).toMatch(/^deleted +Schedule +default\/pipeline$/m);
    expect((await scheduler.send(new ListSchedulesCommand({ GroupName: 'default' }))).Schedules).toHaveLength(1);

    const pruned = await deploy('--prune');
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toMatch(/^deleted +Schedule +default\/pipeline$/m);
    expect((await scheduler.send(new ListSchedulesCommand({ GroupName: 'default' }))).Schedules ?? []).toEqual([]);
  });

  it('submit twice with the same run id starts one execution; runs list and watch follow it until it ends', async () => {
    expect((await deploy()).status).toBe(0);
    const submit = () => dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--run-id', 'nightly-1']);
    const one = await submit();
    expect(one.status).toBe(0);
    expect(one.stdout).toBe('nightly-1\n');
    expect(one.stderr).toMatch(/^started arn:aws:states:eu-west-1:123456789012:execution:pipeline:nightly-1$/m);
    const two = await submit();
    expect(two.status).toBe(0);
    expect(two.stderr).toMatch(/already running, nothing new started/);
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }));
    expect(executions.executions?.map((e) => e.name)).toEqual(['nightly-1']);

    const listed = await dagc(['runs', 'list', '--target', 'asl', 'pipeline.yaml', '-c', 'config.yaml', '--json']);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId: 'nightly-1', status: 'RUNNING' })]);

    // The run log of the same run id, in the same S3 store (here written by dagc run with a local executor, as
    // the jobs of the execution would write it): watch shows its step statuses next to the engine's view.
    await s3.send(new CreateBucketCommand({ Bucket: 'dagc-runs' }));
    writeFileSync(path.join(dir, 'local.yaml'), CONFIG('').replace(/executor:[^]*?(?=run_log_store:)/, 'executor:\n  type: local\n'));
    const local = await dagc(['run', 'pipeline.yaml', '-c', 'local.yaml', '--run-id', 'nightly-1']);
    expect(local.stderr).not.toMatch(/error/i);
    expect(local.status).toBe(0);
    // dagc logs reads a step's output from the catalog the run captured it in (here the same S3, on moto).
    const logs = await dagc(['logs', 'nightly-1', 'hello', '-c', 'local.yaml']);
    expect(logs.stderr).toBe('');
    expect(logs.stdout).toBe('==> hello attempt 1 (SUCCESS) <==\nhi\n');
    const engineLogs = await dagc(['logs', 'nightly-1', '--target', 'asl', '-f', 'pipeline.yaml', '-c', 'config.yaml']);
    expect(engineLogs.status).toBe(2);
    expect(engineLogs.stderr).toMatch(/Step Functions keeps no step output dagc can read[^]*hint: dagc logs nightly-1 -c CONFIG reads the output/);

    // watch follows the execution; the test ends it (StopExecution), and watch exits 1 as dagc run does for a failure.
    const child = spawn(process.execPath, [BIN, 'watch', 'nightly-1', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--interval', '0.2'], {
      cwd: dir,
      env: { ...process.env, ...moto.env },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    for (let i = 0; i < 100 && !out.includes('run nightly-1: RUNNING'); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain('run nightly-1: RUNNING');
    await sfn.send(new StopExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:pipeline:nightly-1` }));
    expect(await exited).toBe(1);
    expect(out).toMatch(/run nightly-1: RUNNING\n[^]*run nightly-1: ABORTED\n/);
    // The engine's view ("asl  …") above the run log's steps, drawn as dagc run draws them, then dagc run's summary.
    expect(out).toMatch(/^asl {2}run nightly-1: RUNNING$/m);
    expect(out).toMatch(/^✓ hello SUCCESS \(\d+\.\d\ds\)$/m);
    expect(out).toMatch(/^✓ bye SUCCESS \(\d+\.\d\ds\)$/m);
    expect(out).toMatch(/^run nightly-1 ABORTED on asl: 2 steps succeeded, 0 failed \(as the run log records them\)$/m);

    // A finished execution's name cannot start another run (Step Functions keeps names for 90 days).
    const three = await submit();
    expect(three.status).toBe(2);
    expect(three.stderr).toMatch(/run "nightly-1" already exists on pipeline \(ABORTED\)/);
  });

  it('an execution name the run-id rule refuses: submit prints the run id it maps to, runs list and watch find it by that id', async () => {
    expect((await deploy()).status).toBe(0);
    const NAME = 'nightly@2024-06-01';
    const RUN = runIdOfExecutionName(NAME);
    expect(RUN).not.toBe(NAME);
    const one = await dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--run-id', NAME]);
    expect(one.stderr).toMatch(new RegExp(`^started arn:aws:states:${REGION}:${ACCOUNT}:execution:pipeline:${NAME}$`, 'm'));
    expect(one.status).toBe(0);
    // stdout is the run log's id, for RUN=$(dagc submit …); dagc runs show $RUN reads it.
    expect(one.stdout).toBe(`${RUN}\n`);
    const executions = await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }));
    expect(executions.executions?.map((e) => e.name)).toEqual([NAME]);
    const listed = await dagc(['runs', 'list', '--target', 'asl', 'pipeline.yaml', '-c', 'config.yaml', '--json']);
    expect(listed.status, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId: RUN, execution: NAME, status: 'RUNNING' })]);
    // watch by the printed run id follows the execution named NAME.
    const child = spawn(process.execPath, [BIN, 'watch', RUN, 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--interval', '0.2'], { cwd: dir, env: { ...process.env, ...moto.env } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    for (let i = 0; i < 100 && !out.includes(`run ${RUN}: RUNNING`); i++) await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain(`run ${RUN}: RUNNING`);
    await sfn.send(new StopExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:pipeline:${NAME}` }));
    expect(await exited).toBe(1);
    expect(out).toContain(`run ${RUN}: ABORTED`);
    // A name Step Functions refuses is bad input before any request.
    const refused = await dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--run-id', 'nightly 1']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/"nightly 1" holds " ", which Step Functions refuses in an execution name/);
    const long = await dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--run-id', 'x'.repeat(81)]);
    expect(long.status).toBe(2);
    expect(long.stderr).toMatch(/is 81 characters: a Step Functions execution name has 1 to 80/);
  });

  it('submit -p and --use-cached send {parameters, use_cached} as the execution input, as the containers read it', async () => {
    expect((await deploy()).status).toBe(0);
    writeFileSync(path.join(dir, 'params.yaml'), 'lr: 0.1\nname: a b\nlayers: [1, 2]\n');
    const submit = () => dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '-p', 'params.yaml', '--use-cached', 'nightly-0', '--run-id', 'rerun-1']);
    const one = await submit();
    expect(one.stderr).toMatch(/^started /m);
    expect(one.status).toBe(0);
    // Same run id, same input: StartExecution's idempotency, nothing new.
    const two = await submit();
    expect(two.status).toBe(0);
    expect(two.stderr).toMatch(/already running, nothing new started/);
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: `arn:aws:states:${REGION}:${ACCOUNT}:execution:pipeline:rerun-1` }));
    expect(JSON.parse(execution.input!)).toEqual({ parameters: { lr: 0.1, name: 'a b', layers: [1, 2] }, use_cached: 'nightly-0' });
    // What the server holds, through the reader `dagc asl-task` applies to DAGC_ASL_INPUT in every job.
    expect(executionInput(execution.input)).toEqual({
      env: { DAGC_PRM_LR: '0.1', DAGC_PRM_NAME: '"a b"', DAGC_PRM_LAYERS: '[1,2]', DAGC_USE_CACHED: 'nightly-0' },
    });
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }))).executions?.map((e) => e.name)).toEqual(['rerun-1']);

    // A parameter name the containers would refuse is bad input here, before StartExecution.
    writeFileSync(path.join(dir, 'bad.yaml'), 'Learning-Rate: 1\n');
    const bad = await dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '-p', 'bad.yaml', '--run-id', 'bad-1']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/the execution input cannot carry these parameters: parameter "Learning-Rate" in the execution input: names are lower case letters, digits and "_"/);
    expect((await sfn.send(new ListExecutionsCommand({ stateMachineArn: MACHINE_ARN }))).executions?.map((e) => e.name)).toEqual(['rerun-1']);
  });

  it('a config-given role is used as is and the role dagc had generated is pruned by its tags', async () => {
    expect((await deploy()).status).toBe(0);
    const role = `arn:aws:iam::${ACCOUNT}:role/pipelines`;
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(`deploy:\n  asl:\n    role_arn: ${role}\n    tags: {team: data}\n`));
    const out = await deploy('--prune');
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^updated +StateMachine +pipeline$/m);
    expect(out.stdout).toMatch(/^deleted +Schedule +default\/pipeline$/m);
    expect(out.stdout).toMatch(/^deleted +IAMRole +dagc-pipeline$/m);
    expect((await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE_ARN }))).roleArn).toBe(role);
    await expect(iam.send(new GetRoleCommand({ RoleName: 'dagc-pipeline' }))).rejects.toThrow(/not found|cannot be found/i);
  });

  describe('the template path (the asl config\'s cloudformation:): a stack deployed by change set', () => {
    const CFN_CONFIG = (deploy: string) =>
      CONFIG(deploy).replace('    job_definition: ', '    cloudformation: {name: etl}\n    job_definition: ');
    const PARAMS = `deploy:\n  asl:\n    role_arn: arn:aws:iam::${ACCOUNT}:role/pipelines\n    tags: {team: data}\n    parameters: {CloseRuleRoleArn: "arn:aws:iam::${ACCOUNT}:role/close"}\n`;
    let cfn: CloudFormationClient;
    beforeAll(() => {
      cfn = new CloudFormationClient({ region: REGION, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    });
    afterAll(() => cfn?.destroy());
    const template = async () => JSON.parse((await cfn.send(new GetTemplateCommand({ StackName: 'pipeline' }))).TemplateBody!) as Record<string, unknown>;
    const compiled = async () => JSON.parse((await dagc(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'])).stdout) as Record<string, unknown>;

    it('creates the stack, then reports it unchanged without executing a change set; a changed step is one executed change set', async () => {
      writeFileSync(path.join(dir, 'config.yaml'), CFN_CONFIG(PARAMS));
      const dryFirst = await deploy('--dry-run');
      expect(dryFirst.status).toBe(0);
      expect(lines(dryFirst.stdout)[0]).toBe('created Stack pipeline');
      expect((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).toEqual([]);

      const first = await deploy();
      expect(first.stderr).toBe('');
      expect(first.status).toBe(0);
      expect(lines(first.stdout)).toEqual(['created Stack pipeline CREATE_COMPLETE', '1 resource (1 created)']);
      // The server holds the template dagc compile writes, with the parameters and tags deploy gave.
      expect(await template()).toEqual(await compiled());
      const stack = (await cfn.send(new DescribeStacksCommand({ StackName: 'pipeline' }))).Stacks![0]!;
      expect(stack.StackStatus).toBe('CREATE_COMPLETE');
      expect(Object.fromEntries(stack.Parameters!.map((p) => [p.ParameterKey, p.ParameterValue]))).toEqual({
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/pipelines`,
        CloseRuleRoleArn: `arn:aws:iam::${ACCOUNT}:role/close`,
      });
      expect(Object.fromEntries(stack.Tags!.map((t) => [t.Key, t.Value]))).toMatchObject({ team: 'data', 'dagc.dev/managed-by': 'dagc', 'dagc.dev/pipeline': 'pipeline' });

      // Again, through a proxy that records every request: CloudFormation finds no change; nothing is executed.
      const proxy = await startFaultProxy(moto.endpoint, () => undefined);
      try {
        const again = await dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], { AWS_ENDPOINT_URL: proxy.endpoint });
        expect(again.stderr).toBe('');
        expect(again.status).toBe(0);
        expect(lines(again.stdout)).toEqual(['unchanged Stack pipeline CREATE_COMPLETE', '1 resource (1 unchanged)']);
        const actions = proxy.seen.map((x) => x.action);
        expect(actions).toContain('CreateChangeSet');
        expect(actions.filter((a) => /^(ExecuteChangeSet|UpdateStack|CreateStack|DeleteStack)$/.test(a))).toEqual([]);
      } finally {
        await proxy.close();
      }

      // submit, runs list and watch find the machine through the stack's StateMachineArn output.
      const submitted = await dagc(['submit', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '--run-id', 'stack-1']);
      expect(submitted.stderr).toMatch(new RegExp(`^started arn:aws:states:${REGION}:${ACCOUNT}:execution:etl:stack-1$`, 'm'));
      expect(submitted.status).toBe(0);

      writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE('echo changed'));
      const before = await template();
      const dry = await deploy('--dry-run', '--diff');
      expect(dry.status).toBe(0);
      expect(dry.stdout).toMatch(/^updated +Stack +pipeline$/m);
      expect(dry.stdout).toMatch(/\/Resources\/StateMachine/);
      expect(await template()).toEqual(before);
      const real = await deploy();
      expect(real.status).toBe(0);
      expect(lines(real.stdout)).toEqual(['updated Stack pipeline UPDATE_COMPLETE', '1 resource (1 updated)']);
      const after = await template();
      expect(after).not.toEqual(before);
      expect(after).toEqual(await compiled());
      expect((await cfn.send(new DescribeStacksCommand({ StackName: 'pipeline' }))).Stacks![0]!.StackStatus).toBe('UPDATE_COMPLETE');
    });

    it('role: true: the stack declares the roles (no parameters to give), and the machine runs as its own role', async () => {
      writeFileSync(
        path.join(dir, 'config.yaml'),
        CONFIG('deploy:\n  asl:\n    tags: {team: data}\n').replace('    job_definition: ', '    cloudformation: {name: etl, role: true, logging: true, tracing: true, tags: {team: data}}\n    job_definition: '),
      );
      const out = await deploy();
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(lines(out.stdout)[0]).toBe('created Stack pipeline CREATE_COMPLETE');
      const resources = (await cfn.send(new DescribeStackResourcesCommand({ StackName: 'pipeline' }))).StackResources!;
      const byId = Object.fromEntries(resources.map((r) => [r.LogicalResourceId, r]));
      expect(Object.keys(byId).sort()).toEqual(['CloseRule', 'CloseRuleRole', 'LogGroup', 'StateMachine', 'StateMachineRole']);
      const roleName = byId['StateMachineRole']!.PhysicalResourceId!;
      const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:etl` }));
      expect(machine.roleArn).toBe((await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.Arn);
      // The policy CloudFormation made of the template's Fn::Sub: this account, region and machine. (moto keeps an
      // inline policy a stack created as Python's repr of the document: single quotes, which no value here holds.)
      const doc = (text: string) => JSON.parse(decodeURIComponent(text).replace(/'/g, '"')) as { Statement: { Sid: string; Resource: string[] }[] };
      const closeRole = byId['CloseRuleRole']!.PhysicalResourceId!;
      const close = doc((await iam.send(new GetRolePolicyCommand({ RoleName: closeRole, PolicyName: 'dagc' }))).PolicyDocument!);
      expect(close.Statement[0]!.Resource).toEqual([`arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:etl`]);
      const policy = doc((await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'dagc' }))).PolicyDocument!);
      // The config's tags go on every Batch job too (SubmitJob Tags), which needs batch:TagResource on jobs.
      expect(policy.Statement.map((x) => x.Sid)).toEqual(['BatchJobs', 'BatchSubmit', 'BatchTagJobs', 'Logging', 'SyncEventsRule', 'Tracing']);
      expect(policy.Statement.find((x) => x.Sid === 'BatchTagJobs')!.Resource).toEqual([`arn:aws:batch:${REGION}:${ACCOUNT}:job/*`]);
      expect(policy.Statement.find((x) => x.Sid === 'SyncEventsRule')!.Resource).toEqual([`arn:aws:events:${REGION}:${ACCOUNT}:rule/StepFunctionsGetEventsForBatchJobsRule`]);
    });

    it('a template parameter without a value is bad input (exit 2) naming it, before any change set', async () => {
      writeFileSync(path.join(dir, 'config.yaml'), CFN_CONFIG(`deploy:\n  asl:\n    role_arn: arn:aws:iam::${ACCOUNT}:role/pipelines\n`));
      const out = await deploy();
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/the CloudFormation template of pipeline needs a value for CloseRuleRoleArn\nhint: give them in the config: deploy: \{asl: \{parameters: \{CloseRuleRoleArn: …\}\}\}/);
      expect((await cfn.send(new DescribeStacksCommand({}))).Stacks ?? []).toEqual([]);
    });
  });

  // The parent alone would start parts that do not exist: a split machine is deployed from its stack, with
  // aws cloudformation package (which uploads the definitions), and dagc says so before touching anything.
  it('refuses a machine split into child machines (exit 2), with the commands that deploy its stack, and creates nothing', async () => {
    writeFileSync(path.join(dir, 'pipeline.yaml'), chainPipeline({ steps: 30, shell: true }));
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(WITHOUT_SCHEDULE).replace('    compute: batch\n', '    compute: batch\n    limits: {definition_bytes: 16384, history_events: 200}\n'));
    const out = await deploy();
    expect(out.status, out.stderr).toBe(2);
    expect(out.stderr).toMatch(/the state machine is split into \d+ child machines \(over a Step Functions quota\), which dagc deploy does not deploy yet/);
    expect(out.stderr).toMatch(/aws cloudformation package --template-file FOLDER\/pipeline\.stack\.json --s3-bucket BUCKET/);
    expect((await sfn.send(new ListStateMachinesCommand({}))).stateMachines ?? []).toEqual([]);
  });

  it('reports bad deploy settings at their line and column (exit 2) before reaching AWS', async () => {
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(`deploy:\n  asl:\n    schedule:\n      expresion: cron(0 6 * * ? *)\n      timezone: London time\n`));
    const out = await deploy();
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/config\.yaml:\d+:\d+.*unknown key "expresion"/);
    expect(out.stderr).toMatch(/did you mean "expression"/);
    expect(out.stderr).toMatch(/timezone: "London time" is not valid/);
  });

  describe('faults', () => {
    let proxy: FaultProxy | undefined;
    beforeEach(() => async () => {
      await proxy?.close();
      proxy = undefined;
    });

    it('a throttled API is retried with backoff and the deploy goes through', async () => {
      proxy = await startFaultProxy(moto.endpoint, (action, n) =>
        action === 'DescribeStateMachine' && n <= 2 ? { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' } : undefined,
      );
      const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], { AWS_ENDPOINT_URL: proxy.endpoint });
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(/^created +StateMachine +pipeline$/m);
      // Two throttled answers, then the retry that got through (moto's 400 for a machine that does not exist yet).
      const answers = proxy.seen.filter((s) => s.action === 'DescribeStateMachine').map((s) => s.status);
      expect(answers.slice(0, 2)).toEqual([400, 400]);
      expect(answers.length).toBeGreaterThanOrEqual(3);
    });

    it('throttling that outlasts the retries is exit 1, with the attempts, and lists what was already done', async () => {
      proxy = await startFaultProxy(moto.endpoint, (action) => (action === 'CreateStateMachineAlias' ? { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' } : undefined));
      const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], { AWS_ENDPOINT_URL: proxy.endpoint, DAGC_AWS_MAX_ATTEMPTS: '3' });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/AWS throttled CreateStateMachineAlias pipeline:live and was still throttling after 3 attempts with backoff \(ThrottlingException\)/);
      expect(out.stderr).toMatch(/already done before this failure:\n +created +IAMRole dagc-pipeline\n +created +StateMachine pipeline\n +created +StateMachineVersion pipeline:1\n/);
      expect(proxy.seen.filter((s) => s.action === 'CreateStateMachineAlias')).toHaveLength(3);
    });

    it('expired credentials are exit 1 with what to do', async () => {
      proxy = await startFaultProxy(moto.endpoint, () => ({ status: 403, type: 'ExpiredToken', message: 'The security token included in the request is expired' }));
      const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], { AWS_ENDPOINT_URL: proxy.endpoint, AWS_SESSION_TOKEN: 'old' });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/AWS refused GetCallerIdentity: the credentials have expired/);
      expect(out.stderr).toMatch(/hint: refresh them/);
      expect(out.stderr).not.toMatch(/testing|old/);
    });

    it('no credentials at all is bad input (exit 2)', async () => {
      const out = await runCli(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], {
        cwd: dir,
        env: {
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_SESSION_TOKEN: undefined,
          AWS_PROFILE: undefined,
          AWS_REGION: REGION,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'none'),
          AWS_CONFIG_FILE: path.join(dir, 'none'),
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_CONTAINER_CREDENTIALS_FULL_URI: undefined,
          AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: undefined,
          AWS_WEB_IDENTITY_TOKEN_FILE: undefined,
        },
      });
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/dagc deploy: no AWS credentials were found\nhint: set AWS_ACCESS_KEY_ID/);
    });

    it('an unreachable endpoint is exit 1', async () => {
      const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml'], { AWS_ENDPOINT_URL: 'http://127.0.0.1:9', DAGC_AWS_MAX_ATTEMPTS: '1' });
      expect(out.stderr).toMatch(/cannot reach AWS for GetCallerIdentity \(ECONNREFUSED\)/);
      expect(out.status).toBe(1);
    });
  });

  it('keeps the definition dagc compile writes (same bytes as the compiled file)', async () => {
    expect((await deploy()).status).toBe(0);
    const file = path.join(dir, 'sm.json');
    expect((await dagc(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '-o', 'sm.json'])).status).toBe(0);
    const machine = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: MACHINE_ARN }));
    // Compiled to a file in the same folder, the relative paths inside are the same, so the bytes are too.
    expect(machine.definition).toBe(readFileSync(file, 'utf8'));
  });
});
