// `dagc deploy|submit|watch|runs list --target asl`: the desired resources of a pipeline on AWS and the
// operations on its executions. Order of deployment: the generated role (if any), the state machine (publishing
// a version when it changes), the alias, the schedule; prune last, so a failure never leaves a schedule that
// starts a machine that is not there.
import type { AwsClients } from './clients.js';
import { closeAwsClients, openAwsClients } from './clients.js';
import { call, isNotFound } from './errors.js';
import { iamSdk, sfnSdk, stsSdk } from './sdk.js';
import { applyAlias, applyMachine } from './state-machine.js';
import type { MachineDesired } from './state-machine.js';
import { applySchedule, pruneSchedules } from './schedule.js';
import { applyRole, deleteRole, roleDocuments } from './role.js';
import { applyStack, pruneStacks, stackResourceId } from './stack.js';
import type { AslDeploySettings } from '../settings.js';
import type { DeployOptions, ResourceOutcome } from '../types.js';
import { RemoteError } from '../types.js';
import { UserError } from '../../core/errors.js';
import { runIdOfExecutionName } from '../../runtime/run-id.js';

/** AWS tag keys dagc sets (AWS allows "/" and "." in keys; "aws:" is AWS's own prefix). */
export const AWS_TAGS = { managedBy: 'dagc.dev/managed-by', pipeline: 'dagc.dev/pipeline', dagHash: 'dagc.dev/dag-hash' } as const;

export interface AslDeployInput {
  /** The pipeline's identity in tags: the pipeline file's base name. */
  readonly pipeline: string;
  readonly dagHash: string;
  /** The definition, as `dagc compile --target asl` writes it. */
  readonly definition: string;
  readonly settings: AslDeploySettings;
  readonly env: Readonly<Record<string, string | undefined>>;
}

interface Identity {
  readonly partition: string;
  readonly account: string;
}

async function identity(aws: AwsClients): Promise<Identity> {
  const { GetCallerIdentityCommand } = await stsSdk();
  const who = await call('GetCallerIdentity', () => aws.sts.send(new GetCallerIdentityCommand({})));
  const arn = who.Arn ?? '';
  return { partition: arn.split(':')[1] || 'aws', account: who.Account ?? '' };
}

/** A state machine name from a pipeline file's base name: Step Functions allows 1-80 of [A-Za-z0-9_-]. */
export function machineName(pipeline: string, settings: AslDeploySettings): string {
  if (settings.name) return settings.name;
  const n = pipeline.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80);
  if (!n) throw new UserError(`cannot make a state machine name from "${pipeline}"`, 'set deploy.asl.name in the config');
  return n;
}

export function machineArn(id: Identity, region: string, name: string): string {
  return `arn:${id.partition}:states:${region}:${id.account}:stateMachine:${name}`;
}

function generatedRoleName(machine: string): string {
  return `dagc-${machine}`.slice(0, 64);
}

async function withClients<T>(env: Readonly<Record<string, string | undefined>>, f: (aws: AwsClients, id: Identity) => Promise<T>): Promise<T> {
  const aws = await openAwsClients(env);
  try {
    return await f(aws, await identity(aws));
  } finally {
    await closeAwsClients(aws);
  }
}

/** Whether `dagc compile --target asl` wrote a CloudFormation template (the config's `cloudformation:`). */
export function isTemplate(text: string): boolean {
  try {
    return Object.hasOwn(JSON.parse(text) as object, 'AWSTemplateFormatVersion');
  } catch {
    return false;
  }
}

/**
 * The template path: the stack (named as the state machine would be) carries the pipeline's resources; the
 * role the config names fills the template's RoleArn parameter; the schedule, when wanted, is the template's
 * (cloudformation: {schedule: …}), so deploy.asl.schedule and alias, which the SDK path deploys, are refused.
 */
