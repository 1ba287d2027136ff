// The EventBridge Scheduler schedule that starts the pipeline: one schedule per pipeline, its target the
// state machine's alias (so a schedule always runs the version deploy moved the alias to). Schedules take no
// tags, so dagc's own are recognised by what they start: a schedule in the group whose target is this
// pipeline's state machine (which carries dagc's tags) or one of its aliases/versions. Prune deletes those that
// are not desired; a schedule is never chosen by its name alone.
// API: https://docs.aws.amazon.com/scheduler/latest/APIReference/ (CreateSchedule, UpdateSchedule, ListSchedules).
import type { AwsClients } from './clients.js';
import { call, isNotFound, retryFreshRole } from './errors.js';
import { schedulerSdk } from './sdk.js';
import { diffValues } from '../diff.js';
import type { ResourceOutcome } from '../types.js';
import type { AslSchedule } from '../settings.js';

export interface ScheduleDesired extends AslSchedule {
  readonly targetArn: string;
  readonly roleArn: string;
}

interface ScheduleBody {
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  State: 'ENABLED' | 'DISABLED';
  FlexibleTimeWindow: { Mode: 'OFF' | 'FLEXIBLE' };
  Target: { Arn: string; RoleArn: string; Input: string };
  Description: string;
}

function body(d: ScheduleDesired): ScheduleBody {
  return {
    ScheduleExpression: d.expression,
    // EventBridge Scheduler's own default, written out so that a read-back compares equal.
    ScheduleExpressionTimezone: d.timezone ?? 'UTC',
    State: d.enabled ? 'ENABLED' : 'DISABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    Target: { Arn: d.targetArn, RoleArn: d.roleArn, Input: '{}' },
    Description: 'deployed by dagc',
  };
}

export async function applySchedule(aws: AwsClients, desired: ScheduleDesired, dryRun: boolean, freshRole = false): Promise<ResourceOutcome> {
  const sch = await schedulerSdk();
  const scheduler = await aws.scheduler();
  const id = `${desired.group}/${desired.name}`;
  let current;
  try {
    current = await scheduler.send(new sch.GetScheduleCommand({ Name: desired.name, GroupName: desired.group }));
  } catch (error) {
    if (!isNotFound(error)) await call(`GetSchedule ${id}`, () => Promise.reject(error));
  }
  const want = body(desired);
  const input = { Name: desired.name, GroupName: desired.group, ...want };
  if (!current) {
    if (!dryRun) await call(`CreateSchedule ${id}`, () => retryFreshRole(freshRole, () => scheduler.send(new sch.CreateScheduleCommand(input))));
    return { kind: 'Schedule', name: id, action: 'created', changes: diffValues({}, want) };
  }
  const have: ScheduleBody = {
    ScheduleExpression: current.ScheduleExpression ?? '',
    ScheduleExpressionTimezone: current.ScheduleExpressionTimezone ?? 'UTC',
    State: current.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    FlexibleTimeWindow: { Mode: current.FlexibleTimeWindow?.Mode === 'FLEXIBLE' ? 'FLEXIBLE' : 'OFF' },
    Target: { Arn: current.Target?.Arn ?? '', RoleArn: current.Target?.RoleArn ?? '', Input: current.Target?.Input ?? '' },
    Description: current.Description ?? '',
  };
  const changes = diffValues(have, want);
  if (changes.length === 0) return { kind: 'Schedule', name: id, action: 'unchanged', changes };
  if (!dryRun) await call(`UpdateSchedule ${id}`, () => retryFreshRole(freshRole, () => scheduler.send(new sch.UpdateScheduleCommand(input))));
  return { kind: 'Schedule', name: id, action: 'updated', changes };
}

/** Schedules in `group` that start this state machine (any alias or version of it), except `keep`. */
export async function pruneSchedules(aws: AwsClients, machineArn: string, group: string, keep: string | undefined, dryRun: boolean): Promise<ResourceOutcome[]> {
  const sch = await schedulerSdk();
  const scheduler = await aws.scheduler();
  const out: ResourceOutcome[] = [];
  let token: string | undefined;
  const owned: string[] = [];
  do {
    const page = await call(`ListSchedules ${group}`, () => scheduler.send(new sch.ListSchedulesCommand({ GroupName: group, ...(token ? { NextToken: token } : {}) })));
    for (const s of page.Schedules ?? []) {
      const arn = s.Target?.Arn ?? '';
      if (s.Name && s.Name !== keep && (arn === machineArn || arn.startsWith(`${machineArn}:`))) owned.push(s.Name);
    }
    token = page.NextToken;
  } while (token);
  for (const name of owned.sort()) {
    if (!dryRun) await call(`DeleteSchedule ${group}/${name}`, () => scheduler.send(new sch.DeleteScheduleCommand({ Name: name, GroupName: group })));
    out.push({ kind: 'Schedule', name: `${group}/${name}`, action: 'deleted', changes: [] });
  }
  return out;
}
