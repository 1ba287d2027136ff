// The IAM role dagc deploys when the config names none (deploy.asl.role_arn): the state machine runs as it and
// EventBridge Scheduler assumes it to start executions. It may submit and watch the Batch/ECS jobs the Task
// states run (the .sync integrations need the events rule Step Functions manages), pass roles to them, start
// executions of this state machine (the schedule, Distributed Maps) and read/write the run log bucket's objects
// for Distributed Map item readers. Policies as the Step Functions developer guide gives them for .sync
// (https://docs.aws.amazon.com/step-functions/latest/dg/batch-iam.html, ecs-iam.html).
import type { AwsClients } from './clients.js';
import { call, isNotFound } from './errors.js';
import { iamSdk } from './sdk.js';
import { diffValues } from '../diff.js';
import type { ResourceOutcome } from '../types.js';

export const INLINE_POLICY_NAME = 'dagc-state-machine';

export interface RoleDesired {
  readonly name: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly trust: unknown;
  readonly policy: unknown;
}

export function roleDocuments(partition: string, region: string, account: string, machineArn: string): { trust: unknown; policy: unknown } {
  return {
    trust: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: ['scheduler.amazonaws.com', 'states.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
    },
    policy: {
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Action: ['batch:SubmitJob', 'batch:DescribeJobs', 'batch:TerminateJob'], Resource: '*' },
        { Effect: 'Allow', Action: ['ecs:RunTask', 'ecs:StopTask', 'ecs:DescribeTasks'], Resource: '*' },
        {
          Effect: 'Allow',
          Action: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
          Resource: [
            `arn:${partition}:events:${region}:${account}:rule/StepFunctionsGetEventsForBatchJobsRule`,
            `arn:${partition}:events:${region}:${account}:rule/StepFunctionsGetEventsForECSTaskRule`,
          ],
        },
        { Effect: 'Allow', Action: 'iam:PassRole', Resource: '*', Condition: { StringEquals: { 'iam:PassedToService': ['ecs-tasks.amazonaws.com', 'batch.amazonaws.com'] } } },
        { Effect: 'Allow', Action: ['states:StartExecution', 'states:DescribeExecution', 'states:StopExecution'], Resource: [machineArn, `${machineArn}:*`, machineArn.replace(':stateMachine:', ':execution:') + ':*'] },
        { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' },
      ],
    },
  };
}

function parseDocument(text: string | undefined): unknown {
  if (!text) return null;
  try {
    // IAM returns policy documents URL-encoded (RFC 3986).
    return JSON.parse(decodeURIComponent(text));
  } catch {
    return text;
  }
}

export async function applyRole(aws: AwsClients, desired: RoleDesired, dryRun: boolean): Promise<ResourceOutcome> {
  const iam = await iamSdk();
  const iamClient = await aws.iam();
  let current;
  try {
    current = (await iamClient.send(new iam.GetRoleCommand({ RoleName: desired.name }))).Role;
  } catch (error) {
    if (!isNotFound(error)) await call(`GetRole ${desired.name}`, () => Promise.reject(error));
  }
  const tags = Object.entries(desired.tags).map(([Key, Value]) => ({ Key, Value }));
  const policyText = JSON.stringify(desired.policy);
  if (!current) {
    if (!dryRun) {
      await call(`CreateRole ${desired.name}`, () =>
        iamClient.send(new iam.CreateRoleCommand({ RoleName: desired.name, AssumeRolePolicyDocument: JSON.stringify(desired.trust), Tags: tags, Description: 'deployed by dagc' })),
      );
      await call(`PutRolePolicy ${desired.name}`, () => iamClient.send(new iam.PutRolePolicyCommand({ RoleName: desired.name, PolicyName: INLINE_POLICY_NAME, PolicyDocument: policyText })));
    }
    return { kind: 'IAMRole', name: desired.name, action: 'created', changes: diffValues({}, { trust: desired.trust, policy: desired.policy, tags: desired.tags }) };
  }
  let policy: unknown = null;
  try {
    policy = parseDocument((await iamClient.send(new iam.GetRolePolicyCommand({ RoleName: desired.name, PolicyName: INLINE_POLICY_NAME }))).PolicyDocument);
  } catch (error) {
    if (!isNotFound(error)) await call(`GetRolePolicy ${desired.name}`, () => Promise.reject(error));
  }
  const haveTags = Object.fromEntries((current.Tags ?? []).filter((t) => Object.hasOwn(desired.tags, t.Key ?? '')).map((t) => [t.Key, t.Value]));
  const trustChanges = diffValues(parseDocument(current.AssumeRolePolicyDocument), desired.trust, '/trust');
  const policyChanges = diffValues(policy, desired.policy, '/policy');
  const tagChanges = diffValues(haveTags, desired.tags, '/tags');
  const changes = [...trustChanges, ...policyChanges, ...tagChanges];
  if (changes.length === 0) return { kind: 'IAMRole', name: desired.name, action: 'unchanged', changes };
  if (!dryRun) {
    if (trustChanges.length)
      await call(`UpdateAssumeRolePolicy ${desired.name}`, () => iamClient.send(new iam.UpdateAssumeRolePolicyCommand({ RoleName: desired.name, PolicyDocument: JSON.stringify(desired.trust) })));
    if (policyChanges.length)
      await call(`PutRolePolicy ${desired.name}`, () => iamClient.send(new iam.PutRolePolicyCommand({ RoleName: desired.name, PolicyName: INLINE_POLICY_NAME, PolicyDocument: policyText })));
    if (tagChanges.length) await call(`TagRole ${desired.name}`, () => iamClient.send(new iam.TagRoleCommand({ RoleName: desired.name, Tags: tags })));
  }
  return { kind: 'IAMRole', name: desired.name, action: 'updated', changes };
}

/** Deletes the generated role (its inline policy first, as IAM requires). */
export async function deleteRole(aws: AwsClients, name: string, dryRun: boolean): Promise<ResourceOutcome> {
  const iam = await iamSdk();
  const iamClient = await aws.iam();
  if (!dryRun) {
    try {
      await iamClient.send(new iam.DeleteRolePolicyCommand({ RoleName: name, PolicyName: INLINE_POLICY_NAME }));
    } catch (error) {
      if (!isNotFound(error)) await call(`DeleteRolePolicy ${name}`, () => Promise.reject(error));
    }
    await call(`DeleteRole ${name}`, () => iamClient.send(new iam.DeleteRoleCommand({ RoleName: name })));
  }
  return { kind: 'IAMRole', name, action: 'deleted', changes: [] };
}