async function deployStack(aws: AwsClients, input: AslDeployInput, options: DeployOptions, done: (o: ResourceOutcome) => void): Promise<void> {
  if (input.settings.schedule)
    throw new UserError('deploy.asl.schedule is for a state machine dagc deploys itself; this config renders a CloudFormation template', 'put the schedule in the template: cloudformation: {schedule: {expression: …, timezone: …}} in the asl executor config');
  const name = machineName(input.pipeline, input.settings);
  const declared = (JSON.parse(input.definition) as { Parameters?: Record<string, unknown> }).Parameters ?? {};
  const parameters = { ...(input.settings.roleArn && Object.hasOwn(declared, 'RoleArn') ? { RoleArn: input.settings.roleArn } : {}), ...input.settings.parameters };
  const tags = { ...input.settings.tags, [AWS_TAGS.managedBy]: 'dagc', [AWS_TAGS.pipeline]: input.pipeline, [AWS_TAGS.dagHash]: input.dagHash };
  done(await applyStack(aws, { name, template: input.definition, parameters, tags }, options.dryRun === true));
  if (options.prune) for (const o of await pruneStacks(aws, input.pipeline, name, AWS_TAGS, options.dryRun === true)) done(o);
}

export async function deployAsl(input: AslDeployInput, options: DeployOptions): Promise<ResourceOutcome[]> {
  const outcomes: ResourceOutcome[] = [];
  const dryRun = options.dryRun === true;
  const done = (o: ResourceOutcome) => {
    outcomes.push(o);
    options.onOutcome?.(o);
  };
  try {
    return await withClients(input.env, async (aws, id) => {
      if (isTemplate(input.definition)) {
        await deployStack(aws, input, options, done);
        return outcomes;
      }
      const name = machineName(input.pipeline, input.settings);
      const arn = machineArn(id, aws.region, name);
      const ownTags = { [AWS_TAGS.managedBy]: 'dagc', [AWS_TAGS.pipeline]: input.pipeline };
      let roleArn = input.settings.roleArn;
      const roleName = generatedRoleName(name);
      let freshRole = false;
      if (!roleArn) {
        const docs = roleDocuments({ partition: id.partition, region: aws.region, account: id.account, machineName: name }, JSON.parse(input.definition), input.settings.schedule !== undefined);
        roleArn = `arn:${id.partition}:iam::${id.account}:role/${roleName}`;
        const role = await applyRole(aws, { name: roleName, arn: roleArn, tags: { ...input.settings.tags, ...ownTags }, ...docs }, dryRun);
        freshRole = role.action !== 'unchanged';
        done(role);
      }
      const desired: MachineDesired = {
        name,
        arn,
        definition: input.definition,
        roleArn,
        tags: { ...input.settings.tags, ...ownTags, [AWS_TAGS.dagHash]: input.dagHash },
        versionDescription: `dag_hash ${input.dagHash}`,
      };
      const machine = await applyMachine(aws, desired, dryRun, freshRole);
      done(machine.outcome);
      await applyAlias(aws, desired, input.settings.alias, machine.versionArn, dryRun, done);
      const schedule = input.settings.schedule;
      if (schedule) {
        const scheduleName = schedule.name || name;
        done(
          await applySchedule(aws, { ...schedule, name: scheduleName, targetArn: `${arn}:${input.settings.alias}`, roleArn: schedule.roleArn ?? roleArn }, dryRun, freshRole && !schedule.roleArn),
        );
      }
      if (options.prune) {
        for (const o of await pruneSchedules(aws, arn, schedule?.group ?? 'default', schedule ? schedule.name || name : undefined, dryRun)) done(o);
        for (const o of await pruneMachines(aws, input.pipeline, name, dryRun)) done(o);
        if (input.settings.roleArn) {
          const stale = await ownedRole(aws, roleName, input.pipeline);
          if (stale) done(await deleteRole(aws, roleName, dryRun));
        }
      }
      return outcomes;
    });
  } catch (error) {
    if (error instanceof RemoteError) throw error.withDone(dryRun ? [] : outcomes.filter((o) => o.action !== 'unchanged'));
    throw error;
  }
}

