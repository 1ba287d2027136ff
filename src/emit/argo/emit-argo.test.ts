import { describe, expect, it } from 'vitest';
import type { DagcConfig } from '../../config/types.js';
import { DEFAULT_CONFIG } from '../../config/types.js';
import { LINEAR, NESTED, fail, graph, map, pipeline, success, task } from '../../ir/diagram-fixtures.js';
import { initialParameters } from '../../runtime/open-run.js';
import type { EmitOptions } from '../types.js';
import { compileArgo } from './emit-argo.js';
import { argumentValue } from './parameters.js';

type Json = Record<string, unknown>;

const options = (parameters: Record<string, unknown> = {}): EmitOptions => ({
  files: { pipeline: 'pipeline.yaml', parameters: Object.keys(parameters).length ? 'params.yaml' : undefined, varFiles: [] },
  outputName: 'pipeline.argo.yaml',
  source: 'pipeline.yaml',
  dagcVersion: '9.9.9',
  parameters,
});

const argo = (config: Json, rest: Partial<DagcConfig> = {}): DagcConfig => ({ ...DEFAULT_CONFIG, ...rest, file: 'config.yaml', executor: { type: 'argo', config } });

const spec = (m: Json | undefined): Json => {
  const s = m!.spec as Json;
  return m!.kind === 'CronWorkflow' ? (s.workflowSpec as Json) : s;
};
const templates = (m: Json | undefined) => spec(m).templates as Json[];
const template = (m: Json | undefined, name: string) => templates(m).find((t) => t.name === name)!;
const errors = (c: { diagnostics: { severity: string; message: string }[] }) => c.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message);

describe('argo settings', () => {
  it('requires an image and names unknown keys with a suggestion', () => {
    const c = compileArgo(LINEAR, argo({ imag: 'x', parallelism: 0, resources: { limits: { cpu: 'lots' } } }), options());
    expect(c.manifest).toBeUndefined();
    expect(errors(c)).toEqual(
      expect.arrayContaining([
        'executor.config.image: is required by the argo executor',
        'executor.config.imag: is not a setting of the argo executor',
        'executor.config.parallelism: must be a whole number greater than 0, not 0',
        'executor.config.resources.limits.cpu: must be a Kubernetes quantity such as 500m, 2 or 4Gi, not "lots"',
      ]),
    );
    expect(c.diagnostics.find((d) => d.message.includes('imag:'))?.hint).toBe('did you mean "image"?');
  });

  it('checks volumes, schedules, time zones and env', () => {
    const c = compileArgo(
      LINEAR,
      argo({
        image: 'x',
        kind: 'CronWorkflow',
        argo_version: '3.5',
        schedules: ['0 1 * * *', '0 2 * * *'],
        timezone: 'not a zone',
        persistent_volumes: [{ name: 'a', mount_path: '/mnt' }, { name: 'a', mount_path: '/data' }, { name: 'b', mount_path: 'rel' }],
        env: { DAGC_RUN_ID: 'x', OK: 1 },
      }),
      options(),
    );
    expect(errors(c).sort()).toEqual([
      'executor.config.env.DAGC_RUN_ID: is reserved: dagc sets DAGC_* and MAGNUS_* variables itself',
      'executor.config.persistent_volumes[1].name: the claim "a" is mounted twice',
      'executor.config.persistent_volumes[2].mount_path: must be an absolute path, not "rel"',
      'executor.config.schedules: Argo 3.5 takes one schedule; a list of schedules needs Argo 3.6 or later',
      'executor.config.timezone: "not a zone" is not an IANA time zone name',
    ]);
  });

  it('is a preview with defaults and the local concurrency when the config runs locally', () => {
    const c = compileArgo(LINEAR, { ...DEFAULT_CONFIG, executor: { type: 'local', config: { enable_parallel: false } } }, options());
    expect(c.diagnostics.map((d) => d.code)).toEqual(['DAGC-ARGO-PREVIEW']);
    expect(spec(c.manifest).parallelism).toBe(1);
    expect((template(c.manifest, 'dagc-step').container as Json).image).toBe('dagc-placeholder:latest');
  });
});

