// `--json` on every command that reports: stdout holds exactly one JSON document, whatever the steps print
// (fixtures/report's steps print on stdout and stderr) and whatever warnings the inputs raise; the steps'
// output and the progress go to stderr. Checked the way a script would: the whole stdout through JSON.parse,
// and once through a shell pipe with stderr thrown away, as the issue asks.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { goBinDir } from './helpers/go.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { BIN, ROOT } from './helpers/paths.js';

/** The whole of stdout as one JSON document (JSON.parse throws on anything before or after it). */
function onlyJson(stdout: string): Record<string, unknown> {
  expect(stdout.trim().startsWith('{') || stdout.trim().startsWith('[')).toBe(true);
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('--json: one document on stdout', () => {
  let dir: string;
  beforeAll(() => {
    dir = copyFixture(path.join(ROOT, 'fixtures', 'report'), 'dagc-json-');
    // A pipeline with a warning (an unreachable step): warnings must not become a second document.
    writeFileSync(
      path.join(dir, 'warned.yaml'),
      readFileSync(path.join(dir, 'pipeline.yaml'), 'utf8').replace('    success:\n      type: success\n    fail:\n      type: fail\n', '    success:\n      type: success\n    fail:\n      type: fail\n    forgotten:\n      type: stub\n      next: success\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('run: the run log, with the steps’ output on stderr', async () => {
    const r = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--json', '--run-id', 'json-run'], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    const log = onlyJson(r.stdout);
    expect(log.run_id).toBe('json-run');
    expect(r.stdout).not.toContain('flaky attempt 1');
    expect(r.stderr).toContain('flaky | flaky attempt 1');
    // As a user's shell does it.
    const piped = spawnSync('bash', ['-c', `"${process.execPath}" "${BIN}" run pipeline.yaml -p parameters.yaml --json 2>/dev/null | "${process.execPath}" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).status))'`], { cwd: dir, encoding: 'utf8' });
    expect(piped.stdout).toBe('SUCCESS');
  });

  it('validate, hash, compile and check, warnings inside the document', async () => {
    const validate = await runCli(['validate', 'warned.yaml', '--json'], { cwd: dir });
    expect(validate.status).toBe(0);
    expect((onlyJson(validate.stdout).diagnostics as { code: string }[]).map((d) => d.code)).toContain('DAGC-GRAPH-UNREACHABLE');
    const hash = await runCli(['hash', 'warned.yaml', '--json'], { cwd: dir });
    const hashed = onlyJson(hash.stdout);
    expect(hashed.dag_hash).toBe((await runCli(['hash', 'warned.yaml'], { cwd: dir })).stdout.trim());
    expect((hashed.diagnostics as unknown[]).length).toBeGreaterThan(0);
    // asl jobs share no disk: the asl fixture config keeps the run log and catalog in S3.
    const configOf = (target: string) => (target === 'asl' ? ['-c', path.join(ROOT, 'fixtures', 'asl', 'config.yaml')] : []);
    for (const target of ['bash', 'argo', 'asl']) {
      const printed = await runCli(['compile', 'warned.yaml', '--target', target, ...configOf(target), '--json'], { cwd: dir });
      expect(printed.status, printed.stderr).toBe(0);
      const doc = onlyJson(printed.stdout) as { files: { text: string; sha256: string; state: string }[]; diagnostics: unknown[] };
      expect(doc.files[0]!.state).toBe('printed');
      expect(doc.files[0]!.text).toBe((await runCli(['compile', 'warned.yaml', '--target', target, ...configOf(target)], { cwd: dir })).stdout);
      expect(doc.diagnostics.length).toBeGreaterThan(0);
    }
    const written = onlyJson((await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-o', 'out/wf.yaml', '--json'], { cwd: dir })).stdout) as { files: { path: string; written: boolean; bytes: number }[] };
    expect(written.files[0]).toMatchObject({ path: 'out/wf.yaml', written: true, bytes: readFileSync(path.join(dir, 'out', 'wf.yaml')).length });
    const checked = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-o', 'out/wf.yaml', '--check', '--json'], { cwd: dir });
    expect(checked.status).toBe(0);
    expect(onlyJson(checked.stdout)).toMatchObject({ files: [{ state: 'same', written: false }] });
    for (const target of ['argo', 'asl']) {
      const budget = await runCli(['check', 'warned.yaml', '--target', target, ...configOf(target), '--json'], { cwd: dir });
      expect(budget.status, budget.stderr).toBe(0);
      const doc = onlyJson(budget.stdout) as { figures: Record<string, { value: unknown; unit: unknown; limit?: unknown }> };
      expect(doc).toMatchObject({ target, exceeded: false, map_width: 10 });
      // Numbers in fields, not the report's lines: every figure a number with its unit, under its limit here.
      expect(doc).not.toHaveProperty('report');
      const figures = Object.entries(doc.figures);
      expect(figures.length).toBeGreaterThan(5);
      for (const [name, f] of figures) {
        expect(typeof f.value, name).toBe('number');
        expect(typeof f.unit, name).toBe('string');
        if (f.limit !== undefined) expect(f.value as number, name).toBeLessThanOrEqual(f.limit as number);
      }
      // The figures are the report's numbers (the report prints them with thousands separators).
      const text = (await runCli(['check', 'warned.yaml', '--target', target, ...configOf(target)], { cwd: dir })).stdout;
      const size = doc.figures[target === 'argo' ? 'manifest_size' : 'definition_size']!.value as number;
      expect(size).toBeGreaterThan(0);
      expect(text).toContain(size.toLocaleString('en-US'));
    }
  });

  it('emulate (bash, argo, asl): the engine’s account, the steps’ output on stderr', async () => {
    for (const target of ['bash', 'argo', 'asl']) {
      const r = await runCli(['emulate', 'pipeline.yaml', '--target', target, '-p', 'parameters.yaml', '--run-id', `json-${target}`, '--json'], { cwd: dir, timeoutMs: 240_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(onlyJson(r.stdout)).toMatchObject({ runId: `json-${target}`, exitCode: 0 });
      expect(r.stdout).not.toContain('handling "apple"');
    }
  }, 300_000);

  it('emulate --target argo, both engines, when compile warns: one document, the warnings on stderr', async () => {
    // An argo config with a warning of its own (a schedule on a Workflow).
    writeFileSync(
      path.join(dir, 'argo-warned.yaml'),
      'executor:\n  type: argo\n  config:\n    image: registry.example.com/p:1\n    schedules: ["0 6 * * *"]\n    persistent_volumes: [{name: runs, mount_path: /mnt}]\n',
    );
    const harness = path.join(goBinDir(), 'argo-controller-harness');
    const engines = existsSync(harness) ? ['dagc', 'argo'] : ['dagc'];
    if (engines.length === 1) console.warn(`[skip] emulate --engine argo --json: Argo's controller harness is not built (${harness}; scripts/build-go.mjs harness, needs Go)`);
    for (const engine of engines) {
      const r = await runCli(['emulate', 'warned.yaml', '--target', 'argo', '-c', 'argo-warned.yaml', '-p', 'parameters.yaml', '--engine', engine, '--run-id', `json-warned-${engine}`, '--json'], {
        cwd: dir,
        timeoutMs: 240_000,
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain('is only used with kind: CronWorkflow');
      const doc = onlyJson(r.stdout) as { runId: string; exitCode: number; engine: { phase: string; nodes: unknown[] } };
      expect(doc).toMatchObject({ runId: `json-warned-${engine}`, exitCode: 0, engine: { phase: 'Succeeded' } });
      expect(doc.engine.nodes.length).toBeGreaterThan(1);
    }
  }, 300_000);

  it('runs list, runs show and report', async () => {
    const list = onlyJson((await runCli(['runs', 'list', '--json'], { cwd: dir })).stdout) as unknown as { run_id: string }[];
    expect(list.map((r) => r.run_id)).toContain('json-run');
    expect(onlyJson((await runCli(['runs', 'show', 'json-run', '--json'], { cwd: dir })).stdout).run_id).toBe('json-run');
    const report = await runCli(['report', 'json-run', '--json'], { cwd: dir });
    expect(onlyJson(report.stdout)).toMatchObject({ report_version: 1, run: { run_id: 'json-run' } });
  });

  it('errors are the one document, with exit 2', async () => {
    writeFileSync(path.join(dir, 'broken.yaml'), 'dag:\n  start_at: nowhere\n  steps: {}\n');
    for (const args of [['validate'], ['hash'], ['compile', '--target', 'argo'], ['check', '--target', 'argo'], ['run']]) {
      const r = await runCli([args[0]!, 'broken.yaml', ...args.slice(1), '--json'], { cwd: dir });
      expect(r.status, args.join(' ')).toBe(2);
      expect((onlyJson(r.stdout).diagnostics as unknown[]).length, args.join(' ')).toBeGreaterThan(0);
    }
  });
});