/** The generated role, when it exists and its tags say dagc deployed it for this pipeline. */
async function ownedRole(aws: AwsClients, name: string, pipeline: string): Promise<boolean> {
  const iam = await iamSdk();
  const iamClient = await aws.iam();
  try {
    const role = (await iamClient.send(new iam.GetRoleCommand({ RoleName: name }))).Role;
    const tags = Object.fromEntries((role?.Tags ?? []).map((t) => [t.Key, t.Value]));
    return tags[AWS_TAGS.managedBy] === 'dagc' && tags[AWS_TAGS.pipeline] === pipeline;
  } catch (error) {
    if (isNotFound(error)) return false;
    return call(`GetRole ${name}`, () => Promise.reject(error));
  }
}

/** State machines tagged as dagc's for this pipeline under another name (the config's name changed). */
async function pruneMachines(aws: AwsClients, pipeline: string, keep: string, dryRun: boolean): Promise<ResourceOutcome[]> {
  const sfn = await sfnSdk();
  const out: ResourceOutcome[] = [];
  let token: string | undefined;
  do {
    const page = await call('ListStateMachines', () => aws.sfn.send(new sfn.ListStateMachinesCommand({ ...(token ? { nextToken: token } : {}) })));
    for (const m of page.stateMachines ?? []) {
      if (!m.name || !m.stateMachineArn || m.name === keep) continue;
      const arn = m.stateMachineArn;
      const tags = await call(`ListTagsForResource ${m.name}`, () => aws.sfn.send(new sfn.ListTagsForResourceCommand({ resourceArn: arn })));
      const t = Object.fromEntries((tags.tags ?? []).map((x) => [x.key, x.value]));
      if (t[AWS_TAGS.managedBy] !== 'dagc' || t[AWS_TAGS.pipeline] !== pipeline) continue;
      if (!dryRun) await call(`DeleteStateMachine ${m.name}`, () => aws.sfn.send(new sfn.DeleteStateMachineCommand({ stateMachineArn: arn })));
      out.push({ kind: 'StateMachine', name: m.name, action: 'deleted', changes: [] });
    }
    token = page.nextToken;
  } while (token);
  return out;
}

// ---- operating runs ----

export interface AslRunRef {
  readonly pipeline: string;
  readonly settings: AslDeploySettings;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The config renders a CloudFormation template: the machine is the stack's (its StateMachine resource). */
  readonly template?: boolean;
}

/** The deployed state machine of a run reference: its name (for messages) and ARN. */
async function deployedMachine(aws: AwsClients, id: Identity, ref: AslRunRef): Promise<{ name: string; arn: string }> {
  const name = machineName(ref.pipeline, ref.settings);
  if (!ref.template) return { name, arn: machineArn(id, aws.region, name) };
  const arn = await stackResourceId(aws, name, 'StateMachine');
  if (!arn) throw new UserError(`the stack "${name}" is not deployed (or holds no StateMachine)`, 'run dagc deploy with the same pipeline and config first');
  return { name: arn.slice(arn.lastIndexOf(':') + 1), arn };
}

export interface SubmitOutcome {
  readonly runId: string;
  /** The execution ARN. */
  readonly id: string;
  /** False when an execution with this name and input was already running (StartExecution is idempotent). */
  readonly started: boolean;
}

/**
 * Why Step Functions would refuse `name` as an execution name, or undefined (AWS Step Functions API Reference,
 * StartExecution `name`: 1-80 characters, none of whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : / and
 * control characters U+0000-001F, U+007F-009F). Any such name maps to a run id (runtime/run-id.ts).
 */
export function checkExecutionName(name: string): string | undefined {
  const length = [...name].length;
  if (length < 1 || length > 80) return `"${name}" is ${length} characters: a Step Functions execution name has 1 to 80`;
  // eslint-disable-next-line no-control-regex
  const bad = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/u.exec(name);
  if (bad) return `"${name}" holds ${JSON.stringify(bad[0])}, which Step Functions refuses in an execution name`;
  return undefined;
}

