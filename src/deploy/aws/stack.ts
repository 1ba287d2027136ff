// The template path of `dagc deploy --target asl`: when the asl executor config asks for the CloudFormation
// wrapper (`cloudformation: …`), the pipeline's resources are one stack, and deploying is a change set. The
// change set is CloudFormation's own diff: when it is empty (CloudFormation refuses it with "The submitted
// information didn't contain changes"), nothing is executed and the stack is reported unchanged; otherwise it is
// executed and dagc waits for the stack to settle. A stack that does not exist yet is created by a CREATE change
// set, so both paths are the same three calls.
// API: https://docs.aws.amazon.com/AWSCloudFormation/latest/APIReference/ (CreateChangeSet, DescribeChangeSet,
// ExecuteChangeSet, DeleteChangeSet, DescribeStacks, DescribeStackEvents); change sets:
// https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/using-cfn-updating-stacks-changesets.html
import type { CloudFormationClient, Change, Parameter, Tag } from '@aws-sdk/client-cloudformation';
import type { AwsClients } from './clients.js';
import { call } from './errors.js';
import { cloudFormationSdk } from './sdk.js';
import type { FieldChange, ResourceOutcome } from '../types.js';
import { RemoteError } from '../types.js';
import { UserError } from '../../core/errors.js';
import { sha256 } from '../../core/sha256.js';

export interface StackDesired {
  readonly name: string;
  /** The template as `dagc compile --target asl` writes it. */
  readonly template: string;
  /** Values for the template's parameters (those it declares without a default must all be here). */
  readonly parameters: Readonly<Record<string, string>>;
  readonly tags: Readonly<Record<string, string>>;
}

/** CloudFormation's words for a change set that has nothing to do (AWS and moto say the same). */
const NO_CHANGES = /didn't contain changes|No updates are to be performed/i;
/** Stack statuses from which a change set can be made and a deploy be called done. */
const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_ROLLBACK_COMPLETE', 'IMPORT_COMPLETE', 'IMPORT_ROLLBACK_COMPLETE']);
const FAILED_END = /(_FAILED|ROLLBACK_COMPLETE)$/;

