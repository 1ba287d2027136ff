// A real Kubernetes API server for the argo deploy tests: kube-apiserver and etcd built from the Kubernetes Go
// modules (scripts/build-kube-apiserver.mjs, cached in the machine's cache folder), started here on loopback with
// random ports, a temporary service-account signing key, a static admin token and RBAC; Argo's CRDs installed
// from ../shared/argo/crds. No kubelet and no Argo controller: the tests move a Workflow's phases themselves.
// Skips with a notice without ../shared or the built binaries.
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ROOT, SHARED } from './paths.js';
import { freePort } from './moto-server.js';

const CRDS = path.join(SHARED, 'argo', 'crds');

export function kubeBinDir(): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-go.mjs'), 'kube-apiserver', '--print-dir'], { encoding: 'utf8' }).trim();
}

/** Why the cluster cannot start here, or undefined when it can. */
export function kubeSkipReason(): string | undefined {
  if (!existsSync(CRDS)) return `../shared/argo/crds is not there`;
  const dir = kubeBinDir();
  if (!existsSync(path.join(dir, 'kube-apiserver')) || !existsSync(path.join(dir, 'etcd')))
    return `kube-apiserver and etcd are not built (node scripts/build-go.mjs kube-apiserver builds them once, ~30-40 min on 2 cores; .ci/run does)`;
  return undefined;
}

export interface KubeCluster {
  readonly server: string;
  readonly adminToken: string;
  readonly dir: string;
  /** A kubeconfig file for `token` (default: the admin's), with `namespace` as its context's namespace. */
  kubeconfig(name: string, opts?: { token?: string; namespace?: string; server?: string }): string;
  /** A request to the API server as the admin (JSON in and out); resolves with status and parsed body. */
  request(method: string, urlPath: string, body?: unknown, contentType?: string): Promise<{ status: number; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<void> {
  return new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once('exit', () => r())));
}

/** SIGTERM, then SIGKILL if it is still there after `ms` (kube-apiserver drains connections for a while). */
async function stop(child: ChildProcess, ms = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await waitExit(child);
  clearTimeout(timer);
}

