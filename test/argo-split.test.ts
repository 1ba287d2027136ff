// Issue 16: a pipeline larger than one Argo object is split (src/emit/argo/split.ts) — nested DAG templates for a
// long chain, groups for a wide parallel node, WorkflowTemplates reached by templateRef — and the split runs to
// the run log `dagc run` records. The limits are lowered in the config (10 tasks per DAG, 8 templates and 16 KiB
// per object) so pipelines of a few dozen steps prove what a 10,000-step one needs; the oracle is `dagc run` (the reference
// traversal), the CRD's own schema and CEL rules, and Argo's validator (Go) where it is built.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { chainPipeline, mapPipeline, parallelPipeline } from '../fixtures/scale/scale-pipelines.mjs';
import { runCli } from './helpers/cli.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { RunLog } from '../src/services/run-log/types.js';
import { sharedOrSkipNotice } from './helpers/paths.js';
import { checkObjects } from './argo-checks.js';

/** Argo's schema and CRD checks read ../shared/argo: without it they are skipped, and said so. */
const HAS_SHARED = sharedOrSkipNotice("Argo's schema and CRD checks of the split objects");
import { goOrSkipNotice, goProgram } from './helpers/go.js';

type Json = Record<string, unknown>;

const CONFIG = `executor:
  type: argo
  config:
    image: registry.example.com/pipeline:1
    persistent_volumes:
      - name: pvc
        mount_path: /mnt
    limits:
      tasks_per_dag: 10
      templates_per_object: 8
      object_bytes: 16384
run_log_store:
  type: chunked-fs
  config:
    log_folder: /mnt/runs
catalog:
  type: file-system
  config:
    catalog_location: /mnt/catalog
`;
// Where the emulator keeps the claim's files (.argo-volumes/<claim>), read back as a local store.
const SHOW = 'run_log_store:\n  type: chunked-fs\n  config:\n    log_folder: .argo-volumes/pvc/runs\n';

function project(pipeline: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-split-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline);
  writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
  writeFileSync(path.join(dir, 'show.yaml'), SHOW);
  return dir;
}

async function compiled(dir: string): Promise<{ files: string[]; texts: string[]; docs: Json[] }> {
  const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml', '-o', 'out/'], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  const files = readdirSync(path.join(dir, 'out')).sort();
  const texts = files.map((f) => readFileSync(path.join(dir, 'out', f), 'utf8'));
  return { files, texts, docs: texts.map((t) => parse(t, { version: '1.1' }) as Json) };
}

const templatesOf = (doc: Json) => ((doc.spec as Json).templates as Json[]) ?? [];
const tasksOf = (t: Json) => ((t.dag as Json | undefined)?.tasks as Json[] | undefined) ?? [];

function expectWithinLimits(docs: Json[]): void {
  for (const doc of docs) {
    expect(templatesOf(doc).length).toBeLessThanOrEqual(8);
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThanOrEqual(16384);
    for (const t of templatesOf(doc)) expect(tasksOf(t).length, String(t.name)).toBeLessThanOrEqual(10);
  }
}

/** `args`: more arguments for both runs (`-p params.yaml`). */
async function runLogs(dir: string, id: string, engine: 'dagc' | 'argo' = 'dagc', args: string[] = []): Promise<{ reference: string; emulated: string; status: number }> {
  const ran = await runCli(['run', 'pipeline.yaml', ...args, '--run-id', `${id}-run`], { cwd: dir });
  const emulated = await runCli(['emulate', 'pipeline.yaml', '--target', 'argo', '--engine', engine, '-c', 'config.yaml', ...args, '--run-id', `${id}-argo`], { cwd: dir, timeoutMs: 500_000 });
  expect(emulated.status, emulated.stderr).toBe(ran.status);
  const show = async (runId: string, args: string[]) => {
    const r = await runCli(['runs', 'show', runId, '--json', ...args], { cwd: dir });
    expect(r.status, r.stderr).toBe(0);
    // Run ids differ by their suffix: the scrubbed logs name them alike.
    return scrubbedText(JSON.parse(r.stdout) as RunLog).split(runId).join('<id>');
  };
  return { reference: await show(`${id}-run`, []), emulated: await show(`${id}-argo`, ['-c', 'show.yaml']), status: ran.status ?? -1 };
}

/** Compiled within the lowered limits, passing the CRD checks (where ../shared is), then run both ways. */
async function splitAndRun(dir: string, id: string, args: string[] = []): Promise<Awaited<ReturnType<typeof runLogs>>> {
  const { texts, docs } = await compiled(dir);
  expectWithinLimits(docs);
  if (HAS_SHARED) expect(checkObjects(texts)).toEqual([]);
  return runLogs(dir, id, 'dagc', args);
}

