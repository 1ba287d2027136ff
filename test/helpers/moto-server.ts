// moto_server (the Python package moto, with Flask) on loopback for the deploy tests: Step Functions, EventBridge
// Scheduler, IAM and STS served by a real AWS-protocol server, not a mocked client. Skips with a notice when
// python3 or moto is absent (.ci/run installs it from PyPI).
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import http from 'node:http';

export const HAS_MOTO = (() => {
  const r = spawnSync('python3', ['-c', 'import moto.server, flask'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
})();

export function motoOrSkipNotice(what: string): boolean {
  if (!HAS_MOTO) console.warn(`[skip] ${what}: python3 with moto[server] is not installed (pip install "moto[server]>=5")`);
  return HAS_MOTO;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface MotoServer {
  readonly endpoint: string;
  /** What a dagc process needs to reach it (fixed test credentials, a region, the endpoint). */
  readonly env: Record<string, string>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

function request(url: string, method = 'GET'): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  while ((await request(`${endpoint}/moto-api/`)) !== 200) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`moto_server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'eu-west-1',
      AWS_ENDPOINT_URL: endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    async reset() {
      await request(`${endpoint}/moto-api/reset`, 'POST');
    },
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r(undefined) : child.once('exit', r)));
    },
  };
}

export interface FaultProxy {
  readonly endpoint: string;
  /** Requests seen, with the AWS action (X-Amz-Target or Action=) and the status answered. */
  readonly seen: { action: string; status: number }[];
  close(): Promise<void>;
}

/**
 * A loopback proxy in front of moto that answers chosen requests the way AWS answers faults (a JSON protocol
 * error body with __type and the x-amzn-errortype header), and forwards the rest. `fault(action, n)` returns
 * the fault for the n-th request of that action (1-based), or undefined to forward it.
 */
export async function startFaultProxy(
  upstream: string,
  fault: (action: string, n: number) => { status: number; type: string; message: string } | undefined,
): Promise<FaultProxy> {
  const seen: { action: string; status: number }[] = [];
  const counts = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '');
      const action = target ? target.split('.').pop()! : (/Action=([A-Za-z]+)/.exec(body.toString('utf8'))?.[1] ?? `${req.method} ${req.url}`);
      const n = (counts.get(action) ?? 0) + 1;
      counts.set(action, n);
      const f = fault(action, n);
      if (f) {
        seen.push({ action, status: f.status });
        // JSON-protocol services (Step Functions, Scheduler's REST-JSON) read __type; Query-protocol ones (STS,
        // IAM) an XML ErrorResponse, as AWS sends them.
        const text = target || !/Action=/.test(body.toString('utf8'))
          ? JSON.stringify({ __type: f.type, message: f.message })
          : `<ErrorResponse><Error><Type>Sender</Type><Code>${f.type}</Code><Message>${f.message}</Message></Error><RequestId>dagc-test</RequestId></ErrorResponse>`;
        const type = text.startsWith('<') ? 'text/xml' : 'application/x-amz-json-1.0';
        res.writeHead(f.status, { 'content-type': type, 'x-amzn-errortype': f.type, 'content-length': Buffer.byteLength(text) });
        res.end(text);
        return;
      }
      const up = new URL(upstream);
      const out = http.request({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers: req.headers }, (r) => {
        seen.push({ action, status: r.statusCode ?? 0 });
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      });
      out.on('error', () => {
        res.writeHead(502);
        res.end();
      });
      out.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