export async function startKubeCluster(): Promise<KubeCluster> {
  const bin = kubeBinDir();
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-kube-'));
  const [etcdClient, etcdPeer, securePort] = [await freePort(), await freePort(), await freePort()];
  const logs: string[] = [];
  const keep = (name: string, child: ChildProcess) => child.stderr?.on('data', (d) => logs.push(`${name}: ${String(d)}`.slice(0, 2000)));
  const etcd = spawn(path.join(bin, 'etcd'), [
    '--name', 'dagc-test',
    '--data-dir', path.join(dir, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
    '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster', `dagc-test=http://127.0.0.1:${etcdPeer}`,
    '--log-level', 'error',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  keep('etcd', etcd);

  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  writeFileSync(path.join(dir, 'sa.key'), privateKey.export({ type: 'pkcs1', format: 'pem' }));
  writeFileSync(path.join(dir, 'sa.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  const adminToken = randomBytes(24).toString('hex');
  writeFileSync(path.join(dir, 'tokens.csv'), `${adminToken},dagc-test-admin,1,"system:masters"\n`);
  const apiserver = spawn(path.join(bin, 'kube-apiserver'), [
    `--etcd-servers=http://127.0.0.1:${etcdClient}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    // No kubernetes Service endpoints to keep: the reconciler refuses a loopback address otherwise.
    '--endpoint-reconciler-type=none',
    `--secure-port=${securePort}`,
    `--cert-dir=${path.join(dir, 'certs')}`,
    `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
    `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
    '--service-account-issuer=https://kubernetes.default.svc',
    '--service-cluster-ip-range=10.96.0.0/24',
    '--enable-priority-and-fairness=false',
    '--v=0',
  ], { stdio: ['ignore', 'ignore', 'pipe'] });
  keep('kube-apiserver', apiserver);
  const server = `https://127.0.0.1:${securePort}`;

  const request = (method: string, urlPath: string, body?: unknown, contentType = 'application/json') =>
    new Promise<{ status: number; body: Record<string, unknown> }>((resolve) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = https.request(
        `${server}${urlPath}`,
        { method, rejectUnauthorized: false, headers: { authorization: `Bearer ${adminToken}`, accept: 'application/json', ...(data ? { 'content-type': contentType } : {}) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => {
            let parsed: Record<string, unknown> = {};
            try {
              parsed = JSON.parse(text) as Record<string, unknown>;
            } catch {
              parsed = { text };
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('error', (e) => resolve({ status: 0, body: { error: String(e) } }));
      if (data) req.write(data);
      req.end();
    });

  const close = async () => {
    // The API server first: it keeps watching etcd until it stops.
    await stop(apiserver);
    await stop(etcd);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 240_000;
    for (;;) {
      const r = await request('GET', '/readyz');
      if (r.status === 200) break;
      if (apiserver.exitCode !== null || etcd.exitCode !== null || Date.now() > deadline)
        throw new Error(`the test cluster did not start:\n${logs.slice(-20).join('')}`);
      await new Promise((res) => setTimeout(res, 500));
    }
    // Argo's CRDs, as `kubectl create -f ../shared/argo/crds` would (create: they are too big for an annotation).
    for (const file of readdirSync(CRDS).filter((f) => f.endsWith('.yaml')).sort())
      for (const doc of parseAllDocuments(readFileSync(path.join(CRDS, file), 'utf8'))) {
        const crd = doc.toJS() as Record<string, unknown> | null;
        if (!crd) continue;
        const r = await request('POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
        if (r.status !== 201) throw new Error(`installing ${file}: ${r.status} ${JSON.stringify(r.body).slice(0, 500)}`);
      }
    for (const plural of ['workflows', 'workflowtemplates', 'cronworkflows']) {
      for (let i = 0; ; i++) {
        const r = await request('GET', `/apis/argoproj.io/v1alpha1/${plural}`);
        if (r.status === 200) break;
        if (i > 100) throw new Error(`the ${plural} CRD did not become established`);
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  } catch (error) {
    await close();
    throw error;
  }
  // kube-apiserver's self-signed serving certificate file holds the certificate and, after it, the CA that
  // signed it: the kubeconfig trusts that CA alone, as it would a real cluster's.
  const ca = path.join(dir, 'ca.crt');
  const chain = readFileSync(path.join(dir, 'certs', 'apiserver.crt'), 'utf8').match(/-----BEGIN CERTIFICATE-----[^]*?-----END CERTIFICATE-----/g) ?? [];
  writeFileSync(ca, `${chain.at(-1) ?? ''}\n`);
  return {
    server,
    adminToken,
    dir,
    request,
    kubeconfig(name, opts = {}) {
      const file = path.join(dir, `${name}.kubeconfig`);
      const cluster = existsSync(ca) && !opts.server ? `      certificate-authority: ${ca}\n` : '      insecure-skip-tls-verify: true\n';
      writeFileSync(
        file,
        `apiVersion: v1
kind: Config
clusters:
  - name: test
    cluster:
      server: ${opts.server ?? server}
${cluster}users:
  - name: ${name}
    user:
      token: ${opts.token ?? adminToken}
contexts:
  - name: ${name}
    context:
      cluster: test
      user: ${name}
${opts.namespace ? `      namespace: ${opts.namespace}\n` : ''}current-context: ${name}
`,
      );
      return file;
    },
    close,
  };
}

export interface KubeFaultProxy {
  /** http://127.0.0.1:PORT: a kubeconfig server for the proxy (cluster.kubeconfig(name, {server})). */
  readonly server: string;
  /** Every request, with what it was answered (the fault's status, or the API server's). */
  readonly seen: { method: string; path: string; status: number }[];
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of the real API server that answers chosen requests with a fault the API server
 * itself gives (429 Too Many Requests from API Priority and Fairness or --max-requests-inflight, a 5xx with or
 * without Retry-After) and forwards every other request unchanged. `fault(method, path, n)` is asked for the
 * n-th request (1-based) of that method and path.
 */
export async function startKubeFaultProxy(
  upstream: string,
  fault: (method: string, path: string, n: number) => { status: number; retryAfter?: string } | undefined,
): Promise<KubeFaultProxy> {
  const { createServer } = await import('node:http');
  const seen: { method: string; path: string; status: number }[] = [];
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const method = req.method ?? 'GET';
      const urlPath = new URL(req.url ?? '/', 'http://x').pathname;
      const key = `${method} ${urlPath}`;
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      const f = fault(method, urlPath, n);
      if (f) {
        seen.push({ method, path: urlPath, status: f.status });
        // The Status body the API server writes for these answers.
        const reason = f.status === 429 ? 'TooManyRequests' : f.status === 503 ? 'ServiceUnavailable' : 'InternalError';
        const text = JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'too many requests, please try again later', reason, code: f.status });
        res.writeHead(f.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(f.retryAfter !== undefined ? { 'retry-after': f.retryAfter } : {}) });
        res.end(text);
        return;
      }
      const up = new URL(upstream);
      const out = https.request(
        { host: up.hostname, port: up.port, method, path: req.url, headers: { ...req.headers, host: up.host }, rejectUnauthorized: false },
        (r) => {
          seen.push({ method, path: urlPath, status: r.statusCode ?? 0 });
          res.writeHead(r.statusCode ?? 502, r.headers);
          r.pipe(res);
        },
      );
      out.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      out.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { server: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}
