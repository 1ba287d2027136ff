// A 2,000-step pipeline with nested composites (parallel > map) compiles under every engine limit, fast;
// a 10,000-step one is refused with the limit it breaks, not rendered broken.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { largePipeline } from '../fixtures/argo/large-pipeline.mjs';
import { runCli } from './helpers/cli.js';
import { HAS_SHARED } from './helpers/paths.js';
import { checkManifest } from './argo-checks.js';

function write(shape: { sections: number; branches: number; perBranch: number }): { dir: string; steps: number } {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-scale-'));
  const { yaml, steps } = largePipeline(shape);
  writeFileSync(path.join(dir, 'pipeline.yaml'), yaml);
  return { dir, steps };
}

describe('argo target at scale', () => {
  it('compiles 2,000 steps in nested composites under the size, value, template and task limits', async () => {
    const { dir, steps } = write({ sections: 8, branches: 5, perBranch: 50 });
    expect(steps).toBe(2000);
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'argo', '-o', 'pipeline.argo.yaml'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stderr).not.toMatch(/ error /);
    const text = readFileSync(path.join(dir, 'pipeline.argo.yaml'), 'utf8');
    const doc = parse(text, { version: '1.1' }) as { spec: { templates: { dag?: { tasks: unknown[] } }[] } };
    expect(Buffer.byteLength(JSON.stringify(doc))).toBeLessThan(1024 * 1024);
    expect(doc.spec.templates.length).toBeLessThanOrEqual(200);
    for (const t of doc.spec.templates) expect(t.dag?.tasks.length ?? 0).toBeLessThanOrEqual(200);
    // Shapes, not steps: 2,000 steps share a handful of container templates.
    expect(doc.spec.templates.filter((t) => !t.dag).length).toBeLessThanOrEqual(4);
    if (HAS_SHARED) expect(checkManifest(text)).toEqual([]);

    const budget = await runCli(['check', 'pipeline.yaml', '--target', 'argo', '--map-width', '10'], { cwd: dir });
    expect(budget.status, budget.stderr).toBe(0);
    // 131 DAG and container templates plus the onExit handler that closes a run the workflow ended early.
    expect(budget.stdout).toMatch(/templates\s+133\s/);
    expect(budget.stdout).toMatch(/pods per run\s+2,417\s/);
  });

  it('refuses 10,000 steps, naming the limit they break, and check reports it with exit 1', async () => {
    const { dir } = write({ sections: 20, branches: 10, perBranch: 50 });
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'argo'], { cwd: dir });
    expect(compiled.status).toBe(2);
    expect(compiled.stderr).toContain('DAGC-ARGO-TOO-LARGE');
    expect(compiled.stderr).toContain('DAGC-ARGO-TOO-MANY-TEMPLATES');
    const budget = await runCli(['check', 'pipeline.yaml', '--target', 'argo'], { cwd: dir });
    expect(budget.status).toBe(1);
    expect(budget.stdout).toMatch(/manifest size\s+[\d,]+ bytes\s+\d+\.\d% of 1 MiB/);
  });
});
