// The state machine, its published version and its alias: three resources with one handler each, in the
// order they depend on one another. A change of definition or role is an UpdateStateMachine that publishes a
// version (publish: true, as CreateStateMachine does), and the alias then moves to it; a version is never
// published when nothing changed, so deploying twice writes nothing.
// API: https://docs.aws.amazon.com/step-functions/latest/apireference/ (CreateStateMachine, UpdateStateMachine,
// CreateStateMachineAlias, UpdateStateMachineAlias, TagResource; versions and aliases: concepts-state-machine-version.html).
import type { AwsClients } from './clients.js';
import { call, isNotFound, retryFreshRole } from './errors.js';
import { sfnSdk } from './sdk.js';
import { diffValues } from '../diff.js';
import type { FieldChange, ResourceOutcome } from '../types.js';

export interface MachineDesired {
  readonly name: string;
  readonly arn: string;
  /** The definition as `dagc compile --target asl` writes it. */
  readonly definition: string;
  readonly roleArn: string;
  readonly tags: Readonly<Record<string, string>>;
  /** Said in the published version's description. */
  readonly versionDescription: string;
}

export interface MachineCurrent {
  readonly definition: unknown;
  readonly roleArn: string;
  readonly tags: Record<string, string>;
}

function parseDefinition(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export async function readMachine(aws: AwsClients, arn: string): Promise<MachineCurrent | undefined> {
  const { DescribeStateMachineCommand, ListTagsForResourceCommand } = await sfnSdk();
  let described;
  try {
    described = await aws.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: arn }));
  } catch (error) {
    if (isNotFound(error)) return undefined;
    return call(`DescribeStateMachine ${arn}`, () => Promise.reject(error));
  }
  const tags = await call(`ListTagsForResource ${arn}`, () =>
    aws.sfn.send(new ListTagsForResourceCommand({ resourceArn: arn })),
  );
  return {
    definition: parseDefinition(described.definition ?? ''),
    roleArn: described.roleArn ?? '',
    tags: Object.fromEntries((tags.tags ?? []).map((t) => [t.key ?? '', t.value ?? ''])),
  };
}

/** The differences that matter: the definition (as JSON), the role, and the tags dagc sets (others are left alone). */
export function machineChanges(current: MachineCurrent, desired: MachineDesired): FieldChange[] {
  const ownTags = Object.fromEntries(
    Object.keys(desired.tags)
      .filter((k) => Object.hasOwn(current.tags, k))
      .map((k) => [k, current.tags[k]]),
  );
  return [
    ...diffValues(current.definition, parseDefinition(desired.definition), '/definition'),
    ...diffValues(current.roleArn, desired.roleArn, '/roleArn'),
    ...diffValues(ownTags, desired.tags, '/tags'),
  ];
}

export interface MachineResult {
  readonly outcome: ResourceOutcome;
  /** The version published by this deploy (created or updated), else undefined. */
  readonly versionArn?: string;
}

export async function applyMachine(
  aws: AwsClients,
  desired: MachineDesired,
  dryRun: boolean,
  freshRole = false,
): Promise<MachineResult> {
  const sfn = await sfnSdk();
  const current = await readMachine(aws, desired.arn);
  const tagList = Object.entries(desired.tags).map(([key, value]) => ({ key, value }));
  if (!current) {
    const changes = diffValues(
      {},
      { definition: parseDefinition(desired.definition), roleArn: desired.roleArn, tags: desired.tags },
    );
    if (dryRun) return { outcome: { kind: 'StateMachine', name: desired.name, action: 'created', changes } };
    const out = await call(`CreateStateMachine ${desired.name}`, () =>
      retryFreshRole(freshRole, () =>
        aws.sfn.send(
          new sfn.CreateStateMachineCommand({
            name: desired.name,
            definition: desired.definition,
            roleArn: desired.roleArn,
            type: 'STANDARD',
            tags: tagList,
            publish: true,
            versionDescription: desired.versionDescription,
          }),
        ),
      ),
    );
    return {
      outcome: { kind: 'StateMachine', name: desired.name, action: 'created', changes },
      ...(out.stateMachineVersionArn ? { versionArn: out.stateMachineVersionArn } : {}),
    };
  }
  const changes = machineChanges(current, desired);
  if (changes.length === 0)
    return { outcome: { kind: 'StateMachine', name: desired.name, action: 'unchanged', changes } };
  const bodyChanged = changes.some((c) => !c.path.startsWith('/tags'));
  if (dryRun) return { outcome: { kind: 'StateMachine', name: desired.name, action: 'updated', changes } };
  let versionArn: string | undefined;
  if (bodyChanged) {
    const out = await call(`UpdateStateMachine ${desired.name}`, () =>
      retryFreshRole(freshRole, () =>
        aws.sfn.send(
          new sfn.UpdateStateMachineCommand({
            stateMachineArn: desired.arn,
            definition: desired.definition,
            roleArn: desired.roleArn,
            publish: true,
            versionDescription: desired.versionDescription,
          }),
        ),
      ),
    );
    versionArn = out.stateMachineVersionArn;
  }
  if (changes.some((c) => c.path.startsWith('/tags')))
    await call(`TagResource ${desired.name}`, () =>
      aws.sfn.send(new sfn.TagResourceCommand({ resourceArn: desired.arn, tags: tagList })),
    );
  return {
    outcome: { kind: 'StateMachine', name: desired.name, action: 'updated', changes },
    ...(versionArn ? { versionArn } : {}),
  };
}

