// The optional CloudFormation wrapper (`cloudformation: {role_arn, name}` in the asl executor config): one
// AWS::StepFunctions::StateMachine resource holding the definition as an object (its `Definition` property),
// so it deploys with `aws cloudformation deploy`. Without role_arn the role is a template parameter.
// Batch job definitions for images no configured job_definition covers come first (job-definitions.ts); the
// Task states name them by `${LogicalId}` placeholders that DefinitionSubstitutions map to their Refs (the
// only substitutions: otherwise the definition reaches Step Functions as dagc wrote it).
// The CloseRule (EventBridge) starts the machine again with {"dagc_close": …} when an execution ends FAILED,
// TIMED_OUT or ABORTED, so a run whose execution ended where no Catch sees (States.Runtime, the execution's
// timeout, StopExecution) is closed FAIL (build-states.ts WRAPPER). Its role (CloseRuleRoleArn) must trust
// events.amazonaws.com and may states:StartExecution on the machine.
import type { Json, StateMachine } from './asl-types.js';
import type { CloudFormationSettings } from './asl-config.js';
import { jobRolePolicy, stateMachinePolicy, templatePolicy } from './iam-policy.js';
import { ARN_LIMIT, jacksonPrettyBytes } from './limits.js';

/** The EventBridge rule that closes the run of an execution that ended badly (see above). */
function closeRule(): { [key: string]: Json } {
  return {
    Type: 'AWS::Events::Rule',
    Properties: {
      Description: 'dagc: close the run of an execution that ended FAILED, TIMED_OUT or ABORTED',
      EventPattern: {
        source: ['aws.states'],
        'detail-type': ['Step Functions Execution Status Change'],
        detail: {
          status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
          stateMachineArn: [{ Ref: 'StateMachine' }],
          // Not the close executions themselves (their input starts with dagc_close).
          input: [{ 'anything-but': { prefix: '{"dagc_close"' } }],
        },
      },
      Targets: [
        {
          Id: 'dagc-close',
          Arn: { Ref: 'StateMachine' },
          RoleArn: { Ref: 'CloseRuleRoleArn' },
          InputTransformer: {
            InputPathsMap: { run: '$.detail.name', status: '$.detail.status' },
            InputTemplate: '{"dagc_close": {"run": <run>, "error": "dagc.Execution<status>", "cause": "the execution ended <status>"}}',
          },
        },
      ],
    },
  };
}

export type CloudFormationOptions = CloudFormationSettings;

const tagList = (tags: readonly (readonly [string, string])[]): Json[] => tags.map(([Key, Value]) => ({ Key, Value }));

/** A role that `service` assumes, with one inline policy. */
function role(service: readonly string[], policy: Json, tags: readonly (readonly [string, string])[], description: string): Json {
  return {
    Type: 'AWS::IAM::Role',
    Properties: {
      Description: description,
      AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: [...service] }, Action: 'sts:AssumeRole' }] },
      Policies: [{ PolicyName: 'dagc', PolicyDocument: policy }],
      ...(tags.length ? { Tags: tagList(tags) } : {}),
    },
  };
}

/**
 * The template. Optional parts, each from the asl config's `cloudformation:` (CloudFormation template
 * reference, AWS::StepFunctions::StateMachine LoggingConfiguration / TracingConfiguration / Tags;
 * AWS::Logs::LogGroup; AWS::IAM::Role; AWS::Scheduler::Schedule):
 *   role: true   StateMachineRole (the least-privilege policy of iam-policy.ts, read from this definition) and
 *                CloseRuleRole (events.amazonaws.com may start this machine), instead of the RoleArn and
 *                CloseRuleRoleArn parameters; the machine is then named (its `name`, or the stack's) so the
 *                policy can name it without depending on it
 *   logging      a log group under /aws/vendedlogs/states/ (the prefix the Step Functions guide recommends for
 *                vended logs' resource policy) and LoggingConfiguration {Level, IncludeExecutionData}
 *                With secret_as_env ARNs, JobRole too (ecs-tasks.amazonaws.com; Secrets Manager / SSM reads of
 *                exactly those ARNs), the job role of the job definitions the template declares without one
 *   tracing      TracingConfiguration {Enabled: true} (X-Ray)
 *   tags         on the machine, the log group, the roles, the job definitions and the schedule's group-less
 *                schedule (Scheduler schedules take no tags)
 *   schedule     AWS::Scheduler::Schedule with ScheduleExpressionTimezone, its target the machine, started
 *                with the empty input; its role is StateMachineRole (which Scheduler may assume) or the
 *                ScheduleRoleArn parameter
 */
