// Batch job definitions the CloudFormation wrapper declares (`cloudformation: …` in the asl config): one
// AWS::Batch::JobDefinition per distinct image (and roles) that no configured `job_definition` covers, since a
// SubmitJob override cannot change the image. The Task states name them with a `${LogicalId}` placeholder and
// the wrapper maps each placeholder to `{"Ref": LogicalId}` in the state machine's DefinitionSubstitutions,
// the documented way to put values from intrinsic functions into a definition (AWS CloudFormation template
// reference, AWS::StepFunctions::StateMachine DefinitionSubstitutions; AWS::Batch::JobDefinition "Return
// values": Ref returns the ARN). The Ref also orders their creation before the state machine's.
// Shapes (same reference, AWS::Batch::JobDefinition and its ContainerProperties / ResourceRequirement):
//   {Type: container, ContainerProperties: {Image, ResourceRequirements: [{Type: VCPU|MEMORY|GPU, Value}],
//    JobRoleArn?, ExecutionRoleArn?}}
// The job definition's vCPUs and memory are the executor's (Batch needs both for EC2 jobs; 1 vCPU and
// 2,048 MiB when the config gives none); a node's own vcpus, memory and gpu still go in its submit's
// ContainerOverrides, which take precedence.
import { sha256 } from '../../core/sha256.js';
import type { AslSettings } from './asl-config.js';
import type { Json } from './asl-types.js';

export const DEFAULT_VCPUS = 1;
export const DEFAULT_MEMORY_MIB = 2048;

export interface JobDefinitionRegistry {
  /** The JobDefinition parameter of a Batch Task: the configured ARN, or the placeholder of a declared one. */
  jobDefinitionOf(settings: AslSettings): Json;
  /** The declared AWS::Batch::JobDefinition resources by logical ID, sorted (empty when none is needed). */
  resources(): Record<string, Json>;
}

/** What the declared definitions share: the executor's resources (the nodes override theirs per submit). */
export interface JobDefinitionDefaults {
  readonly vcpus?: number;
  readonly memory?: number;
  /** The executor's task timeout: the job's own Timeout (Batch stops an attempt that runs longer; at least 60). */
  readonly timeoutSeconds?: number;
  /** cloudformation.tags, on each job definition and (PropagateTags) the ECS tasks of its jobs. */
  readonly tags?: readonly (readonly [string, string])[];
  /** cloudformation.platform: FARGATE declares Fargate job definitions (PlatformCapabilities, network, platform). */
  readonly platform?: 'EC2' | 'FARGATE';
  readonly assignPublicIp?: boolean;
}

/** The role a Fargate job's agent pulls the image and writes logs with, when the config names none. */
export const JOB_EXECUTION_ROLE = 'JobExecutionRole';

export function createJobDefinitionRegistry(defaults: JobDefinitionDefaults): JobDefinitionRegistry {
  const declared = new Map<string, { logicalId: string; resource: Json }>();
  let needsExecutionRole = false;
  return {
    jobDefinitionOf(settings) {
      const compute = settings.compute;
      if (compute.kind !== 'batch') throw new Error('a job definition for an ECS task (dagc bug)');
      if (compute.jobDefinition !== undefined) return compute.jobDefinition;
      const fargate = defaults.platform === 'FARGATE';
      if (fargate && !compute.executionRoleArn) needsExecutionRole = true;
      const container: { [key: string]: Json } = {
        Image: settings.image,
        ResourceRequirements: [
          { Type: 'VCPU', Value: String(defaults.vcpus ?? DEFAULT_VCPUS) },
          { Type: 'MEMORY', Value: String(defaults.memory ?? DEFAULT_MEMORY_MIB) },
        ],
        ...(compute.jobRoleArn ? { JobRoleArn: compute.jobRoleArn } : {}),
        ...(compute.executionRoleArn ? { ExecutionRoleArn: compute.executionRoleArn } : fargate ? { ExecutionRoleArn: { 'Fn::GetAtt': [JOB_EXECUTION_ROLE, 'Arn'] } } : {}),
        // AWS::Batch::JobDefinition ContainerProperties for Fargate: NetworkConfiguration.AssignPublicIp and
        // FargatePlatformConfiguration.PlatformVersion (AWS Batch User Guide, "Fargate job definitions").
        ...(fargate
          ? { NetworkConfiguration: { AssignPublicIp: defaults.assignPublicIp ? 'ENABLED' : 'DISABLED' }, FargatePlatformConfiguration: { PlatformVersion: 'LATEST' } }
          : {}),
      };
      const tags = defaults.tags ?? [];
      const resource: Json = {
        Type: 'AWS::Batch::JobDefinition',
        Properties: {
          Type: 'container',
          ...(fargate ? { PlatformCapabilities: ['FARGATE'] } : {}),
          ContainerProperties: container,
          ...(defaults.timeoutSeconds !== undefined ? { Timeout: { AttemptDurationSeconds: Math.max(60, defaults.timeoutSeconds) } } : {}),
          ...(tags.length ? { Tags: Object.fromEntries(tags), PropagateTags: true } : {}),
        },
      };
      const key = JSON.stringify(resource);
      let found = declared.get(key);
      if (!found) {
        // Logical IDs are alphanumeric (CloudFormation "Resources" section); the hash keeps them stable
        // whatever order the nodes are met in.
        const logicalId = `JobDefinition${sha256(key).slice(0, 12)}`;
        found = { logicalId, resource };
        declared.set(key, found);
      }
      return `\${${found.logicalId}}`;
    },
    resources() {
      const out: Record<string, Json> = Object.fromEntries([...declared.values()].map((d) => [d.logicalId, d.resource] as const).sort(([a], [b]) => (a < b ? -1 : 1)));
      if (needsExecutionRole)
        out[JOB_EXECUTION_ROLE] = {
          Type: 'AWS::IAM::Role',
          Properties: {
            Description: 'dagc: the Fargate job agent pulls the image and writes logs with this role',
            AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: ['ecs-tasks.amazonaws.com'] }, Action: 'sts:AssumeRole' }] },
            // The managed policy the Amazon ECS guide names for task execution roles.
            ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy' }],
            ...(defaults.tags?.length ? { Tags: defaults.tags.map(([Key, Value]) => ({ Key, Value })) } : {}),
          },
        };
      return out;
    },
  };
}