describe('argo manifest', () => {
  it('shares one container template per shape and names the others by override and attempts', () => {
    const ir = pipeline(
      graph('', 'a', [
        task('a', { next: 'b' }),
        (p) => ({ ...task('b', { next: 'c' })(p), retry: 3 }),
        (p) => ({ ...task('c', { next: 'success' })(p), overrides: { argo: 'gpu' } }),
        success(),
        fail(),
      ]),
    );
    const c = compileArgo(ir, argo({ image: 'img:1', node_selector: { pool: 'cpu' }, overrides: { gpu: { image: 'img:gpu', node_selector: { pool: 'gpu' }, resources: { limits: { gpu: 1 } } } } }), options());
    expect(errors(c)).toEqual([]);
    const names = templates(c.manifest).map((t) => t.name);
    expect([...names].sort()).toEqual(['dagc-exit', 'dagc-step', 'dagc-step-exit', 'dagc-step-gpu', 'dagc-step-r3', 'main']);
    const gpu = template(c.manifest, 'dagc-step-gpu');
    expect((gpu.container as Json).image).toBe('img:gpu');
    expect(gpu.nodeSelector).toEqual({ pool: 'gpu' });
    expect(((gpu.container as Json).resources as Json).limits).toEqual({ memory: '1Gi', cpu: '250m', 'nvidia.com/gpu': '1' });
    // Global pod settings live on the spec, not on every template.
    expect(spec(c.manifest).nodeSelector).toEqual({ pool: 'cpu' });
    expect(template(c.manifest, 'dagc-step').nodeSelector).toBeUndefined();
    const r3 = template(c.manifest, 'dagc-step-r3');
    expect(r3.retryStrategy).toEqual({ limit: '2', retryPolicy: 'Always', backoff: { duration: '120', factor: 2 } });
    expect(((r3.container as Json).args as string[]).slice(4, 6)).toEqual(['{{retries}}', '3']);
    // A step without retries is retried once on an Error (a lost pod), never on a Failed step; the exit handler
    // is never retried.
    expect(template(c.manifest, 'dagc-step').retryStrategy).toEqual({ limit: '1', retryPolicy: 'OnError' });
    expect(((template(c.manifest, 'dagc-step').container as Json).args as string[]).slice(4, 6)).toEqual(['{{retries}}', '1']);
    expect(template(c.manifest, 'dagc-step-exit').retryStrategy).toBeUndefined();
  });

  it('takes secrets from Kubernetes secrets by reference, and env, volumes and pod settings from the config', () => {
    const c = compileArgo(
      LINEAR,
      argo({
        image: 'x',
        image_pull_policy: 'IfNotPresent',
        service_account_name: 'runner',
        secrets_from_k8s: [{ environment_variable: 'API_TOKEN', secret_name: 'creds', secret_key: 'token' }],
        env: { REGION: 'eu' },
        persistent_volumes: [{ name: 'runs', mount_path: '/mnt' }],
        max_step_duration_in_seconds: 600,
        max_workflow_duration_in_seconds: 3600,
        pod_gc: { strategy: 'OnWorkflowSuccess', delete_delay_duration: '30s' },
        labels: { team: 'ml' },
      }),
      options(),
    );
    expect(errors(c)).toEqual([]);
    const step = template(c.manifest, 'dagc-step');
    const container = step.container as Json;
    expect(container.imagePullPolicy).toBe('IfNotPresent');
    expect(container.env).toEqual([
      { name: 'DAGC_CONFIG_JSON', value: '{{workflow.parameters.dagc_config}}' },
      { name: 'DAGC_USE_CACHED', value: '{{workflow.parameters.use_cached}}' },
      { name: 'REGION', value: 'eu' },
      { name: 'API_TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } },
    ]);
    expect(container.volumeMounts).toEqual([{ name: 'executor-0', mountPath: '/mnt' }]);
    expect(step.activeDeadlineSeconds).toBe(600);
    expect(spec(c.manifest)).toMatchObject({
      activeDeadlineSeconds: 3600,
      serviceAccountName: 'runner',
      podGC: { strategy: 'OnWorkflowSuccess', deleteDelayDuration: '30s' },
      volumes: [{ name: 'executor-0', persistentVolumeClaim: { claimName: 'runs' } }],
    });
    expect(c.manifest!.metadata).toMatchObject({ generateName: 'pipeline-', labels: { team: 'ml' } });
  });

  it('reports an unknown override at the node', () => {
    const ir = pipeline(graph('', 'a', [(p) => ({ ...task('a', { next: 'success' })(p), overrides: { argo: 'gpus' } }), success(), fail()]));
    const c = compileArgo(ir, argo({ image: 'x', overrides: { gpu: {} } }), options());
    expect(errors(c)).toEqual(['step "a" asks for the argo override "gpus", but executor.config.overrides has no such entry']);
    expect(c.diagnostics.find((d) => d.code === 'DAGC-ARGO-OVERRIDE')?.hint).toBe('did you mean "gpu"?');
  });

  it('exposes parameters as workflow arguments that read back as the same values', () => {
    const params = { n: 3, flag: true, word: 'hello', digits: '3', list: [1, 'a'], obj: { k: null }, Upper: 1 };
    const c = compileArgo(LINEAR, argo({ image: 'x' }), options(params));
    const args = (spec(c.manifest).arguments as { parameters: { name: string; value: string }[] }).parameters;
    expect(args.map((a) => a.name)).toEqual(['run_id', 'use_cached', 'dagc_config', 'n', 'flag', 'word', 'digits', 'list', 'obj']);
    const env = Object.fromEntries(args.slice(3).map((a) => [`DAGC_PRM_${a.name}`, a.value]));
    const { Upper: _skipped, ...exposable } = params;
    expect(initialParameters({}, env)).toEqual(exposable);
    expect(c.diagnostics.find((d) => d.code === 'DAGC-ARGO-PARAMETER')?.message).toContain('"Upper"');
    // Only the first pod (it creates the run) carries them.
    const start = template(c.manifest, 'dagc-step-start');
    expect(((start.container as Json).env as Json[]).map((e) => e.name)).toContain('DAGC_PRM_word');
    expect(((template(c.manifest, 'dagc-step').container as Json).env as Json[]).map((e) => e.name)).toEqual(['DAGC_CONFIG_JSON', 'DAGC_USE_CACHED']);
  });

  it('writes values that read back as themselves', () => {
    for (const v of ['true', 'null', '[1]', '{"a":1}', ' 3', 'x']) expect(initialParameters({}, { DAGC_PRM_v: argumentValue(v) }).v).toBe(v);
  });

  it('iterates maps over item indices with their own parallelism, nested maps passing both indices', () => {
    const ir = pipeline(
      graph('', 'outer', [
        (p) => ({
          ...map('outer', { next: 'success' }, 'xs', 'x', 'inner', [
            map('inner', { next: 'success' }, 'ys', 'y', 'work', [task('work', { next: 'success' }), success(), fail()]),
            success(),
            fail(),
          ])(p),
          overrides: { argo: 'two' },
        }),
        success(),
        fail(),
      ]),
    );
    const c = compileArgo(ir, argo({ image: 'x', overrides: { two: { parallelism: 2 } } }), options());
    expect(errors(c)).toEqual([]);
    const outer = template(c.manifest, 'c-outer');
    expect(outer.parallelism).toBe(2);
    const items = ((outer.dag as Json).tasks as Json[]).find((t) => t.name === 'items')!;
    expect(items.withParam).toBe('{{tasks.fan-out.outputs.parameters.fan}}');
    expect(items.arguments).toEqual({ parameters: [{ name: 'map-index', value: '{{item}}' }] });
    const inner = templates(c.manifest).find((t) => String(t.name).startsWith('c-outer-each-inner'))!;
    const innerItems = ((inner.dag as Json).tasks as Json[]).find((t) => t.name === 'items')!;
    expect(innerItems.arguments).toEqual({ parameters: [{ name: 'map-index', value: '{{inputs.parameters.map-index}},{{item}}' }] });
  });

  it('writes a CronWorkflow for old Argo with `schedule`, and a WorkflowTemplate with a name', () => {
    const cron = compileArgo(LINEAR, argo({ image: 'x', kind: 'CronWorkflow', argo_version: '3.5', schedule: '0 6 * * *', name: 'nightly' }), options());
    expect(errors(cron)).toEqual([]);
    expect(cron.manifest!.spec).toMatchObject({ schedule: '0 6 * * *' });
    expect(cron.manifest!.metadata).toMatchObject({ name: 'nightly' });
    const tpl = compileArgo(LINEAR, argo({ image: 'x', kind: 'WorkflowTemplate' }), options());
    expect(tpl.manifest!.metadata).toMatchObject({ name: 'pipeline' });
    expect((tpl.manifest!.metadata as Json).annotations).toMatchObject({ 'dagc/dag-hash': LINEAR.dagHash, 'dagc/version': '9.9.9' });
  });

  it("escapes names Argo would substitute: a dot path with {{ is written {{='{{'}} (test/argo-controller: Argo's validator and controller)", () => {
    const ir = pipeline(graph('', '{{workflow.name}}', [task('{{workflow.name}}', { next: 'success' }), success(), fail()]));
    const c = compileArgo(ir, argo({ image: 'x' }), options());
    expect(errors(c)).toEqual([]);
    const main = template(c.manifest, 'main');
    const args = ((main.dag as Json).tasks as Json[]).flatMap((t) => ((t.arguments as Json | undefined)?.parameters as Json[] | undefined) ?? []);
    expect(args.find((p) => p.name === 'path' && String(p.value).includes('workflow'))?.value).toBe("{{='{{'}}workflow.name}}");
  });

  it('compiles the NESTED fixture without errors, each template named once', () => {
    const c = compileArgo(NESTED, argo({ image: 'x' }), options());
    expect(errors(c)).toEqual([]);
    const names = templates(c.manifest).map((t) => String(t.name));
    expect(new Set(names).size).toBe(names.length);
  });
});
