// A real MLflow tracking server on loopback for the mlflow tracker's tests: MLflow from PyPI in a virtual
// environment cached under node_modules/.cache (installed on first use, a few minutes), a SQLite store in a
// temp folder. Where python3, venv or PyPI is missing, `startMlflow` says so (console.warn) and returns
// undefined, so the tests skip in a bare clone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.js';

export const MLFLOW_VENV = path.join(ROOT, 'node_modules', '.cache', 'dagc-mlflow-venv');

export interface MlflowServer {
  readonly url: string;
  stop(): Promise<void>;
}

function mlflowBin(): string | undefined {
  const bin = path.join(MLFLOW_VENV, 'bin', 'mlflow');
  if (existsSync(bin)) return bin;
  const venv = spawnSync('python3', ['-m', 'venv', MLFLOW_VENV], { encoding: 'utf8' });
  if (venv.status !== 0) {
    console.warn(`mlflow tests skipped: cannot create a Python virtual environment (${(venv.stderr || String(venv.error)).trim().split('\n').pop()})`);
    return undefined;
  }
  const pip = spawnSync(path.join(MLFLOW_VENV, 'bin', 'pip'), ['install', '--quiet', 'mlflow'], { encoding: 'utf8', timeout: 20 * 60_000 });
  if (pip.status !== 0 || !existsSync(bin)) {
    rmSync(MLFLOW_VENV, { recursive: true, force: true });
    console.warn(`mlflow tests skipped: pip install mlflow failed (PyPI unreachable?): ${(pip.stderr || String(pip.error)).trim().split('\n').pop()}`);
    return undefined;
  }
  return bin;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startMlflow(): Promise<MlflowServer | undefined> {
  const bin = mlflowBin();
  if (!bin) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-mlflow-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let log = '';
  // Its own process group: the server starts worker processes, which stop() ends with it.
  const child = spawn(bin, ['server', '--host', '127.0.0.1', '--port', String(port), '--workers', '1', '--backend-store-uri', `sqlite:///${path.join(dir, 'mlflow.db')}`, '--default-artifact-root', path.join(dir, 'artifacts')], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MLFLOW_'))),
  });
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  // Starting takes tens of seconds on a busy machine (imports, database migrations).
  const deadline = Date.now() + 240_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/health`);
      if (r.ok) return { url, stop };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  await stop();
  throw new Error(`mlflow server did not start on ${url}:\n${log.slice(-2000)}`);
}
