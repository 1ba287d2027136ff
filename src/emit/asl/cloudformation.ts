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

/** The EventBridge rule that closes the run of an execution that ended badly (see above). */
function closeRule(): Record<string, Json> {
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

export interface CloudFormationOptions {
  readonly roleArn?: string;
  readonly name?: string;
}

export function cloudFormationTemplate(
  definition: StateMachine,
  opts: CloudFormationOptions,
  dagHash: string,
  jobDefinitions: Readonly<Record<string, Json>> = {},
): unknown {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `dagc state machine (dag_hash ${dagHash})`,
    Parameters: {
      ...(opts.roleArn
        ? {}
        : {
            RoleArn: {
              Type: 'String',
              Description: 'The execution role: it may submit Batch jobs or run ECS tasks (.sync) and read the run log bucket',
            },
          }),
      CloseRuleRoleArn: {
        Type: 'String',
        Description: 'The role EventBridge starts the closing execution with: trusts events.amazonaws.com, may states:StartExecution on the machine',
      },
    },
    Resources: {
      ...jobDefinitions,
      StateMachine: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: {
          ...(opts.name ? { StateMachineName: opts.name } : {}),
          StateMachineType: 'STANDARD',
          RoleArn: opts.roleArn ?? { Ref: 'RoleArn' },
          Definition: definition,
          ...(Object.keys(jobDefinitions).length
            ? { DefinitionSubstitutions: Object.fromEntries(Object.keys(jobDefinitions).map((id) => [id, { Ref: id }])) }
            : {}),
        },
      },
      CloseRule: closeRule(),
    },
    Outputs: { StateMachineArn: { Value: { Ref: 'StateMachine' } } },
  };
}
