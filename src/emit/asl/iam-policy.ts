// The least-privilege policy of a state machine's role, read from the definition itself: what its Task and Map
// states call is what the role may do. One model for both ways dagc deploys a role: the CloudFormation template's
// AWS::IAM::Role (cloudformation.ts, `cloudformation: {role: true}`: ARNs as Fn::Sub, declared job definitions as
// Refs) and `dagc deploy`'s IAM calls (src/deploy/aws/role.ts: ARNs with the account, region and partition).
// The statements follow the Step Functions developer guide:
//   Batch .sync   https://docs.aws.amazon.com/step-functions/latest/dg/batch-iam.html — batch:SubmitJob on the job
//                 queue and job definitions; batch:DescribeJobs and batch:TerminateJob (no resource-level
//                 permissions: "*"); events:PutTargets/PutRule/DescribeRule on the managed rule
//                 StepFunctionsGetEventsForBatchJobsRule. A submit with Tags also needs batch:TagResource on the
//                 job (Service Authorization Reference, "Actions, resources, and condition keys for AWS Batch":
//                 SubmitJob authorizes batch:SubmitJob and, with tags, batch:TagResource; resource job/*)
//   ECS .sync     https://docs.aws.amazon.com/step-functions/latest/dg/ecs-iam.html — ecs:RunTask on the task
//                 definition; ecs:StopTask and ecs:DescribeTasks; events:* as above on
//                 StepFunctionsGetEventsForECSTaskRule; iam:PassRole of the task's roles to ecs-tasks.amazonaws.com
//   Distributed Map https://docs.aws.amazon.com/step-functions/latest/dg/iam-policies-eg-dist-map.html —
//                 states:StartExecution on the state machine, states:DescribeExecution/StopExecution on its
//                 child executions (execution:NAME/*), states:RedriveExecution on its map runs (mapRun:NAME/*:*),
//                 s3:GetObject on what the ItemReader reads
//   S3 reads      arn:aws:states:::s3:getObject / aws-sdk:s3:getObject: s3:GetObject on the keys' fixed prefix
//   logging       https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html — the logs:*LogDelivery,
//                 PutResourcePolicy, DescribeResourcePolicies and DescribeLogGroups actions, on "*" (as the guide
//                 says: they do not support resource-level permissions)
//   X-Ray         https://docs.aws.amazon.com/step-functions/latest/dg/xray-iam.html — xray:PutTraceSegments,
//                 PutTelemetryRecords, GetSamplingRules, GetSamplingTargets on "*"
// Secrets are not the state machine's: the jobs fetch them with their own role (build-states.ts). With role: true
// the template declares that role for the job definitions it declares (jobRolePolicy, cloudformation.ts JobRole):
//   Secrets Manager https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_iam-policies.html
//                 secretsmanager:GetSecretValue on each secret's ARN (a JSON key, version stage or id after the
//                 ARN, as ECS's valueFrom takes them, is dropped; an ARN without its 6-character suffix gets
//                 "-??????", the guide's wildcard for it)
//   SSM           https://docs.aws.amazon.com/systems-manager/latest/userguide/sysman-paramstore-access.html
//                 ssm:GetParameter and ssm:GetParameters on each parameter's ARN
//   (a customer-managed KMS key of a secret also needs kms:Decrypt, which the ARN does not say: not granted)
import type { Json } from './asl-types.js';

/** A policy resource: an ARN (with `${AWS::Partition}`, `${AWS::Region}`, `${AWS::AccountId}` and
 * `${MachineName}` to fill in), or a CloudFormation Ref (a job definition the template declares). */
export type PolicyResource = string | { readonly Ref: string };

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: readonly PolicyResource[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface RoleOptions {
  readonly logging?: boolean;
  readonly tracing?: boolean;
  /** EventBridge Scheduler assumes the role to start executions (of the machine or its aliases). */
  readonly schedule?: boolean;
}

const REGION_ACCOUNT = '${AWS::Partition}:%s:${AWS::Region}:${AWS::AccountId}';
const arn = (service: string, rest: string) => `arn:${REGION_ACCOUNT.replace('%s', service)}:${rest}`;
/** `${LogicalId}` placeholders of job definitions the template declares (DefinitionSubstitutions). */
const PLACEHOLDER = /^\$\{([A-Za-z0-9]+)\}$/;

interface Found {
  jobQueues: Set<string>;
  jobDefinitions: Set<string>;
  refs: Set<string>;
  taskDefinitions: Set<string>;
  clusters: Set<string>;
  batch: boolean;
  ecs: boolean;
  distributed: boolean;
  /** A Batch submit carries Tags. */
  batchTags: boolean;
  s3: Set<string>;
}

/** The literal start of a States.Format key: the fixed prefix every key it makes begins with. */
function keyPrefix(params: Record<string, unknown>): string | undefined {
  if (typeof params['Key'] === 'string') return params['Key'];
  const dynamic = params['Key.$'];
  if (typeof dynamic !== 'string') return undefined;
  const m = /^States\.Format\('((?:[^'\\{]|\\.)*)/.exec(dynamic);
  return m ? m[1]!.replace(/\\(.)/g, '$1') : '';
}

