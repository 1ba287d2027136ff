// The IAM role dagc deploys when the config names none (deploy.asl.role_arn): the state machine runs as it and
// EventBridge Scheduler assumes it to start executions. Its policy is what the definition calls and no more
// (src/emit/asl/iam-policy.ts, which says which AWS documentation each statement follows).
import type { AwsClients } from './clients.js';
import { call, isNotFound } from './errors.js';
import { iamSdk } from './sdk.js';
import { diffValues } from '../diff.js';
import { concretePolicy, stateMachinePolicy } from '../../emit/asl/iam-policy.js';
import type { ResourceOutcome } from '../types.js';

export const INLINE_POLICY_NAME = 'dagc-state-machine';

export interface RoleDesired {
  readonly name: string;
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly trust: unknown;
  readonly policy: unknown;
}

/**
 * The role's trust (Step Functions runs as it, EventBridge Scheduler assumes it to start executions) and its
 * policy: the least-privilege model of src/emit/asl/iam-policy.ts, read from the definition being deployed (the
 * template's role is made from the same model).
 */
export function roleDocuments(at: { partition: string; region: string; account: string; machineName: string }, definition: unknown, schedule: boolean): { trust: unknown; policy: unknown } {
  return {
    trust: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: ['scheduler.amazonaws.com', 'states.amazonaws.com'] }, Action: 'sts:AssumeRole' }],
    },
    policy: concretePolicy(stateMachinePolicy(definition, { schedule }), at),
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
