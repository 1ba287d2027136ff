// dagc deploy / submit / watch / runs list --target argo against a real Kubernetes API server (kube-apiserver and
// etcd built from the Kubernetes Go modules, Argo's CRDs installed; test/helpers/kube-cluster.ts). What the
// server holds is read back with the admin's own requests, not through dagc; "no write" is the resourceVersion
// staying the same. No Argo controller runs: the test moves a Workflow's phases itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { runCli } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';
import type { KubeCluster } from './helpers/kube-cluster.js';
import { kubeSkipReason, startKubeCluster, startKubeFaultProxy } from './helpers/kube-cluster.js';

const SKIP = kubeSkipReason();
if (SKIP) console.warn(`[skip] dagc deploy --target argo against kube-apiserver: ${SKIP}`);

const NS = 'pipelines';
const WFT = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflowtemplates`;
const CWF = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/cronworkflows`;
const WF = `/apis/argoproj.io/v1alpha1/namespaces/${NS}/workflows`;

const PIPELINE = (command: string) => `dag:
  start_at: hello
  steps:
    hello:
      type: task
      command_type: shell
      command: ${command}
      next: success
    success:
      type: success
    fail:
      type: fail
`;

const CONFIG = (schedule: boolean) => `executor:
  type: argo
  config:
    image: ghcr.io/example/dagc-steps:1
    name: nightly
${schedule ? '    kind: CronWorkflow\n    schedules: ["0 6 * * *"]\n    timezone: Europe/London\n' : ''}    persistent_volumes: [{name: dagc-data, mount_path: /mnt}]
deploy:
  argo:
    namespace: ${NS}
    labels: {team: data}
`;

type Obj = { metadata: { resourceVersion: string; labels?: Record<string, string>; annotations?: Record<string, string>; managedFields?: { manager: string; operation: string }[] }; spec: Record<string, unknown> };