describe('argo split (issue 16), limits lowered to 10 tasks, 8 templates, 16 KiB', () => {
  it('a 60-step chain with an on_failure handler across chunks: nested DAG templates and WorkflowTemplates, the run log of dagc run', { timeout: 120_000 }, async () => {
    // s25 fails; its on_failure handler carries on with s26: both routes sit in the chunk of s21..s28.
    const dir = project(chainPipeline({ steps: 60, shell: true, failAt: 25, handler: true }));
    const { files, texts, docs } = await compiled(dir);
    expect(files[0]).toBe('pipeline.argo.yaml');
    expect(files.length).toBeGreaterThan(1);
    expect(docs.slice(1).every((d) => d.kind === 'WorkflowTemplate')).toBe(true);
    expectWithinLimits(docs);
    if (HAS_SHARED) expect(checkObjects(texts)).toEqual([]);
    const logs = await runLogs(dir, 'chain');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  it('a chain failing in a middle chunk ends at the fail node, as dagc run does', { timeout: 120_000 }, async () => {
    const dir = project(chainPipeline({ steps: 30, shell: true, failAt: 14 }));
    const { docs } = await compiled(dir);
    expectWithinLimits(docs);
    const logs = await runLogs(dir, 'fails');
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
    expect(logs.reference).toContain('"fail"');
  });

  it('9 parallel branches of 2 steps: branch groups in WorkflowTemplates, the run log of dagc run', { timeout: 120_000 }, async () => {
    const logs = await splitAndRun(project(parallelPipeline({ branches: 9, perBranch: 2, shell: true })), 'wide');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  it('parallel branches longer than one DAG template, one failing in a middle chunk: the fail node copied into each chunk, the run log of dagc run', { timeout: 120_000 }, async () => {
    // Every task of a branch routes its failure to the branch's fail node: without a copy of it in each chunk,
    // those routes would cross every cut and the branch could not be split.
    const logs = await splitAndRun(project(parallelPipeline({ branches: 2, perBranch: 30, shell: true, failAt: [1, 14] })), 'long-branches');
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
    expect(logs.reference).toContain('"fan.b1.fail"');
  });

  it('a map whose item is longer than one DAG template, one item failing in a middle chunk: the run log of dagc run', { timeout: 120_000 }, async () => {
    const dir = project(mapPipeline({ perItem: 30, failAt: [1, 14] }));
    writeFileSync(path.join(dir, 'params.yaml'), 'items: [0, 1, 2]\n');
    const logs = await splitAndRun(dir, 'long-item', ['-p', 'params.yaml']);
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
    expect(logs.reference).toContain('"items.1.fail"');
  });

  it('compiles the same bytes twice, and a graph no cut can split is refused at its step', async () => {
    const dir = project(chainPipeline({ steps: 25, shell: true }));
    const a = await compiled(dir);
    const b = await compiled(dir);
    expect(b.texts).toEqual(a.texts);
    // s0's on_failure jumps to the last step: every cut of the chain is crossed by that route.
    const jumpy = chainPipeline({ steps: 25, shell: true }).replace('  s0:\n', '  s0:\n      on_failure: s24\n');
    const bad = project(jumpy);
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml', '-o', 'out/'], { cwd: bad });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/pipeline\.yaml:\d+:\d+ error DAGC-ARGO-TOO-MANY-TASKS/);
  });
});

const HAVE_GO = goOrSkipNotice("a split workflow under Argo's controller (go/argo harness)");

describe.skipIf(!HAVE_GO)("argo split under Argo's own controller (templateRef to WorkflowTemplates in its clientset)", () => {
  it('a 30-step chain failing in a middle chunk, 9 grouped branches, and branches and a map item longer than one DAG template: the run logs of dagc run', { timeout: 600_000 }, async () => {
    goProgram('argo-controller-harness');
    const chain = project(chainPipeline({ steps: 30, shell: true, failAt: 14, handler: true }));
    // Four nested chunk templates in one object (the WorkflowTemplates are the wide pipeline's).
    expect((await compiled(chain)).docs[0]!.spec).toBeDefined();
    const a = await runLogs(chain, 'ctl-chain', 'argo');
    expect(a.status).toBe(0);
    expect(a.emulated).toBe(a.reference);
    const fails = project(chainPipeline({ steps: 30, shell: true, failAt: 14 }));
    const b = await runLogs(fails, 'ctl-fails', 'argo');
    expect(b.status).toBe(1);
    expect(b.emulated).toBe(b.reference);
    const wide = project(parallelPipeline({ branches: 9, perBranch: 2, shell: true }));
    expect((await compiled(wide)).files.length).toBeGreaterThan(1);
    const c = await runLogs(wide, 'ctl-wide', 'argo');
    expect(c.status).toBe(0);
    expect(c.emulated).toBe(c.reference);
    // Branches of 30 steps in chunks, one failing in its second chunk at the fail node's copy there.
    const long = project(parallelPipeline({ branches: 2, perBranch: 30, shell: true, failAt: [1, 14] }));
    const d = await runLogs(long, 'ctl-long-branches', 'argo');
    expect(d.status).toBe(1);
    expect(d.emulated).toBe(d.reference);
    // A map's item in chunks, each chunk given the item's index: one item fails in its second chunk.
    const items = project(mapPipeline({ perItem: 24, failAt: [1, 11] }));
    writeFileSync(path.join(items, 'params.yaml'), 'items: [0, 1]\n');
    const e = await runLogs(items, 'ctl-long-item', 'argo', ['-p', 'params.yaml']);
    expect(e.status).toBe(1);
    expect(e.emulated).toBe(e.reference);
  });
});