function walkStates(states: Record<string, unknown>, found: Found): void {
  for (const state of Object.values(states)) {
    const s = state as Record<string, unknown>;
    const params = (s['Parameters'] ?? {}) as Record<string, unknown>;
    const resource = typeof s['Resource'] === 'string' ? s['Resource'] : '';
    if (resource.startsWith('arn:aws:states:::batch:submitJob')) {
      found.batch = true;
      if (params['Tags'] !== undefined) found.batchTags = true;
      for (const [k, set] of [['JobQueue', found.jobQueues], ['JobDefinition', found.jobDefinitions]] as const) {
        const v = params[k];
        if (typeof v !== 'string') continue;
        const ref = PLACEHOLDER.exec(v);
        if (ref) found.refs.add(ref[1]!);
        else set.add(v);
      }
    } else if (resource.startsWith('arn:aws:states:::ecs:runTask')) {
      found.ecs = true;
      if (typeof params['TaskDefinition'] === 'string') found.taskDefinitions.add(params['TaskDefinition']);
      if (typeof params['Cluster'] === 'string') found.clusters.add(params['Cluster']);
    } else if (/^arn:aws:states:::(aws-sdk:)?s3:getObject$/.test(resource) && typeof params['Bucket'] === 'string') {
      found.s3.add(`${params['Bucket']}/${keyPrefix(params) ?? ''}`);
    }
    const reader = s['ItemReader'] as { Resource?: string; Parameters?: Record<string, unknown> } | undefined;
    if (reader?.Parameters && typeof reader.Parameters['Bucket'] === 'string') found.s3.add(`${reader.Parameters['Bucket']}/${keyPrefix(reader.Parameters) ?? ''}`);
    const processor = (s['ItemProcessor'] ?? s['Iterator']) as { ProcessorConfig?: { Mode?: string }; States?: Record<string, unknown> } | undefined;
    if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') found.distributed = true;
    if (processor?.States) walkStates(processor.States, found);
    for (const branch of (s['Branches'] ?? []) as { States?: Record<string, unknown> }[]) if (branch.States) walkStates(branch.States, found);
  }
}

/** ECS's task definition parameter may be a family, family:revision or an ARN; RunTask is authorised on the ARN. */
function taskDefinitionArn(v: string): string {
  if (v.startsWith('arn:')) return v.replace(/:\d+$/, ':*');
  return arn('ecs', `task-definition/${v.split(':')[0]}:*`);
}

