// Argo's real workflow controller runs what dagc renders (go/argo/harness: the controller in process on fake
// clientsets, every pod a local process through the real dagc entrypoint), and judges dagc's own emulator:
//  - every conformance case ends with the run log `dagc run` records (fixtures/conformance/*/expected), under
//    `dagc emulate --target argo --engine argo` as under the built-in emulator;
//  - node by node, the built-in emulator ends each Argo node in the phase the controller does;
//  - with faults injected (OOMKilled, eviction, node loss, a deadline, stop, terminate) the run log ends
//    consistent: no step PROCESSING, the run FAIL or SUCCESS as the pipeline says, and it resumes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { caseNames, expectedFile, inputArgs, playCase } from './helpers/conformance.js';
import { goOrSkipNotice, goProgram } from './helpers/go.js';
import { BIN } from './helpers/paths.js';
import { emulateArgo } from '../src/emulate/argo/index.js';
import type { ArgoFault } from '../src/emulate/argo/controller-engine.js';
import type { Phases } from './helpers/argo-phases.js';
import { phasesOf } from './helpers/argo-phases.js';
import { emulateArgoWithController } from '../src/emulate/argo/controller-engine.js';

const HAVE_GO = goOrSkipNotice("Argo's workflow controller (go/argo harness)");

async function compileIn(dir: string): Promise<string> {
  const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', ...inputArgs(dir)], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

type Engine = 'dagc' | 'argo';

/** Plays one run of a case under an engine; returns what the CLI would have printed and the node phases. */
async function runEngine(engine: Engine, dir: string, runId: string, env: Record<string, string>, faults: ArgoFault[] = [], deadlineSeconds?: number) {
  const manifest = await compileIn(dir);
  let out = '';
  const common = {
    manifest,
    runId,
    useCached: env.DAGC_USE_CACHED || undefined,
    cwd: dir,
    env: { ...process.env, ...env },
    dagc: [process.execPath, BIN],
    out: (t: string) => void (out += t),
    err: (t: string) => void (out += t),
  };
  if (engine === 'argo') {
    const { result, exitCode } = await emulateArgoWithController({ ...common, faults, deadlineSeconds, timeoutSeconds: 300 });
    return { cli: { status: exitCode, stdout: '', stderr: out } satisfies CliResult, phases: phasesOf(result.nodes), phase: result.phase, message: result.message };
  }
  const { result, exitCode } = await emulateArgo(common);
  return { cli: { status: exitCode, stdout: '', stderr: out } satisfies CliResult, phases: phasesOf(result.nodes.map((n) => ({ name: n.name, phase: n.phase }))), phase: result.phase, message: result.message };
}

describe.skipIf(!HAVE_GO)("Argo's controller runs every conformance case as dagc run does, and the built-in emulator agrees", () => {
  it.each(caseNames())('%s', { timeout: 900_000 }, async (name) => {
    goProgram('argo-controller-harness');
    const phases: Record<Engine, Phases[]> = { dagc: [], argo: [] };
    for (const engine of ['argo', 'dagc'] as const)
      await playCase(
        name,
        async (dir, runId, run) => {
          const cached: Record<string, string> = run.args?.[0] === '--use-cached' ? { DAGC_USE_CACHED: run.args[1]! } : {};
          const r = await runEngine(engine, dir, runId, { ...run.env, ...cached });
          phases[engine].push(r.phases);
          return r.cli;
        },
        async (runId, scrubbed) => expect(scrubbed, `${engine} engine`).toBe(readFileSync(expectedFile(name, runId), 'utf8')),
      );
    // The controller did run the workflow: its entrypoint DAG and at least one pod per run.
    for (const p of phases.argo) expect(Object.keys(p).length, JSON.stringify(p)).toBeGreaterThan(1);
    expect(phases.dagc).toEqual(phases.argo);
  });
});


describe.skipIf(!HAVE_GO)('dagc emulate --target argo --engine argo', () => {
  it('runs the manifest under the controller and prints its node tree with --json; unknown engines are refused', { timeout: 600_000 }, async () => {
    goProgram('argo-controller-harness');
    const { copyFixture } = await import('./helpers/fixture-dir.js');
    const { CONFORMANCE } = await import('./helpers/conformance.js');
    const dir = copyFixture(`${CONFORMANCE}/stubs-parallel`);
    const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'argo', '--engine', 'argo', '--json', '--run-id', 'cli'], { cwd: dir, timeoutMs: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("Argo workflow Succeeded (Argo's controller)");
    // stdout: one document, the run's (compile's preview warning goes to stderr).
    const run = JSON.parse(r.stdout) as { runId?: string; engine?: { phase: string; nodes: { displayName: string; phase: string }[] } };
    expect(run.runId).toBe('cli');
    expect(r.stderr).toContain('DAGC-ARGO-PREVIEW');
    expect(run.engine!.phase).toBe('Succeeded');
    expect(run.engine!.nodes.find((n) => n.displayName === 'fan-in')?.phase).toBe('Succeeded');
    const bogus = await runCli(['emulate', 'pipeline.yaml', '--target', 'argo', '--engine', 'kubelet'], { cwd: dir });
    expect(bogus.status).toBe(2);
    expect(bogus.stderr).toContain('unknown --engine "kubelet"');
    const bash = await runCli(['emulate', 'pipeline.yaml', '--target', 'bash', '--engine', 'argo'], { cwd: dir });
    expect(bash.status).toBe(2);
    expect(bash.stderr).toContain('the bash target has one engine');
  });
});

// Argo substitutes `{{…}}` in every string of a template it processes (util/template/template.go: valyala/fasttemplate
// with `{{`/`}}` tags, util/template/kind.go parseTag: a tag that starts with `=` is an expr-lang expression,
// util/template/expression_template.go),
// task arguments included (workflow/controller/dag.go resolveDependencyReferences → template.ReplaceStrict). Step names
// reach the manifest only as argument values (dot paths; task and template names are sanitised), so a `{{` in one
// is written `{{='{{'}}`, an expression whose value is the text `{{`.
const BRACES = `dag:
  start_at: "a{{workflow_name}}b"
  steps:
    "a{{workflow_name}}b":
      type: task
      command_type: shell
      command: echo hi
      next: "x {{ y"
    "x {{ y":
      type: stub
      next: success
    success: {type: success}
    fail: {type: fail}
`;

describe.skipIf(!HAVE_GO)('a step name holding "{{"', () => {
  it("renders escaped: Argo's validator accepts it, and both engines run the steps under their names", { timeout: 600_000 }, async () => {
    goProgram('argo-controller-harness');
    goProgram('argo-validate');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-braces-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), BRACES);
    const linted = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '--lint'], { cwd: dir });
    expect(linted.status, linted.stderr).toBe(0);
    expect(linted.stderr).toContain("Argo's validator accepts the Workflow");
    expect(linted.stdout).toContain(`value: a{{='{{'}}workflow_name}}b`);
    const phases: Phases[] = [];
    for (const engine of ['argo', 'dagc'] as const) {
      const runId = `braces-${engine}`;
      const r = await runEngine(engine, dir, runId, {});
      expect(r.cli.status, r.cli.stderr).toBe(0);
      phases.push(r.phases);
      const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
      const log = JSON.parse(shown.stdout) as { status: string; steps: Record<string, { status: string }> };
      expect(log.status).toBe('SUCCESS');
      expect(Object.keys(log.steps)).toEqual(['a{{workflow_name}}b', 'x {{ y', 'success']);
    }
    expect(phases[1]).toEqual(phases[0]);
  });
});
