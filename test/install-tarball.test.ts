// Installing dagc the way the README says a user can today: `npm pack`, then `npm install -g` of the tarball
// into a temporary prefix (dependencies from the npm registry), then the installed `dagc` renders the quickstart
// for Argo with the example config, emulates it under Step Functions' interpreter and draws it as SVG — the
// commands whose dependencies are bundled (aws-local-stepfunctions, prettier) or loaded lazily (@viz-js/viz).
// The install itself must not warn about engines (a dependency that wants a newer Node than dagc's >=20).
// Skips with a notice when the npm registry cannot be reached.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

const run = promisify(execFile);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

async function registryReachable(): Promise<boolean> {
  try {
    await run(NPM, ['ping'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

const REACHABLE = await registryReachable();
if (!REACHABLE) console.warn('[skip] install from a packed tarball: the npm registry is not reachable (npm ping failed)');

describe.skipIf(!REACHABLE)('npm pack → npm install -g → dagc', () => {
  let work: string;
  let prefix: string;
  let dagc: string;
  let installLog: string;
  const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'dagc-install-'));
    prefix = path.join(work, 'prefix');
    // dist/ was built by the global setup: no prepare script while packing (it would rebuild dist/ under the
    // feet of the other test files).
    const packed = await run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: ROOT, maxBuffer: 64 << 20 });
    const { filename } = (JSON.parse(packed.stdout) as { filename: string }[])[0]!;
    const installed = await run(NPM, ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', path.join(work, filename)], {
      cwd: work,
      timeout: 420_000,
      maxBuffer: 64 << 20,
    });
    installLog = installed.stdout + installed.stderr;
    dagc = path.join(prefix, 'bin', 'dagc');
  }, 480_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('installs without engine warnings and prints its version', async () => {
    expect(installLog).not.toMatch(/EBADENGINE|Unsupported engine/);
    expect(existsSync(dagc)).toBe(true);
    const { stdout } = await run(dagc, ['--version']);
    expect(stdout.trim()).toBe(version);
    // Only what runs at run time is installed beside it.
    const deps = readdirSync(path.join(prefix, 'lib', 'node_modules', 'dagc', 'node_modules'));
    expect(deps).not.toContain('prettier');
    expect(deps).not.toContain('aws-local-stepfunctions');
  });

  it('renders the quickstart for Argo with the example config, byte for byte as the repository does', async () => {
    const dir = mkdtempSync(path.join(work, 'quickstart-'));
    cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, { recursive: true, filter: (s) => !/[\\/](\.run_log_store|\.catalog|data)$/.test(s) });
    const installed = await run(dagc, ['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml'], { cwd: dir, maxBuffer: 64 << 20 });
    const repo = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml'], { cwd: dir });
    expect(repo.status, repo.stderr).toBe(0);
    expect(installed.stdout).toContain('kind: Workflow');
    expect(installed.stdout).toBe(repo.stdout);
  });

  it('emulates the quickstart under the Step Functions interpreter and draws it as SVG', async () => {
    const dir = mkdtempSync(path.join(work, 'quickstart-'));
    cpSync(path.join(ROOT, 'examples', 'quickstart'), dir, { recursive: true, filter: (s) => !/[\\/](\.run_log_store|\.catalog|data)$/.test(s) });
    const emulated = await run(dagc, ['emulate', 'pipeline.yaml', '--target', 'asl', '-p', 'parameters.yaml', '--run-id', 'installed-asl'], {
      cwd: dir,
      timeout: 240_000,
      maxBuffer: 64 << 20,
    });
    expect(emulated.stderr).toContain('run installed-asl SUCCESS');
    const svg = await run(dagc, ['graph', 'pipeline.yaml', '--format', 'svg', '--run', 'installed-asl'], { cwd: dir, maxBuffer: 64 << 20 });
    expect(svg.stdout).toContain('<svg');
    expect(svg.stdout).toContain('class="node step s&#45;SUCCESS"');
  }, 300_000);
});