function versionNumber(arn: string): string {
  return arn.slice(arn.lastIndexOf(':') + 1);
}

/**
 * The alias: it should route all executions to a version whose definition is the desired one. A version just
 * published is that version; otherwise the version the alias routes to is read and compared, and when it is not
 * the desired definition (or there is no alias yet) a version of the current revision is published first.
 */
export async function applyAlias(
  aws: AwsClients,
  desired: MachineDesired,
  alias: string,
  published: string | undefined,
  dryRun: boolean,
  done: (o: ResourceOutcome) => void,
): Promise<void> {
  const sfn = await sfnSdk();
  const aliasArn = `${desired.arn}:${alias}`;
  const name = `${desired.name}:${alias}`;
  let routed: string | undefined;
  try {
    const current = await aws.sfn.send(
      new sfn.DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }),
    );
    const routes = current.routingConfiguration ?? [];
    routed = routes.length === 1 && routes[0]?.weight === 100 ? routes[0].stateMachineVersionArn : undefined;
    if (routed === undefined && routes.length)
      routed = `(${routes.map((r) => `${r.stateMachineVersionArn}@${r.weight}`).join(', ')})`;
  } catch (error) {
    if (!isNotFound(error)) await call(`DescribeStateMachineAlias ${aliasArn}`, () => Promise.reject(error));
  }
  let target = published;
  if (published)
    done({
      kind: 'StateMachineVersion',
      name: `${desired.name}:${versionNumber(published)}`,
      action: 'created',
      changes: [],
    });
  else if (routed && !routed.startsWith('(')) {
    const version = await call(`DescribeStateMachine ${routed}`, () =>
      aws.sfn.send(new sfn.DescribeStateMachineCommand({ stateMachineArn: routed })),
    );
    if (
      diffValues(parseDefinition(version.definition ?? ''), parseDefinition(desired.definition)).length === 0
    )
      target = routed;
  }
  if (!target) {
    // No version of the desired definition is routed to: publish the current revision (just deployed or
    // already there). With --dry-run this is reported, not done.
    if (dryRun) {
      done({ kind: 'StateMachineVersion', name: `${desired.name}:(next)`, action: 'created', changes: [] });
      done({
        kind: 'StateMachineAlias',
        name,
        action: routed ? 'updated' : 'created',
        changes: diffValues(
          routed ?? null,
          '(the published version)',
          '/routingConfiguration/0/stateMachineVersionArn',
        ),
      });
      return;
    }
    const out = await call(`PublishStateMachineVersion ${desired.name}`, () =>
      aws.sfn.send(
        new sfn.PublishStateMachineVersionCommand({
          stateMachineArn: desired.arn,
          description: desired.versionDescription,
        }),
      ),
    );
    target = out.stateMachineVersionArn ?? '';
    done({
      kind: 'StateMachineVersion',
      name: `${desired.name}:${versionNumber(target)}`,
      action: 'created',
      changes: [],
    });
  }
  if (routed === target) {
    done({
      kind: 'StateMachineAlias',
      name,
      action: 'unchanged',
      changes: [],
      note: `→ version ${versionNumber(target)}`,
    });
    return;
  }
  const changes = diffValues(routed ?? null, target, '/routingConfiguration/0/stateMachineVersionArn');
  const routing = [{ stateMachineVersionArn: target, weight: 100 }];
  if (!dryRun) {
    if (routed === undefined)
      await call(`CreateStateMachineAlias ${name}`, () =>
        aws.sfn.send(
          new sfn.CreateStateMachineAliasCommand({
            name: alias,
            routingConfiguration: routing,
            description: 'deployed by dagc',
          }),
        ),
      );
    else
      await call(`UpdateStateMachineAlias ${name}`, () =>
        aws.sfn.send(
          new sfn.UpdateStateMachineAliasCommand({
            stateMachineAliasArn: aliasArn,
            routingConfiguration: routing,
          }),
        ),
      );
  }
  done({
    kind: 'StateMachineAlias',
    name,
    action: routed === undefined ? 'created' : 'updated',
    changes,
    note: `→ version ${versionNumber(target)}`,
  });
}
