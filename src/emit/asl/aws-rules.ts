// What AWS refuses that the asl config reader's types let through, checked on the rendered machine and the
// config it came from, each at the config key's line:col (src/config/source.ts) so `dagc validate`, `check` and
// `compile` exit 2 before a deployment would fail:
//   - the state machine's name (CreateStateMachine `name`: 1-80 characters, none of whitespace, < > { } [ ] ? *
//     " # % \ ^ | ~ ` $ & , ; : / or control characters; AWS docs, API_CreateStateMachine)
//   - ECS RunTask overrides over 8,192 characters (AWS docs, API_RunTask: "A total of 8192 characters are
//     allowed for overrides")
//   - a GPU with an ECS Fargate launch type (Fargate offers no GPUs: AWS docs, "Amazon ECS task definition
//     differences for Fargate")
//   - fractional vCPUs for Batch jobs: a Batch job on EC2 resources takes whole vCPUs, at least 1 (AWS docs,
//     ResourceRequirement: "For jobs that are running on EC2 resources … must be at least one"); the Fargate values
//     0.25 and 0.5 need a Fargate job definition (cloudformation: {platform: FARGATE})
//   - EC2-only settings on those Fargate job definitions: a GPU, or a vCPU/memory pair Fargate does not offer
import type { DagcConfig } from '../../config/types.js';
import { sectionDiagnostic } from '../../config/source.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import type { AslConfig, AslSettings } from './asl-config.js';
import type { State, StateMachine } from './asl-types.js';
import { DEFAULT_MEMORY_MIB, DEFAULT_VCPUS } from './job-definitions.js';

/** Batch on Fargate: the MEMORY values (MiB) each VCPU value takes (AWS Batch API reference, ResourceRequirement). */
const FARGATE_SIZES: ReadonlyMap<number, readonly number[]> = new Map([
  [0.25, [512, 1024, 2048]],
  [0.5, [1024, 2048, 3072, 4096]],
  [1, range(2048, 8192, 1024)],
  [2, range(4096, 16384, 1024)],
  [4, range(8192, 30720, 1024)],
  [8, range(16384, 61440, 4096)],
  [16, range(32768, 122880, 8192)],
]);

function range(from: number, to: number, step: number): number[] {
  return Array.from({ length: (to - from) / step + 1 }, (_, i) => from + i * step);
}

/** ECS RunTask: the overrides' total size. */
export const ECS_OVERRIDES_LIMIT = 8192;
/** Step Functions state machine names (CreateStateMachine). */
const MACHINE_NAME = /^[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]{1,80}$/u;

function* tasks(states: Record<string, State>): Generator<[string, State & { Type: 'Task' }]> {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') yield [name, state];
    if (state.Type === 'Parallel') for (const b of state.Branches) yield* tasks(b.States);
    if (state.Type === 'Map') yield* tasks(state.ItemProcessor.States);
  }
}

/** Where a settings problem is shown: the global config's key, or the node that overrides it. */
export interface SettingsPlace {
  readonly settings: AslSettings;
  readonly key: readonly string[];
  readonly node?: { readonly name: string; readonly file: string; readonly line: number; readonly column: number };
}