export function cloudFormationTemplate(
  definition: StateMachine,
  opts: CloudFormationOptions,
  dagHash: string,
  jobDefinitions: Readonly<Record<string, Json>> = {},
): unknown {
  const tags = opts.tags ?? [];
  const declareRoles = opts.role === true;
  const machineName: Json | undefined = opts.name ?? (declareRoles ? { Ref: 'AWS::StackName' } : undefined);
  const resources: Record<string, Json> = { ...jobDefinitions };
  // With role: true and secrets to read, the job definitions the template declares without a job role of the
  // config's (job_role_arn) run as JobRole, which may read exactly those secrets (iam-policy.ts jobRolePolicy).
  const jobStatements = declareRoles ? jobRolePolicy(opts.secrets ?? []) : [];
  const roleless = Object.entries(jobDefinitions).filter(([, r]) => {
    const job = r as { Type?: string; Properties?: { ContainerProperties?: { JobRoleArn?: unknown } } };
    return job.Type === 'AWS::Batch::JobDefinition' && job.Properties?.ContainerProperties?.JobRoleArn === undefined;
  });
  if (jobStatements.length && roleless.length) {
    resources['JobRole'] = role(['ecs-tasks.amazonaws.com'], templatePolicy(jobStatements, ''), tags, "dagc: the jobs run as this role; it may read the secrets the pipeline's secret_as_env names");
    for (const [id, r] of roleless) {
      const job = r as { Properties: { ContainerProperties: Record<string, Json> } };
      resources[id] = { ...job, Properties: { ...job.Properties, ContainerProperties: { ...job.Properties.ContainerProperties, JobRoleArn: { 'Fn::GetAtt': ['JobRole', 'Arn'] } } } } as unknown as Json;
    }
  }
  const parameters: Record<string, Json> = {};
  if (declareRoles) {
    const statements = stateMachinePolicy(definition, { logging: opts.logging !== undefined, tracing: opts.tracing === true, schedule: opts.schedule !== undefined });
    resources['StateMachineRole'] = role(
      ['states.amazonaws.com', ...(opts.schedule ? ['scheduler.amazonaws.com'] : [])],
      templatePolicy(statements, machineName ?? ''),
      tags,
      'dagc: the state machine runs as this role',
    );
    resources['CloseRuleRole'] = role(
      ['events.amazonaws.com'],
      { Version: '2012-10-17', Statement: [{ Sid: 'CloseRun', Effect: 'Allow', Action: ['states:StartExecution'], Resource: [{ Ref: 'StateMachine' }] }] },
      tags,
      'dagc: EventBridge starts the closing execution with this role',
    );
  } else {
    if (!opts.roleArn)
      parameters['RoleArn'] = { Type: 'String', Description: 'The execution role: it may submit Batch jobs or run ECS tasks (.sync) and read the run log bucket' };
    parameters['CloseRuleRoleArn'] = {
      Type: 'String',
      Description: 'The role EventBridge starts the closing execution with: trusts events.amazonaws.com, may states:StartExecution on the machine',
    };
    if (opts.schedule) parameters['ScheduleRoleArn'] = { Type: 'String', Description: 'The role EventBridge Scheduler starts executions with: trusts scheduler.amazonaws.com, may states:StartExecution on the machine' };
  }
  if (opts.logging)
    resources['LogGroup'] = {
      Type: 'AWS::Logs::LogGroup',
      Properties: {
        LogGroupName: { 'Fn::Sub': '/aws/vendedlogs/states/${AWS::StackName}' },
        RetentionInDays: opts.logging.retentionDays,
        ...(tags.length ? { Tags: tagList(tags) } : {}),
      },
    };
  // The job definitions' placeholders in the definition (a Fargate execution role is declared beside them).
  const substituted = substitutedIds(jobDefinitions);
  const roleArn: Json = declareRoles ? { 'Fn::GetAtt': ['StateMachineRole', 'Arn'] } : (opts.roleArn ?? { Ref: 'RoleArn' });
  resources['StateMachine'] = {
    Type: 'AWS::StepFunctions::StateMachine',
    Properties: {
      ...(machineName !== undefined ? { StateMachineName: machineName } : {}),
      StateMachineType: 'STANDARD',
      RoleArn: roleArn,
      Definition: definition as unknown as Json,
      ...(substituted.length ? { DefinitionSubstitutions: Object.fromEntries(substituted.map((id) => [id, { Ref: id }])) } : {}),
      ...(opts.logging
        ? {
            LoggingConfiguration: {
              Level: opts.logging.level,
              IncludeExecutionData: opts.logging.includeExecutionData,
              Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': ['LogGroup', 'Arn'] } } }],
            },
          }
        : {}),
      ...(opts.tracing ? { TracingConfiguration: { Enabled: true } } : {}),
      ...(tags.length ? { Tags: tagList(tags) } : {}),
    },
  };
  const close = closeRule();
  if (declareRoles) ((close['Properties'] as { Targets: { RoleArn: Json }[] }).Targets[0]!).RoleArn = { 'Fn::GetAtt': ['CloseRuleRole', 'Arn'] };
  resources['CloseRule'] = close as Json;
  if (opts.schedule)
    resources['Schedule'] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Description: 'dagc: starts the pipeline',
        ScheduleExpression: opts.schedule.expression,
        ScheduleExpressionTimezone: opts.schedule.timezone,
        State: opts.schedule.enabled ? 'ENABLED' : 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: { Ref: 'StateMachine' }, RoleArn: declareRoles ? { 'Fn::GetAtt': ['StateMachineRole', 'Arn'] } : { Ref: 'ScheduleRoleArn' }, Input: '{}' },
      },
    };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `dagc state machine (dag_hash ${dagHash})`,
    ...(Object.keys(parameters).length ? { Parameters: parameters } : {}),
    Resources: resources,
    Outputs: { StateMachineArn: { Value: { Ref: 'StateMachine' } } },
  };
}

