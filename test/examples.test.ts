// The example configs in examples/quickstart/configs/ (one per target), as the README tells a user to use them:
// each is compiled, run by the target's emulator where dagc has one (argo, asl), or validated (local-container,
// whose run needs a container engine: test/local-container.test.ts). The defaults they spell out are the
// defaults: compiling without those keys gives the same manifest, so the README's table of defaults is what
// the compilers do.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';

const QUICKSTART = path.join(ROOT, 'examples', 'quickstart');

function copyQuickstart(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-examples-'));
  cpSync(QUICKSTART, dir, { recursive: true, filter: (src) => !/[\\/](\.run_log_store|\.catalog|data|\.argo-volumes)$/.test(src) });
  return dir;
}

/** The example config without its "# The defaults" block (everything from that comment to the next section). */
function withoutDefaults(text: string): string {
  const start = text.indexOf('    # The defaults');
  expect(start).toBeGreaterThan(0);
  const rest = text.slice(start);
  const end = rest.search(/^\S/m);
  return text.slice(0, start) + (end < 0 ? '' : rest.slice(end));
}

interface RunLog {
  status: string;
  steps: Record<string, { status: string }>;
}

describe('examples/quickstart/configs', () => {
  let dir: string;
  let s3: S3TestServer;
  beforeAll(async () => {
    dir = copyQuickstart();
    s3 = await startS3Server('dagc-examples');
  });
  afterAll(async () => {
    await s3?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('argo.yaml compiles to a Workflow with the settings it names, and the emulated run succeeds', async () => {
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml', '-o', 'wf.yaml'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const wf = parse(readFileSync(path.join(dir, 'wf.yaml'), 'utf8')) as {
      kind: string;
      spec: { activeDeadlineSeconds: number; podGC: { strategy: string }; templates: { activeDeadlineSeconds?: number; container?: { image: string; resources: unknown } }[] };
    };
    expect(wf.kind).toBe('Workflow');
    expect(wf.spec.activeDeadlineSeconds).toBe(172800);
    expect(wf.spec.podGC.strategy).toBe('OnPodCompletion');
    const containers = wf.spec.templates.filter((t) => t.container);
    expect(containers.length).toBeGreaterThan(0);
    for (const t of containers) {
      expect(t.container!.image).toBe('registry.example.com/dagc-quickstart:1');
      expect(t.container!.resources).toEqual({ limits: { memory: '1Gi', cpu: '250m' }, requests: { memory: '1Gi', cpu: '250m' } });
      expect(t.activeDeadlineSeconds).toBe(7200);
    }

    const run = await runCli(['emulate', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml', '-p', 'parameters.yaml', '--run-id', 'example-argo'], { cwd: dir, timeoutMs: 180_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('Succeeded');
    // The emulator stands the claim in with a folder (.argo-volumes/<claim>), where the pods' /mnt store is.
    writeFileSync(path.join(dir, 'volume.yaml'), 'run_log_store:\n  type: chunked-fs\n  config:\n    log_folder: .argo-volumes/dagc-runs/.run_log_store\n');
    const shown = await runCli(['runs', 'show', 'example-argo', '--json', '-c', 'volume.yaml'], { cwd: dir });
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    expect(Object.keys(log.steps)).toEqual(['prepare', 'train models', 'checks', 'report', 'success']);
  }, 240_000);

  it('argo.yaml spells out the defaults: without them the manifest is the same', async () => {
    const other = copyQuickstart();
    try {
      writeFileSync(path.join(other, 'configs', 'argo.yaml'), withoutDefaults(readFileSync(path.join(QUICKSTART, 'configs', 'argo.yaml'), 'utf8')));
      const a = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml'], { cwd: dir });
      const b = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'configs/argo.yaml'], { cwd: other });
      expect(a.status, a.stderr).toBe(0);
      expect(b.status, b.stderr).toBe(0);
      // The config itself travels in the manifest (a parameter), so that one line differs; nothing else does.
      const strip = (text: string) => text.replace(/^ *value: '\{"executor".*$/m, '<config>');
      expect(strip(b.stdout)).toBe(strip(a.stdout));
      expect(a.stdout).not.toBe(b.stdout);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('asl.yaml compiles to a state machine, spells out its defaults, and runs under the emulator', async () => {
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'configs/asl.yaml', '-o', 'sm.json'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const sm = JSON.parse(readFileSync(path.join(dir, 'sm.json'), 'utf8')) as { StartAt: string; States: Record<string, { Type: string; TimeoutSeconds?: number }> };
    expect(sm.States[sm.StartAt]).toBeDefined();
    const tasks = Object.values(sm.States).filter((s) => s.Type === 'Task' && s.TimeoutSeconds !== 60);
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks) expect(t.TimeoutSeconds).toBe(86400);

    const other = copyQuickstart();
    try {
      writeFileSync(path.join(other, 'configs', 'asl.yaml'), withoutDefaults(readFileSync(path.join(QUICKSTART, 'configs', 'asl.yaml'), 'utf8')));
      const a = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'configs/asl.yaml'], { cwd: dir });
      const b = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'configs/asl.yaml'], { cwd: other });
      expect(b.status, b.stderr).toBe(0);
      expect(b.stdout).toBe(a.stdout);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }

    // The example's executor with its S3 stores pointed at a local S3 server (the example names a real bucket).
    const example = parse(readFileSync(path.join(QUICKSTART, 'configs', 'asl.yaml'), 'utf8')) as Record<string, unknown>;
    const local = {
      ...example,
      run_log_store: { type: 's3', config: s3.config('runs/') },
      catalog: { type: 's3', config: s3.config('catalog/') },
    };
    writeFileSync(path.join(dir, 'asl-local.yaml'), JSON.stringify(local));
    const run = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'asl-local.yaml', '-p', 'parameters.yaml', '--run-id', 'example-asl'], {
      cwd: dir,
      env: s3.env,
      timeoutMs: 240_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const shown = await runCli(['runs', 'show', 'example-asl', '--json', '-c', 'asl-local.yaml'], { cwd: dir, env: s3.env });
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    expect(Object.keys(log.steps)).toEqual(['prepare', 'train models', 'checks', 'report', 'success']);
  }, 300_000);

  it('local-container.yaml is a valid config for the quickstart', async () => {
    const valid = await runCli(['validate', 'pipeline.yaml', '-c', 'configs/local-container.yaml'], { cwd: dir });
    expect(valid.status, valid.stderr).toBe(0);
    expect(valid.stderr + valid.stdout).toContain('valid');
  });
});