export function awsRules(config: DagcConfig, asl: AslConfig, definition: StateMachine, places: readonly SettingsPlace[], file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const at = (path: readonly string[], code: string, message: string, hint: string, node?: SettingsPlace['node']): Diagnostic =>
    node
      ? { code, severity: 'error', message: `node "${node.name}": ${message}`, hint, file: node.file, start: { line: node.line, column: node.column } }
      : sectionDiagnostic(config.executor, path, code, `the asl executor config: ${message}`, hint, { fallbackFile: file });

  const name = asl.machine.cloudformation?.name;
  if (name !== undefined && !MACHINE_NAME.test(name))
    out.push(
      at(
        ['cloudformation', 'name'],
        'DAGC-ASL-MACHINE-NAME',
        `Step Functions refuses the state machine name "${name}": 1-80 characters without spaces, brackets, wildcards or any of " # % \\ ^ | ~ \` $ & , ; : /`,
        'use letters, digits, "-" and "_", e.g. ' + JSON.stringify(name.replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 80) || 'pipeline'),
      ),
    );

  for (const place of places) {
    const s = place.settings;
    if (s.compute.kind === 'ecs' && s.compute.launchType === 'FARGATE' && s.gpu !== undefined)
      out.push(at([...place.key, 'gpu'], 'DAGC-ASL-FARGATE-GPU', 'ECS on Fargate has no GPUs', 'use launch_type: EC2 with a GPU container instance, or drop gpu', place.node));
    // A job definition dagc declares with cloudformation: {platform: FARGATE} runs on Fargate, which takes 0.25 and 0.5.
    const onFargate = s.compute.kind === 'batch' && s.compute.jobDefinition === undefined && asl.machine.cloudformation?.platform === 'FARGATE';
    if (s.compute.kind === 'batch' && !onFargate && s.vcpus !== undefined && (!Number.isInteger(s.vcpus) || s.vcpus < 1))
      out.push(
        at(
          [...place.key, 'vcpus'],
          'DAGC-ASL-BATCH-VCPUS',
          `Batch jobs on EC2 take whole vCPUs (at least 1), not ${s.vcpus}`,
          'give vcpus as a whole number; Fargate sizes (0.25, 0.5) need a Fargate job definition (cloudformation: {platform: FARGATE} declares them for images without a job_definition)',
          place.node,
        ),
      );
  }

  // EC2-only settings on the Fargate job definitions dagc declares (cloudformation: {platform: FARGATE}): Batch on
  // Fargate takes no GPU and only the Fargate sizes (AWS Batch API, ResourceRequirement: "GPUs aren't available for
  // jobs that are running on Fargate resources"; VCPU 0.25, 0.5, 1, 2, 4, 8 or 16, each with its MEMORY values).
  if (asl.machine.cloudformation?.platform === 'FARGATE')
    for (const place of places) {
      const s = place.settings;
      if (s.compute.kind !== 'batch' || s.compute.jobDefinition !== undefined) continue;
      if (s.gpu !== undefined)
        out.push(at([...place.key, 'gpu'], 'DAGC-ASL-FARGATE-GPU', 'Batch on Fargate has no GPUs (cloudformation: {platform: FARGATE})', 'drop gpu, or run this node on EC2: give it a job_definition of an EC2 job definition', place.node));
      const vcpus = s.vcpus ?? asl.global.vcpus ?? DEFAULT_VCPUS;
      const memory = s.memory ?? asl.global.memory ?? DEFAULT_MEMORY_MIB;
      const sizes = FARGATE_SIZES.get(vcpus);
      if (!sizes || !sizes.includes(memory))
        out.push(
          at(
            [...place.key, s.vcpus !== undefined || s.memory === undefined ? 'vcpus' : 'memory'],
            'DAGC-ASL-FARGATE-SIZE',
            `Batch on Fargate takes no job of ${vcpus} vCPU with ${memory} MiB`,
            sizes
              ? `with ${vcpus} vCPU give memory one of ${sizes.map((m) => m.toLocaleString('en-US')).join(', ')} MiB`
              : `Fargate vCPU values are ${[...FARGATE_SIZES.keys()].join(', ')}`,
            place.node,
          ),
        );
    }

  for (const [state, task] of tasks(definition.States)) {
    if (!task.Resource.startsWith('arn:aws:states:::ecs:')) continue;
    const size = JSON.stringify(task.Parameters.Overrides ?? {}).length;
    if (size > ECS_OVERRIDES_LIMIT)
      out.push(
        at(
          ['env'],
          'DAGC-ASL-ECS-OVERRIDES',
          `the ECS overrides of state "${state}" are ${size.toLocaleString('en-US')} characters; RunTask takes at most ${ECS_OVERRIDES_LIMIT.toLocaleString('en-US')}`,
          'move long env values into the image or the config file the job reads, or shorten the paths and names in the command',
        ),
      );
  }
  return out;
}