describe.skipIf(SKIP !== undefined)('dagc deploy --target argo (kube-apiserver)', () => {
  let cluster: KubeCluster;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    cluster = await startKubeCluster();
    dir = mkdtempSync(path.join(tmpdir(), 'dagc-deploy-argo-'));
    kubeconfig = cluster.kubeconfig('admin');
    expect((await cluster.request('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } })).status).toBe(201);
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE('echo hi'));
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(true));
  }, 300_000);
  afterAll(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const env = (extra: Record<string, string> = {}) => ({ KUBECONFIG: kubeconfig, HOME: dir, ...extra });
  const dagc = (args: string[], extra: Record<string, string> = {}) => runCli(args, { cwd: dir, env: env(extra) });
  const deploy = (...more: string[]) => dagc(['deploy', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml', ...more]);
  const get = async (url: string) => (await cluster.request('GET', url)).body as unknown as Obj;
  const lines = (out: string) => out.trim().split('\n').map((l) => l.replace(/\s+/g, ' ').replace(/ resourceVersion \d+/, '').trim());

  it('deploy creates the WorkflowTemplate and a CronWorkflow that runs it, applied by field manager dagc', async () => {
    const out = await deploy();
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(lines(out.stdout)).toEqual([`created WorkflowTemplate ${NS}/nightly`, `created CronWorkflow ${NS}/nightly`, '2 resources (2 created)']);
    const wft = await get(`${WFT}/nightly`);
    expect(wft.metadata.labels).toEqual({ team: 'data', 'app.kubernetes.io/managed-by': 'dagc', 'dagc.dev/pipeline': 'pipeline' });
    expect(wft.metadata.annotations?.['dagc/dag-hash']).toMatch(/^[0-9a-f]{40}$/);
    expect(wft.metadata.managedFields?.map((m) => [m.manager, m.operation])).toEqual([['dagc', 'Apply']]);
    expect((wft.spec['templates'] as unknown[]).length).toBeGreaterThan(1);
    const cwf = await get(`${CWF}/nightly`);
    expect(cwf.spec).toMatchObject({ schedules: ['0 6 * * *'], timezone: 'Europe/London', workflowSpec: { workflowTemplateRef: { name: 'nightly' } } });
  });

  it('deploying again reports both unchanged and writes nothing (resourceVersion unchanged)', async () => {
    const before = [(await get(`${WFT}/nightly`)).metadata.resourceVersion, (await get(`${CWF}/nightly`)).metadata.resourceVersion];
    const out = await deploy();
    expect(out.status).toBe(0);
    expect(lines(out.stdout)).toEqual([`unchanged WorkflowTemplate ${NS}/nightly`, `unchanged CronWorkflow ${NS}/nightly`, '2 resources (2 unchanged)']);
    const after = [(await get(`${WFT}/nightly`)).metadata.resourceVersion, (await get(`${CWF}/nightly`)).metadata.resourceVersion];
    expect(after).toEqual(before);
  });

  it('a changed step updates only the template; --dry-run before it changes nothing', async () => {
    const wft0 = await get(`${WFT}/nightly`);
    const cwf0 = await get(`${CWF}/nightly`);
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE('echo changed'));
    const dry = await deploy('--dry-run', '--diff');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^updated +WorkflowTemplate +pipelines\/nightly/m);
    expect(dry.stdout).toMatch(/~ \/metadata\/annotations\/dagc~1dag-hash: "[0-9a-f]{40}" → "[0-9a-f]{40}"/);
    expect(dry.stdout).toMatch(/^dry run, nothing changed/m);
    expect((await get(`${WFT}/nightly`)).metadata.resourceVersion).toBe(wft0.metadata.resourceVersion);

    const out = await deploy();
    expect(out.status).toBe(0);
    expect(lines(out.stdout)).toEqual([`updated WorkflowTemplate ${NS}/nightly`, `unchanged CronWorkflow ${NS}/nightly`, '2 resources (1 updated, 1 unchanged)']);
    expect((await get(`${WFT}/nightly`)).metadata.resourceVersion).not.toBe(wft0.metadata.resourceVersion);
    expect((await get(`${CWF}/nightly`)).metadata.resourceVersion).toBe(cwf0.metadata.resourceVersion);
  });

  it('another field manager owning a field is a conflict naming field and manager; --force-conflicts takes it over', async () => {
    // Another tool applies its own opinion of a field dagc sets (as kubectl apply --server-side --force-conflicts would).
    const patch = { apiVersion: 'argoproj.io/v1alpha1', kind: 'WorkflowTemplate', metadata: { name: 'nightly' }, spec: { activeDeadlineSeconds: 60 } };
    const r = await cluster.request('PATCH', `${WFT}/nightly?fieldManager=ops-tool&force=true`, patch, 'application/apply-patch+yaml');
    expect(r.status).toBe(200);
    const out = await deploy();
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/conflict applying WorkflowTemplate nightly: \.spec\.activeDeadlineSeconds \(owned by "ops-tool"/);
    expect(out.stderr).toMatch(/--force-conflicts/);
    expect(((await get(`${WFT}/nightly`)).spec['activeDeadlineSeconds'])).toBe(60);
    const forced = await deploy('--force-conflicts');
    expect(forced.status).toBe(0);
    expect(forced.stdout).toMatch(/^updated +WorkflowTemplate +pipelines\/nightly/m);
    expect((await get(`${WFT}/nightly`)).spec['activeDeadlineSeconds']).toBe(172800);
  });

  it('a schedule removed from the config stays without --prune and its CronWorkflow is deleted with it', async () => {
    writeFileSync(path.join(dir, 'config.yaml'), CONFIG(false));
    const kept = await deploy();
    expect(kept.status).toBe(0);
    expect(kept.stdout).not.toMatch(/CronWorkflow/);
    expect((await cluster.request('GET', `${CWF}/nightly`)).status).toBe(200);
    const dry = await deploy('--prune', '--dry-run');
    expect(dry.stdout).toMatch(/^deleted +CronWorkflow +pipelines\/nightly$/m);
    expect((await cluster.request('GET', `${CWF}/nightly`)).status).toBe(200);
    const pruned = await deploy('--prune');
    expect(pruned.status).toBe(0);
    expect(pruned.stdout).toMatch(/^deleted +CronWorkflow +pipelines\/nightly$/m);
    expect((await cluster.request('GET', `${CWF}/nightly`)).status).toBe(404);
    expect((await cluster.request('GET', `${WFT}/nightly`)).status).toBe(200);
  });

  it('submit creates one Workflow the server accepts (twice: still one); runs list and watch follow its phases', async () => {
    const submit = () => dagc(['submit', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml', '--run-id', 'run-1']);
    const one = await submit();
    expect(one.stderr).toMatch(/^started pipelines\/run-1$/m);
    expect(one.status).toBe(0);
    expect(one.stdout).toBe('run-1\n');
    const wf = await get(`${WF}/run-1`);
    expect(wf.spec).toMatchObject({ workflowTemplateRef: { name: 'nightly' }, arguments: { parameters: [{ name: 'run_id', value: 'run-1' }] } });
    const two = await submit();
    expect(two.status).toBe(0);
    expect(two.stderr).toMatch(/already running, nothing new started/);
    const all = (await cluster.request('GET', WF)).body as { items: unknown[] };
    expect(all.items).toHaveLength(1);

    const listed = await dagc(['runs', 'list', '--target', 'argo', 'pipeline.yaml', '-c', 'config.yaml', '--json']);
    expect(listed.status).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([{ runId: 'run-1', status: 'Pending' }]);

    const child = spawn(process.execPath, [BIN, 'watch', 'run-1', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml', '--interval', '0.2'], {
      cwd: dir,
      env: { ...process.env, ...env() },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.on('close', r));
    const until = async (text: string) => {
      for (let i = 0; i < 150 && !out.includes(text); i++) await new Promise((r) => setTimeout(r, 100));
      expect(out).toContain(text);
    };
    const status = async (s: unknown) =>
      expect((await cluster.request('PATCH', `${WF}/run-1`, { status: s }, 'application/merge-patch+json')).status).toBe(200);
    await until('run run-1: Pending');
    await status({ phase: 'Running', startedAt: '2027-01-01T06:00:00Z', nodes: { 'run-1-1': { id: 'run-1-1', name: 'run-1.hello', displayName: 'hello', type: 'Pod', phase: 'Running' } } });
    await until('hello: Running');
    await until('run run-1: Running');
    await status({
      phase: 'Succeeded',
      finishedAt: '2027-01-01T06:01:00Z',
      nodes: {
        'run-1-1': { id: 'run-1-1', name: 'run-1.hello', displayName: 'hello', type: 'Pod', phase: 'Succeeded' },
        'run-1-2': { id: 'run-1-2', name: 'run-1.success', displayName: 'success', type: 'Pod', phase: 'Succeeded' },
      },
    });
    expect(await exited).toBe(0);
    // No kubelet here, so no pods: dagc logs says where else to look.
    const logs = await dagc(['logs', 'run-1', 'hello', '--target', 'argo', '-f', 'pipeline.yaml', '-c', 'config.yaml']);
    expect(logs.status).toBe(2);
    expect(logs.stderr).toMatch(/no pod of run "run-1" ran the step "hello" in "pipelines"\nhint: pods may have been garbage-collected/);
    expect(out).toMatch(/^argo {2}hello: Running\n[^]*^argo {2}run run-1: Running\n[^]*^argo {2}hello: Succeeded\nargo {2}success: Succeeded\n[^]*^argo {2}run run-1: Succeeded\n/m);
    expect(out).toMatch(/^run run-1 Succeeded on argo: 0 steps succeeded, 0 failed \(as the run log records them\)$/m);
  });

  it('a split pipeline (several WorkflowTemplates, issue 16) deploys every part; again: unchanged; parts it drops are pruned', async () => {
    const chain = (n: number) =>
      `dag:\n  start_at: s1\n  steps:\n${Array.from({ length: n }, (_, i) => `    s${i + 1}:\n      type: task\n      command_type: shell\n      command: echo ${i + 1}\n      next: ${i + 1 < n ? `s${i + 2}` : 'success'}\n`).join('')}    success:\n      type: success\n    fail:\n      type: fail\n`;
    const config = `executor:\n  type: argo\n  config:\n    image: ghcr.io/example/dagc-steps:1\n    name: longrun\n    kind: WorkflowTemplate\n    persistent_volumes: [{name: dagc-data, mount_path: /mnt}]\n    limits: {tasks_per_dag: 10, templates_per_object: 8, object_bytes: 16384}\ndeploy:\n  argo:\n    namespace: ${NS}\n`;
    writeFileSync(path.join(dir, 'long.yaml'), chain(60));
    writeFileSync(path.join(dir, 'long-config.yaml'), config);
    const deployLong = (...more: string[]) => dagc(['deploy', 'long.yaml', '--target', 'argo', '-c', 'long-config.yaml', ...more]);
    // What dagc compile writes: the main WorkflowTemplate and the parts it names by templateRef.
    const compiledNames = async () => {
      const r = await dagc(['compile', 'long.yaml', '--target', 'argo', '-c', 'long-config.yaml', '-o', 'long-out/']);
      expect(r.status, r.stderr).toBe(0);
      return readdirSync(path.join(dir, 'long-out'))
        .map((f) => (parse(readFileSync(path.join(dir, 'long-out', f), 'utf8')) as { metadata: { name: string } }).metadata.name)
        .sort();
    };
    const names = await compiledNames();
    expect(names.length).toBeGreaterThan(1);
    const out = await deployLong();
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(lines(out.stdout).slice(0, -1).sort()).toEqual(names.map((n) => `created WorkflowTemplate ${NS}/${n}`).sort());
    const held = async () => {
      const list = (await cluster.request('GET', `${WFT}?labelSelector=${encodeURIComponent('dagc.dev/pipeline=long')}`)).body as { items: { metadata: { name: string; resourceVersion: string } }[] };
      return Object.fromEntries(list.items.map((i) => [i.metadata.name, i.metadata.resourceVersion]));
    };
    const first = await held();
    expect(Object.keys(first).sort()).toEqual(names);
    const again = await deployLong();
    expect(again.status).toBe(0);
    expect(lines(again.stdout).at(-1)).toBe(`${names.length} resources (${names.length} unchanged)`);
    expect(await held()).toEqual(first);

    writeFileSync(path.join(dir, 'long.yaml'), chain(12));
    rmSync(path.join(dir, 'long-out'), { recursive: true, force: true });
    const fewer = await compiledNames();
    expect(fewer.length).toBeLessThan(names.length);
    const pruned = await deployLong('--prune');
    expect(pruned.status).toBe(0);
    for (const gone of names.filter((n) => !fewer.includes(n))) expect(pruned.stdout).toMatch(new RegExp(`^deleted +WorkflowTemplate +${NS}/${gone}$`, 'm'));
    expect(Object.keys(await held()).sort()).toEqual(fewer);
  });

  describe('throttling and server faults (a proxy answering as the API server does, then the real server)', () => {
    const through = async (fault: Parameters<typeof startKubeFaultProxy>[1], extra: Record<string, string> = {}) => {
      const proxy = await startKubeFaultProxy(cluster.server, fault);
      try {
        const file = cluster.kubeconfig('throttled', { server: proxy.server });
        const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml'], { KUBECONFIG: file, ...extra });
        return { out, seen: proxy.seen };
      } finally {
        await proxy.close();
      }
    };
    const applies = (seen: { method: string; path: string; status: number }[]) => seen.filter((s) => s.method === 'PATCH').map((s) => s.status);

    it('a 429 with Retry-After is sent again after it, and the deploy goes through', async () => {
      const started = Date.now();
      const { out, seen } = await through((method, _p, n) => (method === 'PATCH' && n <= 2 ? { status: 429, retryAfter: '1' } : undefined));
      expect(out.stderr).toBe('');
      expect(out.status).toBe(0);
      expect(out.stdout).toMatch(/^unchanged +WorkflowTemplate +pipelines\/nightly/m);
      // The template's dry-run apply: two 429s, then the real server's answer; Retry-After was waited (2 × 1 s).
      expect(applies(seen).slice(0, 3)).toEqual([429, 429, 200]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    });

    it('a 503 with Retry-After is retried; a 500 without one is reported at once (exit 1)', async () => {
      const retried = await through((method, _p, n) => (method === 'GET' && n === 1 ? { status: 503, retryAfter: '0' } : undefined));
      expect(retried.out.status).toBe(0);
      expect(retried.seen[0]).toMatchObject({ method: 'GET', status: 503 });
      expect(retried.seen[1]).toMatchObject({ method: 'GET', path: retried.seen[0]!.path, status: 200 });

      const once = await through((method) => (method === 'PATCH' ? { status: 500 } : undefined));
      expect(once.out.status).toBe(1);
      expect(once.out.stderr).toMatch(/the Kubernetes API server refused WorkflowTemplate nightly \(500 InternalError\)/);
      expect(applies(once.seen)).toEqual([500]);
    });

    it('throttling that outlasts the attempts is exit 1 with the attempts made (backoff without Retry-After)', async () => {
      const { out, seen } = await through((method) => (method === 'PATCH' ? { status: 429 } : undefined), { DAGC_KUBE_MAX_ATTEMPTS: '3' });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/the Kubernetes API server throttled WorkflowTemplate nightly \(429 Too Many Requests\) and was still throttling after 3 attempts with backoff\nhint: run again later, or raise the attempts with DAGC_KUBE_MAX_ATTEMPTS/);
      expect(applies(seen)).toEqual([429, 429, 429]);
    });
  });

  describe('bad input and refusals', () => {
    it('no kubeconfig is exit 2 with where dagc looked', async () => {
      const out = await runCli(['deploy', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml'], { cwd: dir, env: { KUBECONFIG: undefined, HOME: dir } });
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/dagc deploy: no kubeconfig: KUBECONFIG is not set and ~\/\.kube\/config does not exist\nhint: point KUBECONFIG/);
    });

    it('a --context the kubeconfig does not have is exit 2, listing those it has', async () => {
      const out = await deploy('--context', 'prod');
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/--context prod: the kubeconfig has no such context\nhint: its contexts: admin/);
    });

    it('an unreachable API server is exit 1', async () => {
      const file = cluster.kubeconfig('nowhere', { server: 'https://127.0.0.1:9' });
      const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml'], { KUBECONFIG: file });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/cannot reach the Kubernetes API server at https:\/\/127\.0\.0\.1:9 .*\(ECONNREFUSED\)/);
    });

    it('a namespace that does not exist is exit 2 naming it', async () => {
      const out = await deploy('--namespace', 'nope');
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(/the namespace "nope" does not exist on https:\/\/127\.0\.0\.1:\d+\nhint: create it/);
    });

    it('a service account without rights is forbidden by RBAC: exit 1 with the server\'s reason', async () => {
      expect((await cluster.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts`, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody' } })).status).toBe(201);
      const token = await cluster.request('POST', `/api/v1/namespaces/${NS}/serviceaccounts/nobody/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds: 3600 } });
      expect(token.status).toBe(201);
      const file = cluster.kubeconfig('nobody', { token: (token.body['status'] as { token: string }).token });
      const out = await dagc(['deploy', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml'], { KUBECONFIG: file });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/forbidden: .*User "system:serviceaccount:pipelines:nobody" cannot/);
      expect(out.stderr).toMatch(/hint: the kubeconfig's user needs a Role in "pipelines"/);
      expect(out.stderr).not.toContain((token.body['status'] as { token: string }).token);
    });

    it('Argo not installed (its CRDs missing) is said so, exit 1, nothing applied', async () => {
      for (const crd of ['workflowtemplates', 'cronworkflows', 'workflows'])
        expect((await cluster.request('DELETE', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}.argoproj.io`)).status).toBe(200);
      for (let i = 0; i < 100 && (await cluster.request('GET', '/apis/argoproj.io/v1alpha1')).status === 200; i++) await new Promise((r) => setTimeout(r, 200));
      const out = await deploy();
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(/Argo Workflows is not installed on https:\/\/127\.0\.0\.1:\d+: the API has no WorkflowTemplate \(argoproj\.io\/v1alpha1\); its CRDs are missing/);
    });
  });
});
