// Argo's own validator (go/argo/cmd/argo-validate: argo-workflows' workflow/validate, run as the controller does
// on a workflow's first operate and as `argo lint --offline` does) judges what dagc renders: every golden Argo
// manifest passes both, and the two classic mistakes no schema sees (a dangling `depends`, an undeclared
// `{{inputs.parameters.x}}`) are rejected by both. `dagc compile --target argo --lint` runs it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { CONFORMANCE, caseNames, inputArgs } from './helpers/conformance.js';
import { goBinDir, goOrSkipNotice, goProgram } from './helpers/go.js';
import { ROOT } from './helpers/paths.js';
import { goBinDir as dagcGoBinDir, goModuleDir } from '../src/emit/argo/go-tools.js';

interface Verdict {
  file: string;
  mode: 'controller' | 'lint';
  kind?: string;
  ok: boolean;
  error?: string;
}

const HAVE_GO = goOrSkipNotice("Argo's validator (go/argo)");

function validate(files: string[]): { status: number | null; verdicts: Verdict[]; stderr: string } {
  const bin = goProgram('argo-validate')!;
  const r = spawnSync(bin, ['--json', ...files], { encoding: 'utf8' });
  const verdicts = r.stdout
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Verdict);
  return { status: r.status, verdicts, stderr: r.stderr };
}

const goldens = () => {
  const out: string[] = [];
  for (const name of caseNames()) out.push(path.join(CONFORMANCE, name, 'expected', 'argo.yaml'));
  const cron = path.join(ROOT, 'fixtures', 'argo');
  // cron-3.5.yaml is the form of Argo before 3.6 (one `schedule`), which Argo 4 rejects (below).
  for (const f of readdirSync(cron)) if (f.endsWith('.yaml') && f !== 'cron-3.5.yaml') out.push(path.join(cron, f));
  return out;
};

describe.skipIf(!HAVE_GO)("Argo's own validator", () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'dagc-argo-validate-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('finds its binaries where scripts/build-go.mjs puts them', () => {
    expect(dagcGoBinDir(goModuleDir()!)).toBe(goBinDir());
  });

  it('accepts every golden Argo manifest, as the controller and as argo lint', { timeout: 900_000 }, () => {
    const files = goldens();
    const { status, verdicts, stderr } = validate(files);
    expect(verdicts.filter((v) => !v.ok), stderr).toEqual([]);
    // Each file judged both ways (a file that held no Argo object would be missing here).
    expect(verdicts.filter((v) => v.mode === 'controller').map((v) => v.file).sort()).toEqual([...files].sort());
    expect(verdicts.filter((v) => v.mode === 'lint').map((v) => v.file).sort()).toEqual([...files].sort());
    expect(status).toBe(0);
  });

  type Doc = { spec: { templates: { name: string; dag?: { tasks: { name: string; depends?: string }[] }; container?: { args: string[] } }[] } };
  const mutant = (name: string, change: (d: Doc) => void) => {
    const doc = parse(readFileSync(path.join(CONFORMANCE, 'on-failure', 'expected', 'argo.yaml'), 'utf8'), { version: '1.1' }) as Doc;
    change(doc);
    const file = path.join(tmp, `${name}.yaml`);
    writeFileSync(file, stringify(doc, { version: '1.1' }));
    return file;
  };

  it('rejects a dangling depends and an undeclared input parameter, both ways', () => {
    const dangling = mutant('dangling', (d) => (d.spec.templates[0]!.dag!.tasks[1]!.depends = 'ghost.Succeeded'));
    const undeclared = mutant('undeclared', (d) => (d.spec.templates.find((t) => t.name === 'dagc-step')!.container!.args[0] = '{{inputs.parameters.x}}'));
    const { status, verdicts } = validate([dangling, undeclared]);
    expect(status).toBe(1);
    const of = (file: string, mode: string) => verdicts.find((v) => v.file === file && v.mode === mode)!;
    for (const mode of ['controller', 'lint']) {
      expect(of(dangling, mode).ok).toBe(false);
      expect(of(dangling, mode).error).toMatch(/invalid dependency ghost/);
      expect(of(undeclared, mode).ok).toBe(false);
      expect(of(undeclared, mode).error).toMatch(/failed to resolve \{\{inputs\.parameters\.x\}\}/);
    }
  });

  it('dagc compile --target argo --lint runs it, and says how to build it when it is not built', { timeout: 120_000 }, async () => {
    goProgram('argo-validate');
    const dir = path.join(CONFORMANCE, 'nested');
    const ok = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', ...inputArgs(dir), '--lint'], { cwd: dir });
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/Argo's validator accepts the Workflow \(as the controller and as argo lint\)/);
    const plain = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', ...inputArgs(dir)], { cwd: dir });
    expect(ok.stdout).toBe(plain.stdout);

    const missing = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', ...inputArgs(dir), '--lint'], {
      cwd: dir,
      env: { DAGC_GO_BIN_DIR: path.join(tmp, 'no-binaries-here') },
    });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('scripts/build-go.mjs validator');
    expect(missing.stdout).toBe('');
  });

  it('rejects the pre-3.6 CronWorkflow form (argo_version 3.5), as Argo 4 does: argo_version matters', () => {
    const old = path.join(ROOT, 'fixtures', 'argo', 'cron-3.5.yaml');
    const { status, verdicts } = validate([old]);
    expect(status).toBe(1);
    for (const v of verdicts) expect(v.error).toMatch(/cron workflow must have at least one schedule/);
  });

  it('keeps Kubernetes modules at one release', () => {
    const mod = readFileSync(path.join(ROOT, 'go', 'argo', 'go.mod'), 'utf8');
    const staging = [...mod.matchAll(/^\s*k8s\.io\/(api|apimachinery|client-go|apiextensions-apiserver|apiserver|component-base|kubectl|cli-runtime) (v\S+)/gm)];
    expect(staging.length).toBeGreaterThan(2);
    expect(new Set(staging.map((m) => m[2])).size).toBe(1);
  });
});