/** The statements of the role a state machine with this definition runs as, sorted by Sid. */
export function stateMachinePolicy(definition: unknown, opts: RoleOptions = {}): PolicyStatement[] {
  const found: Found = { jobQueues: new Set(), jobDefinitions: new Set(), refs: new Set(), taskDefinitions: new Set(), clusters: new Set(), batch: false, ecs: false, distributed: false, batchTags: false, s3: new Set() };
  walkStates(((definition ?? {}) as { States?: Record<string, unknown> }).States ?? {}, found);
  const out: PolicyStatement[] = [];
  const sorted = (s: Set<string>) => [...s].sort();
  if (found.batch) {
    out.push({
      Sid: 'BatchSubmit',
      Effect: 'Allow',
      Action: ['batch:SubmitJob'],
      // A job definition given by name or name:revision is authorised as job-definition/NAME:*.
      Resource: [
        ...sorted(found.jobQueues),
        ...sorted(found.jobDefinitions).map((d) => (d.startsWith('arn:') ? d : arn('batch', `job-definition/${d.split(':')[0]}:*`))),
        ...sorted(found.refs).map((Ref) => ({ Ref })),
      ],
    });
    out.push({ Sid: 'BatchJobs', Effect: 'Allow', Action: ['batch:DescribeJobs', 'batch:TerminateJob'], Resource: ['*'] });
    if (found.batchTags) out.push({ Sid: 'BatchTagJobs', Effect: 'Allow', Action: ['batch:TagResource'], Resource: [arn('batch', 'job/*')] });
  }
  if (found.ecs) {
    out.push({ Sid: 'EcsRunTask', Effect: 'Allow', Action: ['ecs:RunTask'], Resource: sorted(found.taskDefinitions).map(taskDefinitionArn) });
    out.push({ Sid: 'EcsTasks', Effect: 'Allow', Action: ['ecs:DescribeTasks', 'ecs:StopTask'], Resource: ['*'] });
    out.push({ Sid: 'EcsPassRole', Effect: 'Allow', Action: ['iam:PassRole'], Resource: ['*'], Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } } });
  }
  if (found.batch || found.ecs)
    out.push({
      Sid: 'SyncEventsRule',
      Effect: 'Allow',
      Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
      Resource: [
        ...(found.batch ? [arn('events', 'rule/StepFunctionsGetEventsForBatchJobsRule')] : []),
        ...(found.ecs ? [arn('events', 'rule/StepFunctionsGetEventsForECSTaskRule')] : []),
      ],
    });
  if (found.distributed) {
    out.push({ Sid: 'MapStart', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [arn('states', 'stateMachine:${MachineName}')] });
    out.push({ Sid: 'MapExecutions', Effect: 'Allow', Action: ['states:DescribeExecution', 'states:StopExecution'], Resource: [arn('states', 'execution:${MachineName}/*')] });
    out.push({ Sid: 'MapRedrive', Effect: 'Allow', Action: ['states:RedriveExecution'], Resource: [arn('states', 'mapRun:${MachineName}/*:*')] });
  }
  if (opts.schedule)
    out.push({ Sid: 'ScheduleStart', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [arn('states', 'stateMachine:${MachineName}'), arn('states', 'stateMachine:${MachineName}:*')] });
  if (found.s3.size) out.push({ Sid: 'StoreReads', Effect: 'Allow', Action: ['s3:GetObject'], Resource: sorted(found.s3).map((o) => `arn:\${AWS::Partition}:s3:::${o}*`) });
  if (opts.logging)
    out.push({
      Sid: 'Logging',
      Effect: 'Allow',
      Action: ['logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:DescribeLogGroups', 'logs:DescribeResourcePolicies', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:UpdateLogDelivery'],
      Resource: ['*'],
    });
  if (opts.tracing) out.push({ Sid: 'Tracing', Effect: 'Allow', Action: ['xray:GetSamplingRules', 'xray:GetSamplingTargets', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: ['*'] });
  return out.sort((a, b) => a.Sid.localeCompare(b.Sid));
}

/** The policy document with every placeholder filled in (the IAM API's form). */
export function concretePolicy(statements: readonly PolicyStatement[], at: { partition: string; region: string; account: string; machineName: string }): Json {
  const fill = (r: PolicyResource): string => {
    if (typeof r !== 'string') throw new Error(`a CloudFormation Ref (${r.Ref}) in a policy for the IAM API (dagc bug)`);
    return r.replaceAll('${AWS::Partition}', at.partition).replaceAll('${AWS::Region}', at.region).replaceAll('${AWS::AccountId}', at.account).replaceAll('${MachineName}', at.machineName);
  };
  return { Version: '2012-10-17', Statement: statements.map((s) => ({ ...s, Resource: s.Resource.map(fill) })) as unknown as Json };
}

/** The policy document for a template: placeholders as Fn::Sub (`machineName` is what ${MachineName} is). */
export function templatePolicy(statements: readonly PolicyStatement[], machineName: Json): Json {
  const sub = (r: PolicyResource): Json => {
    if (typeof r !== 'string') return { Ref: r.Ref };
    if (!r.includes('${')) return r;
    return r.includes('${MachineName}') ? { 'Fn::Sub': [r, { MachineName: machineName }] } : { 'Fn::Sub': r };
  };
  return { Version: '2012-10-17', Statement: statements.map((s) => ({ ...s, Resource: s.Resource.map(sub) })) as unknown as Json };
}

/** A secret's ARN as IAM authorises it: arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME-SUFFIX. */
function secretResource(value: string): string {
  const parts = value.split(':');
  const name = parts.slice(6, 7).join('');
  const base = parts.slice(0, 6).join(':') + ':' + name;
  return /-[A-Za-z0-9]{6}$/.test(name) ? base : `${base}-??????`;
}

/** The statements of the role the declared job definitions run as: read the secrets the jobs fetch, sorted by Sid. */
export function jobRolePolicy(secrets: readonly string[]): PolicyStatement[] {
  const managed = [...new Set(secrets.filter((s) => s.split(':')[2] === 'secretsmanager').map(secretResource))].sort();
  const parameters = [...new Set(secrets.filter((s) => s.split(':')[2] === 'ssm'))].sort();
  const out: PolicyStatement[] = [];
  if (parameters.length) out.push({ Sid: 'ParametersRead', Effect: 'Allow', Action: ['ssm:GetParameter', 'ssm:GetParameters'], Resource: parameters });
  if (managed.length) out.push({ Sid: 'SecretsRead', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: managed });
  return out;
}