/** An execution as dagc names its run: the run id its name maps to (the run log's), and the name when they differ. */
function runOf(name: string): { runId: string; execution?: string } {
  const runId = runIdOfExecutionName(name);
  return runId === name ? { runId } : { runId, execution: name };
}

/**
 * Submits an execution named `executionName` (a run id, or any name Step Functions accepts: its run log is under
 * the run id the name maps to, runtime/run-id.ts runIdOfExecutionName, which `runId` of the outcome is).
 */
export async function submitAsl(ref: AslRunRef, executionName: string, input: string): Promise<SubmitOutcome> {
  const refused = checkExecutionName(executionName);
  if (refused) throw new UserError(`--run-id ${refused}`, 'choose another --run-id');
  const { runId } = runOf(executionName);
  return withClients(ref.env, async (aws, id) => {
    const sfn = await sfnSdk();
    const { name, arn } = await deployedMachine(aws, id, ref);
    const executionArn = `${arn.replace(':stateMachine:', ':execution:')}:${executionName}`;
    try {
      const existing = await aws.sfn.send(new sfn.DescribeExecutionCommand({ executionArn }));
      if (existing.status === 'RUNNING' && existing.input === input) return { runId, id: executionArn, started: false };
      throw new UserError(
        `run "${executionName}" already exists on ${name} (${existing.status}${existing.input === input ? '' : ', with another input'})`,
        'Step Functions keeps execution names for 90 days: choose another --run-id, or leave it out for a new one',
      );
    } catch (error) {
      if (error instanceof UserError) throw error;
      if (!isNotFound(error) && (error as { name?: string })?.name !== 'ExecutionDoesNotExist') await call(`DescribeExecution ${executionName}`, () => Promise.reject(error));
    }
    try {
      const out = await aws.sfn.send(new sfn.StartExecutionCommand({ stateMachineArn: arn, name: executionName, input }));
      return { runId, id: out.executionArn ?? executionArn, started: true };
    } catch (error) {
      if ((error as { name?: string })?.name === 'StateMachineDoesNotExist')
        throw new UserError(`the state machine "${name}" is not deployed`, 'run dagc deploy with the same pipeline and config first');
      return call(`StartExecution ${executionName}`, () => Promise.reject(error));
    }
  });
}

export interface EngineRun {
  /** The run log's run id: the execution's name, or the run id a name the run-id rule refuses maps to. */
  readonly runId: string;
  /** The execution's name, where it is not the run id. */
  readonly execution?: string;
  readonly status: string;
  readonly started?: string;
  readonly ended?: string;
}

export async function listAsl(ref: AslRunRef): Promise<EngineRun[]> {
  return withClients(ref.env, async (aws, id) => {
    const sfn = await sfnSdk();
    const { name, arn } = await deployedMachine(aws, id, ref);
    const runs: EngineRun[] = [];
    let token: string | undefined;
    do {
      const page = await aws.sfn.send(new sfn.ListExecutionsCommand({ stateMachineArn: arn, ...(token ? { nextToken: token } : {}) })).catch((error: unknown) => {
        if ((error as { name?: string })?.name === 'StateMachineDoesNotExist') throw new UserError(`the state machine "${name}" is not deployed`, 'run dagc deploy first');
        return call('ListExecutions', () => Promise.reject(error));
      });
      for (const e of page.executions ?? [])
        runs.push({
          ...runOf(e.name ?? ''),
          status: e.status ?? '',
          ...(e.startDate ? { started: e.startDate.toISOString() } : {}),
          ...(e.stopDate ? { ended: e.stopDate.toISOString() } : {}),
        });
      token = page.nextToken;
    } while (token);
    return runs.sort((a, b) => (a.started ?? '').localeCompare(b.started ?? '') || a.runId.localeCompare(b.runId));
  });
}