/** The declared job definitions whose `${LogicalId}` the definition holds, filled by DefinitionSubstitutions. */
function substitutedIds(jobDefinitions: Readonly<Record<string, Json>>): string[] {
  return Object.entries(jobDefinitions)
    .filter(([, r]) => (r as { Type?: string }).Type === 'AWS::Batch::JobDefinition')
    .map(([id]) => id);
}

/**
 * The bytes of the definition Step Functions gets from the wrapper: CloudFormation writes the `Definition`
 * object out with Jackson's default pretty printer (limits.ts jacksonPrettyBytes), then puts each declared job
 * definition's ARN (its Ref; counted at ARN_LIMIT) for its `${LogicalId}`
 * (aws-cloudformation-resource-providers-stepfunctions, DefinitionProcessor.processDefinition).
 */
export function cloudFormationDefinitionBytes(definition: unknown, jobDefinitions: Readonly<Record<string, Json>>): number {
  const text = JSON.stringify(definition);
  let bytes = jacksonPrettyBytes(definition);
  for (const id of substitutedIds(jobDefinitions)) {
    const placeholder = `\${${id}}`;
    for (let i = text.indexOf(placeholder); i !== -1; i = text.indexOf(placeholder, i + 1)) bytes += ARN_LIMIT - Buffer.byteLength(placeholder, 'utf8');
  }
  return bytes;
}
