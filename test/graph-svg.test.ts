// `dagc graph --format svg` (Graphviz in WebAssembly, in process) and `--run` (statuses from a run log). Oracles:
// a PATH without any Graphviz binary (so the drawing cannot come from `dot`), the run log of a real run as
// `runs show --json` returns it (each drawn node's colour must be its step's status), and the step names.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';

const FIXTURE = path.join(ROOT, 'fixtures', 'report');
// Only node's own folder: no `dot` can be found.
const NO_GRAPHVIZ = { PATH: path.dirname(process.execPath) };
const FILL: Record<string, string> = { SUCCESS: '#d4edda', FAIL: '#f8d7da', NOT_RUN: '#ffffff' };

const decode = (s: string) => s.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').replace(/&quot;/g, '"');

/** Each drawn leaf node: its label and the fill of its shape. */
function leafNodes(svg: string): { label: string; fill: string; cls: string }[] {
  const out: { label: string; fill: string; cls: string }[] = [];
  for (const m of svg.matchAll(/<g id="n\d+" class="([^"]*)">\n<title>[^<]*<\/title>\n<(?:polygon|ellipse|path) fill="([^"]+)"[\s\S]*?<text[^>]*>([^<]*)<\/text>/g))
    out.push({ cls: decode(m[1]!), fill: m[2]!, label: decode(m[3]!) });
  return out;
}

describe('dagc graph --format svg', () => {
  let dir: string;
  beforeAll(async () => {
    dir = copyFixture(FIXTURE, 'dagc-graph-svg-');
    const run = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml'], { cwd: dir });
    expect(run.status, run.stderr).toBe(0);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('draws every step without a Graphviz binary, the same bytes each time', async () => {
    const a = await runCli(['graph', 'pipeline.yaml', '--format', 'svg'], { cwd: dir, env: NO_GRAPHVIZ });
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toMatch(/^<\?xml[\s\S]*<svg[\s\S]*<\/svg>\s*$/);
    const labels = new Set(leafNodes(a.stdout).map((n) => n.label));
    for (const name of ['flaky', 'check ok', 'break', 'recover', 'handle', '<img src=x onerror=alert(1)>']) expect(labels).toContain(name);
    expect(a.stdout).not.toContain('<img');
    const b = await runCli(['graph', 'pipeline.yaml', '--format', 'svg'], { cwd: dir, env: NO_GRAPHVIZ });
    expect(b.stdout).toBe(a.stdout);
  });

  it('--run colours each node by the status its step has in the run log', async () => {
    const shown = await runCli(['runs', 'show', 'latest', '--json'], { cwd: dir });
    expect(shown.status, shown.stderr).toBe(0);
    const log = JSON.parse(shown.stdout) as { steps: Record<string, { status: string; branches: Record<string, { steps: Record<string, { name: string; status: string }> }> }> };
    const expected = new Map<string, string>([
      ['flaky', log.steps.flaky!.status],
      ['break', log.steps.checks!.branches['checks.bad']!.steps['checks.bad.break']!.status],
      ['recover', log.steps.checks!.branches['checks.bad']!.steps['checks.bad.recover']!.status],
    ]);
    expect(expected.get('break')).toBe('FAIL');
    const svg = await runCli(['graph', 'pipeline.yaml', '--format', 'svg', '--run', 'latest', '-o', 'g.svg'], { cwd: dir, env: NO_GRAPHVIZ });
    expect(svg.status, svg.stderr).toBe(0);
    const { readFileSync } = await import('node:fs');
    const nodes = leafNodes(readFileSync(path.join(dir, 'g.svg'), 'utf8'));
    for (const [label, status] of expected) {
      const node = nodes.find((n) => n.label === label);
      expect(node?.fill, label).toBe(FILL[status]);
      expect(node?.cls).toBe(`node step s-${status}`);
    }
    // The fail nodes no run reached stay uncoloured.
    expect(nodes.filter((n) => n.label === 'fail').every((n) => n.fill === FILL.NOT_RUN)).toBe(true);
  });

  it('--run with --format dot writes the coloured DOT; mermaid refuses it; a typo gets a suggestion', async () => {
    const dot = await runCli(['graph', 'pipeline.yaml', '--format', 'dot', '--run', 'latest'], { cwd: dir });
    expect(dot.status, dot.stderr).toBe(0);
    expect(dot.stdout).toContain(`fillcolor="${FILL.FAIL}"`);
    const mermaid = await runCli(['graph', 'pipeline.yaml', '--run', 'latest'], { cwd: dir });
    expect(mermaid.status).toBe(2);
    expect(mermaid.stderr).toContain('--format svg');
    const typo = await runCli(['graph', 'pipeline.yaml', '--format', 'sgv'], { cwd: dir });
    expect(typo.status).toBe(2);
    expect(typo.stderr).toContain('did you mean "svg"');
    const missing = await runCli(['graph', 'pipeline.yaml', '--format', 'svg', '--run', 'nope'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('there is no run "nope"');
  });
});