/**
 * The ARN of the execution of run `runId` (or named `runId`): the execution of that name, else the one whose
 * name maps to that run id (runtime/run-id.ts runIdOfExecutionName; `dagc submit` prints the run id). When none
 * does, the ARN of that name, which DescribeExecution then reports as missing.
 */
async function executionOfRun(aws: AwsClients, machineArn: string, runId: string): Promise<string> {
  const sfn = await sfnSdk();
  const named = `${machineArn.replace(':stateMachine:', ':execution:')}:${runId}`;
  if (runIdOfExecutionName(runId) !== runId) return named; // an execution name, not a run id: its own
  try {
    await aws.sfn.send(new sfn.DescribeExecutionCommand({ executionArn: named }));
    return named;
  } catch (error) {
    if (!isNotFound(error) && (error as { name?: string })?.name !== 'ExecutionDoesNotExist') return call(`DescribeExecution ${runId}`, () => Promise.reject(error));
  }
  let token: string | undefined;
  do {
    const page = await call('ListExecutions', () => aws.sfn.send(new sfn.ListExecutionsCommand({ stateMachineArn: machineArn, ...(token ? { nextToken: token } : {}) })));
    const found = (page.executions ?? []).find((e) => e.name !== undefined && e.name !== runId && runIdOfExecutionName(e.name) === runId);
    if (found?.executionArn) return found.executionArn;
    token = page.nextToken;
  } while (token);
  return named;
}

export interface EngineEvent {
  /** The run's status, or a node's "name: phase". */
  readonly text: string;
  /** A poll happened (the caller reads the run log then); text is empty. */
  readonly tick?: boolean;
}

/** Terminal execution statuses and whether they count as success. */
const FINAL: Readonly<Record<string, boolean>> = { SUCCEEDED: true, FAILED: false, TIMED_OUT: false, ABORTED: false };

/**
 * Follows an execution until it ends: its status and the states entered and exited (from the execution
 * history), each reported once, in order. Resolves with the final status.
 */
export async function watchAsl(
  ref: AslRunRef,
  runId: string,
  onEvent: (e: EngineEvent) => void | Promise<void>,
  opts: { intervalMs?: number; signal?: AbortSignal } = {},
): Promise<{ status: string; ok: boolean }> {
  return withClients(ref.env, async (aws, id) => {
    const sfn = await sfnSdk();
    const { name, arn } = await deployedMachine(aws, id, ref);
    const executionArn = await executionOfRun(aws, arn, runId);
    let last = '';
    let seen = 0;
    for (;;) {
      const e = await aws.sfn.send(new sfn.DescribeExecutionCommand({ executionArn })).catch((error: unknown) => {
        if ((error as { name?: string })?.name === 'ExecutionDoesNotExist') throw new UserError(`no run "${runId}" on the state machine "${name}"`, `dagc runs list --target asl shows its runs`);
        return call(`DescribeExecution ${runId}`, () => Promise.reject(error));
      });
      const history = await call(`GetExecutionHistory ${runId}`, () => aws.sfn.send(new sfn.GetExecutionHistoryCommand({ executionArn, maxResults: 1000 })));
      const events = (history.events ?? []).flatMap((h) => {
        const state = h.stateEnteredEventDetails?.name ?? h.stateExitedEventDetails?.name;
        return state ? [`${state}: ${h.type?.endsWith('Entered') ? 'entered' : 'exited'}`] : [];
      });
      for (const text of events.slice(seen)) await onEvent({ text });
      seen = Math.max(seen, events.length);
      await onEvent({ text: '', tick: true });
      const status = e.status ?? 'UNKNOWN';
      if (status !== last) await onEvent({ text: `run ${runId}: ${status}` });
      last = status;
      if (Object.hasOwn(FINAL, status)) return { status, ok: FINAL[status]! };
      if (opts.signal?.aborted) throw new RemoteError('stopped watching');
      await new Promise((r) => setTimeout(r, opts.intervalMs ?? 2000));
    }
  });
}
