// The optional CloudFormation wrapper (`cloudformation: {role_arn, name}` in the asl executor config): one
// AWS::StepFunctions::StateMachine resource holding the definition as an object (its `Definition` property),
// so it deploys with `aws cloudformation deploy`. Without role_arn the role is a template parameter.
// Batch job definitions for images no configured job_definition covers come first (job-definitions.ts); the
// Task states name them by `${LogicalId}` placeholders that DefinitionSubstitutions map to their Refs (the
// only substitutions: otherwise the definition reaches Step Functions as dagc wrote it).
import type { Json, StateMachine } from './asl-types.js';

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
    ...(opts.roleArn
      ? {}
      : {
          Parameters: {
            RoleArn: {
              Type: 'String',
              Description: 'The execution role: it may submit Batch jobs or run ECS tasks (.sync) and read the run log bucket',
            },
          },
        }),
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
    },
    Outputs: { StateMachineArn: { Value: { Ref: 'StateMachine' } } },
  };
}