/** How long to wait between polls: quick at first (small stacks settle in seconds), then every 5 s. */
function pollDelay(n: number): number {
  return Math.min(250 * 2 ** n, 5000);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function describeStack(cfn: CloudFormationClient, name: string) {
  const sdk = await cloudFormationSdk();
  try {
    return (await cfn.send(new sdk.DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
  } catch (error) {
    // DescribeStacks answers a stack that does not exist with a ValidationError saying so.
    if (/does not exist/.test((error as Error)?.message ?? '')) return undefined;
    return call(`DescribeStacks ${name}`, () => Promise.reject(error));
  }
}

/** The template's parameters: every one it declares without a Default needs a value. */
export function stackParameters(template: string, given: Readonly<Record<string, string>>, stack: string): Parameter[] {
  const declared = (JSON.parse(template) as { Parameters?: Record<string, { Default?: unknown }> }).Parameters ?? {};
  const missing = Object.entries(declared).filter(([k, p]) => p.Default === undefined && given[k] === undefined).map(([k]) => k);
  if (missing.length)
    throw new UserError(
      `the CloudFormation template of ${stack} needs a value for ${missing.join(', ')}`,
      `give them in the config: deploy: {asl: {parameters: {${missing.map((m) => `${m}: …`).join(', ')}}}}, or let the template declare the roles (cloudformation: {role: true})`,
    );
  const unknown = Object.keys(given).filter((k) => !Object.hasOwn(declared, k));
  if (unknown.length)
    throw new UserError(`deploy.asl.parameters names ${unknown.join(', ')}, which the template does not declare`, `its parameters: ${Object.keys(declared).join(', ') || 'none'}`);
  return Object.keys(declared)
    .filter((k) => given[k] !== undefined)
    .sort()
    .map((k) => ({ ParameterKey: k, ParameterValue: given[k] }));
}

/** CAPABILITY_NAMED_IAM when the template declares IAM resources (CloudFormation refuses them without it). */
function capabilities(template: string): ('CAPABILITY_IAM' | 'CAPABILITY_NAMED_IAM')[] {
  const resources = (JSON.parse(template) as { Resources?: Record<string, { Type?: string }> }).Resources ?? {};
  return Object.values(resources).some((r) => r.Type?.startsWith('AWS::IAM::')) ? ['CAPABILITY_NAMED_IAM'] : [];
}

function changesOf(changes: readonly Change[]): FieldChange[] {
  return changes
    .map((c) => c.ResourceChange)
    .filter((r) => r !== undefined)
    .map((r) => {
      const path = `/Resources/${r.LogicalResourceId ?? '?'}`;
      const what = `${r.ResourceType ?? ''}${r.Replacement === 'True' ? ' (replaced)' : ''}`;
      return r.Action === 'Add' ? { path, after: what } : r.Action === 'Remove' ? { path, before: what } : { path, before: what, after: `${what} (${r.Action ?? 'Modify'})` };
    })
    .sort((a, b) => a.path.localeCompare(b.path));
}

/** Why a stack operation failed: the reasons of the events that failed, newest first (at most five). */
async function failureReasons(cfn: CloudFormationClient, stack: string): Promise<string> {
  const sdk = await cloudFormationSdk();
  const events = await cfn.send(new sdk.DescribeStackEventsCommand({ StackName: stack })).catch(() => undefined);
  const failed = (events?.StackEvents ?? []).filter((e) => /FAILED$/.test(e.ResourceStatus ?? '') && e.ResourceStatusReason).slice(0, 5);
  return failed.map((e) => `${e.LogicalResourceId}: ${e.ResourceStatusReason}`).join('; ');
}

async function waitForStack(cfn: CloudFormationClient, name: string): Promise<string> {
  for (let n = 0; ; n++) {
    const stack = await describeStack(cfn, name);
    const status = stack?.StackStatus ?? 'DELETE_COMPLETE';
    if (!status.endsWith('_IN_PROGRESS')) return status;
    await sleep(pollDelay(n));
  }
}

/**
 * Brings the stack to the template: a change set, executed only when it has changes. With dryRun the change
 * set is made (for an existing stack, so CloudFormation computes the changes) and deleted; for a stack that does
 * not exist nothing is made (a CREATE change set would leave the stack in REVIEW_IN_PROGRESS).
 */
export async function applyStack(aws: AwsClients, desired: StackDesired, dryRun: boolean): Promise<ResourceOutcome> {
  const sdk = await cloudFormationSdk();
  const cfn = await aws.cloudFormation();
  const base = { kind: 'Stack', name: desired.name };
  const parameters = stackParameters(desired.template, desired.parameters, desired.name);
  const current = await describeStack(cfn, desired.name);
  const status = current?.StackStatus;
  if (status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED' || status === 'DELETE_FAILED')
    throw new RemoteError(`the stack ${desired.name} is ${status}: CloudFormation cannot update it`, `delete it (aws cloudformation delete-stack --stack-name ${desired.name}) and deploy again`);
  if (status?.endsWith('_IN_PROGRESS') && status !== 'REVIEW_IN_PROGRESS')
    throw new RemoteError(`the stack ${desired.name} is ${status}: another operation is under way`, 'wait for it to end, then deploy again');
  const exists = current !== undefined && status !== 'REVIEW_IN_PROGRESS';
  const resources = Object.keys((JSON.parse(desired.template) as { Resources?: Record<string, unknown> }).Resources ?? {}).sort();
  if (!exists && dryRun) return { ...base, action: 'created', changes: resources.map((r) => ({ path: `/Resources/${r}`, after: 'Add' })) };

  const tags: Tag[] = Object.entries(desired.tags)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([Key, Value]) => ({ Key, Value }));
  // A name from what is asked for: the same deploy twice asks for the same change set.
  const digest = sha256(JSON.stringify([desired.template, parameters, tags])).slice(0, 16);
  const changeSetName = `dagc-${digest}`;
  let made;
  try {
    made = await cfn.send(
      new sdk.CreateChangeSetCommand({
        StackName: desired.name,
        ChangeSetName: changeSetName,
        ChangeSetType: exists ? 'UPDATE' : 'CREATE',
        TemplateBody: desired.template,
        Parameters: parameters,
        Capabilities: capabilities(desired.template),
        Tags: tags,
        Description: 'deployed by dagc',
      }),
    );
  } catch (error) {
    // AWS makes a FAILED change set of an empty one (below); moto_server refuses the call itself with the
    // ValidationError UpdateStack gives ("No updates are to be performed."). Either way nothing differs.
    if (exists && (error as { name?: string })?.name === 'ValidationError' && NO_CHANGES.test((error as Error).message ?? ''))
      return { ...base, action: 'unchanged', changes: [], note: status ?? '' };
    return call(`CreateChangeSet ${desired.name}`, () => Promise.reject(error));
  }
  const id = made.Id ?? changeSetName;
  let described;
  for (let n = 0; ; n++) {
    described = await call(`DescribeChangeSet ${desired.name}`, () => cfn.send(new sdk.DescribeChangeSetCommand({ ChangeSetName: id, StackName: desired.name })));
    if (described.Status !== 'CREATE_PENDING' && described.Status !== 'CREATE_IN_PROGRESS') break;
    await sleep(pollDelay(n));
  }
  const drop = () => call(`DeleteChangeSet ${desired.name}`, () => cfn.send(new sdk.DeleteChangeSetCommand({ ChangeSetName: id, StackName: desired.name })));
  if (described.Status === 'FAILED') {
    await drop();
    if (exists && NO_CHANGES.test(described.StatusReason ?? '')) return { ...base, action: 'unchanged', changes: [], note: current?.StackStatus ?? '' };
    throw new RemoteError(`CloudFormation refused the change set of ${desired.name}: ${described.StatusReason ?? 'FAILED'}`);
  }
  let changes = changesOf(described.Changes ?? []);
  if (!exists && changes.length === 0) changes = resources.map((r) => ({ path: `/Resources/${r}`, after: 'Add' }));
  const action = exists ? 'updated' : 'created';
  if (dryRun) {
    await drop();
    return { ...base, action, changes };
  }
  await call(`ExecuteChangeSet ${desired.name}`, () => cfn.send(new sdk.ExecuteChangeSetCommand({ ChangeSetName: id, StackName: desired.name })));
  const end = await waitForStack(cfn, desired.name);
  if (!SETTLED.has(end) || FAILED_END.test(end)) {
    const why = await failureReasons(cfn, desired.name);
    throw new RemoteError(`the stack ${desired.name} ended ${end}${why ? `: ${why}` : ''}`, 'aws cloudformation describe-stack-events shows every event');
  }
  return { ...base, action, changes, note: end };
}

/**
 * The physical id of one of the stack's resources (for AWS::StepFunctions::StateMachine, its ARN), or undefined
 * when there is no such stack or resource. Read from the resource rather than from the template's Outputs, which
 * a stack updated outside dagc need not keep.
 */
export async function stackResourceId(aws: AwsClients, stack: string, logicalId: string): Promise<string | undefined> {
  const sdk = await cloudFormationSdk();
  const cfn = await aws.cloudFormation();
  try {
    return (await cfn.send(new sdk.DescribeStackResourceCommand({ StackName: stack, LogicalResourceId: logicalId }))).StackResourceDetail?.PhysicalResourceId;
  } catch (error) {
    if (/does not exist/.test((error as Error)?.message ?? '')) return undefined;
    return call(`DescribeStackResource ${stack} ${logicalId}`, () => Promise.reject(error));
  }
}

/** Stacks tagged as dagc's for this pipeline under another name (the config's name changed): deleted. */
export async function pruneStacks(aws: AwsClients, pipeline: string, keep: string, tagKeys: { managedBy: string; pipeline: string }, dryRun: boolean): Promise<ResourceOutcome[]> {
  const sdk = await cloudFormationSdk();
  const cfn = await aws.cloudFormation();
  const out: ResourceOutcome[] = [];
  let token: string | undefined;
  do {
    const page = await call('DescribeStacks', () => cfn.send(new sdk.DescribeStacksCommand({ ...(token ? { NextToken: token } : {}) })));
    for (const s of page.Stacks ?? []) {
      if (!s.StackName || s.StackName === keep || s.StackStatus === 'DELETE_COMPLETE') continue;
      const t = Object.fromEntries((s.Tags ?? []).map((x) => [x.Key, x.Value]));
      if (t[tagKeys.managedBy] !== 'dagc' || t[tagKeys.pipeline] !== pipeline) continue;
      const name = s.StackName;
      if (!dryRun) {
        await call(`DeleteStack ${name}`, () => cfn.send(new sdk.DeleteStackCommand({ StackName: name })));
        const end = await waitForStack(cfn, name);
        if (end !== 'DELETE_COMPLETE') throw new RemoteError(`the stack ${name} ended ${end} when deleted`, 'aws cloudformation describe-stack-events shows why');
      }
      out.push({ kind: 'Stack', name, action: 'deleted', changes: [] });
    }
    token = page.NextToken;
  } while (token);
  return out;
}
