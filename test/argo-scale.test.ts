// A 2,000-step pipeline with nested composites (parallel > map) compiles under every engine limit, fast;
// a 10,000-step one is split into WorkflowTemplates (issue 16), each within the limits.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { largePipeline } from '../fixtures/argo/large-pipeline.mjs';
import { chainPipeline } from '../fixtures/scale/scale-pipelines.mjs';
import { runCli } from './helpers/cli.js';
import { sharedOrSkipNotice } from './helpers/paths.js';
import { checkObjects } from './argo-checks.js';

/** Argo's schema and CRD checks read ../shared/argo: without it they are skipped, and said so. */
const HAS_SHARED = sharedOrSkipNotice("Argo's schema and CRD checks of the large manifests");

function write(shape: { sections: number; branches: number; perBranch: number }): { dir: string; steps: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-scale-'));
  const { yaml, steps } = largePipeline(shape);
  writeFileSync(path.join(dir, 'pipeline.yaml'), yaml);
  return { dir, steps };
}

function objectsIn(dir: string): { texts: string[]; docs: { kind: string; spec: { templates: { dag?: { tasks: unknown[] } }[] } }[] } {
  const files = readdirSync(path.join(dir, 'out')).sort();
  const texts = files.map((f) => readFileSync(path.join(dir, 'out', f), 'utf8'));
  return { texts, docs: texts.map((t) => parse(t, { version: '1.1' }) as { kind: string; spec: { templates: { dag?: { tasks: unknown[] } }[] } }) };
}

describe('argo target at scale', () => {
  it('compiles 2,000 steps in nested composites under the size, value, template and task limits', async () => {
    const { dir, steps } = write({ sections: 8, branches: 5, perBranch: 50 });
    expect(steps).toBe(2000);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-o', 'out/'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stderr).not.toMatch(/ error /);
    const { texts, docs } = objectsIn(dir);
    for (const doc of docs) {
      // Every object fits client-side `kubectl apply` (the default size budget, 256 KiB of JSON).
      expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(256 * 1024);
      expect(doc.spec.templates.length).toBeLessThanOrEqual(200);
      for (const t of doc.spec.templates) expect(t.dag?.tasks.length ?? 0).toBeLessThanOrEqual(200);
      // Shapes, not steps: 2,000 steps share a handful of container templates.
      expect(doc.spec.templates.filter((t) => !t.dag).length).toBeLessThanOrEqual(4);
    }
    if (HAS_SHARED) expect(checkObjects(texts)).toEqual([]);

    const budget = await runCli(['check', 'pipeline.yaml', '--target', 'argo', '--map-width', '10'], { cwd: dir });
    expect(budget.status, budget.stderr).toBe(0);
    expect(budget.stdout).toMatch(new RegExp(`objects\\s+${docs.length}\\s`));
    expect(budget.stdout).toMatch(/pods per run\s+2,417\s/);
  });

  it('compiles 10,000 steps split into WorkflowTemplates, and check says the status needs offloading', async () => {
    const { dir } = write({ sections: 20, branches: 10, perBranch: 50 });
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-o', 'out/'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const { docs } = objectsIn(dir);
    expect(docs.length).toBeGreaterThan(1);
    expect(docs.slice(1).every((d) => d.kind === 'WorkflowTemplate')).toBe(true);
    for (const doc of docs) {
      expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(256 * 1024);
      expect(doc.spec.templates.length).toBeLessThanOrEqual(200);
    }
    const budget = await runCli(['check', 'pipeline.yaml', '--target', 'argo'], { cwd: dir });
    expect(budget.status, budget.stderr).toBe(0);
    expect(budget.stdout).toMatch(/manifest size\s+[\d,]+ bytes\s+\d+\.\d% of 1 MiB/);
    expect(budget.stdout).toMatch(/status size .*needs node-status offloading/);
  });

  // 16,000 shell steps in one chain: 81 nested chunk templates, deeper than Argo's controller goes. One error, at
  // the chain's first step; the graph left whole is not reported again for its size, its depends and its tasks.
  it('refuses a chain deeper than Argo nests templates with one error at its first step', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-scale-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), chainPipeline({ steps: 16_000, shell: true }));
    const r = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-o', 'out/'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr.match(/ error DAGC-[A-Z-]+/g)).toEqual([' error DAGC-ARGO-TOO-DEEP']);
    expect(r.stderr).toMatch(/^pipeline\.yaml:5:5 error DAGC-ARGO-TOO-DEEP the graph starting at "s0" has 16002 tasks: 81 nested DAG templates/m);
  });
});
