// `dagc report`: a real run of fixtures/report (a retried step, a failed branch step routed by on_failure, a
// map, hostile names and output) in each run log store, reported by the built bin/dagc.js. Oracles that are not
// the report code: the steps' own printed lines (what the shell echoed), sha256 of the output computed here,
// the run log as `runs show --json` returns it, the catalog files on disk, and the page's markup checked for
// what a hostile name would have to produce to escape.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';

const FIXTURE = path.join(ROOT, 'fixtures', 'report');
const HOSTILE = '<img src=x onerror=alert(1)>';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Attempt {
  number: number;
  status: string;
  output?: { name: string; hash: string; text?: string };
}
interface Step {
  id: string;
  internalName: string;
  template: string;
  status: string;
  attempts: Attempt[];
  metrics: Record<string, unknown>;
  parametersAfter?: Record<string, unknown>;
  catalog: { name: string; stage: string; hash: string; href?: string }[];
  branches: { label: string; kind: string; steps: string[] }[];
}
interface Data {
  run: { run_id: string; status: string; parameters: Record<string, unknown> };
  steps: Step[];
  mapItems: Record<string, unknown[]>;
}

async function runFixture(dir: string, extra: string[] = [], env: Record<string, string> = {}) {
  const run = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', ...extra], { cwd: dir, env });
  expect(run.status, run.stderr).toBe(0);
  return run;
}

/** The lines each step printed, from `dagc run`'s "<step> | <line>" stream, by step internal name. */
function printedLines(stdout: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of stdout.split('\n')) {
    const at = line.indexOf(' | ');
    if (at < 0) continue;
    const step = line.slice(0, at);
    out.set(step, [...(out.get(step) ?? []), line.slice(at + 3)]);
  }
  return out;
}

function checkData(data: Data, printed: Map<string, string[]>) {
  const step = (name: string) => {
    const s = data.steps.find((x) => x.internalName === name);
    if (!s) throw new Error(`no step ${name} in the report`);
    return s;
  };
  // The retried step: two attempts, each with its own output, the second's metric and parameter kept.
  const flaky = step('flaky');
  expect(flaky.attempts.map((a) => [a.number, a.status])).toEqual([
    [1, 'FAIL'],
    [2, 'SUCCESS'],
  ]);
  expect(flaky.attempts[0]!.output?.text).toBe('flaky attempt 1\nfirst try fails\n');
  expect(flaky.attempts[1]!.output?.text).toBe('flaky attempt 2\n');
  expect(flaky.metrics).toEqual({ score: 0.75 });
  expect(flaky.catalog.map((c) => [c.name, c.stage, c.hash])).toEqual([['data/model & <1>.txt', 'put', sha256('model weights\n')]]);
  expect(flaky.parametersAfter).toMatchObject({ threshold: 0.5 });
  // The failed branch step and the step on_failure sent the branch to.
  expect(step('checks.bad.break').status).toBe('FAIL');
  expect(step('checks.bad.recover').status).toBe('SUCCESS');
  // The map: one branch per item, in the order of the parameter.
  expect(data.mapItems.items).toEqual(['apple', '<i>pear</i>', 'cherry']);
  expect(step('items').branches.map((b) => [b.label, b.kind])).toEqual([
    ['apple', 'item'],
    ['<i>pear</i>', 'item'],
    ['cherry', 'item'],
  ]);
  for (const s of data.steps.filter((x) => x.template === 'items.map_variable_placeholder.handle'))
    expect(s.status).toBe('SUCCESS');
  // Every task attempt's output is what the step printed (stdout and stderr as they came), hashed as stored.
  for (const s of data.steps) {
    const lines = printed.get(s.internalName);
    for (const a of s.attempts) {
      if (!a.output) continue;
      expect(a.output.hash).toBe(sha256(a.output.text ?? ''));
    }
    if (lines && s.attempts.length === 1) expect(s.attempts[0]!.output?.text).toBe(lines.map((l) => `${l}\n`).join(''));
  }
  expect(step(HOSTILE).attempts[0]!.output?.text).toBe(`<script>alert("output")</script> & </pre><b>bold</b>\n`);
}

function checkHtml(html: string) {
  // Exactly the page's own two script elements; none of the hostile text survives as markup.
  expect(html.match(/<script/g)).toHaveLength(2);
  expect(html).not.toContain(HOSTILE);
  expect(html).not.toContain('<b>bold</b>');
  expect(html).not.toContain('<i>pear</i>');
  // No tag has an event-handler attribute (attribute values, where escaped names live, blanked first).
  for (const tag of html.match(/<[a-zA-Z][^>]*>/g) ?? []) expect(tag.replace(/"[^"]*"/g, '""')).not.toMatch(/\son[a-z]+\s*=/i);
  // Nothing to fetch: no external src/href, a CSP with no default source, and the inline script allowed by
  // the hash of exactly the script that is there.
  expect(html).not.toMatch(/\s(src|href)\s*=\s*["']?(https?:)?\/\//i);
  const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
  expect(csp).toContain("default-src 'none'");
  const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  expect(csp).toContain(`'sha256-${createHash('sha256').update(script).digest('base64')}'`);
  // The drawing is there, one group per node, with statuses as classes.
  expect(html).toContain('<svg');
  // Graphviz writes the class with its "-" as an entity.
  expect(html).toMatch(/class="node step s&#45;FAIL"/);
}

describe('dagc report (chunked-fs, the default store)', () => {
  let dir: string;
  let data: Data;
  let printed: Map<string, string[]>;
  beforeAll(async () => {
    dir = copyFixture(FIXTURE, 'dagc-report-');
    printed = printedLines((await runFixture(dir)).stdout);
    const json = await runCli(['report', 'latest', '--json'], { cwd: dir });
    expect(json.status, json.stderr).toBe(0);
    data = JSON.parse(json.stdout) as Data;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reports attempts, outputs, metrics, parameters and map items as the run made them', () => {
    checkData(data, printed);
  });

  it('agrees with the run log (runs show --json)', async () => {
    const shown = await runCli(['runs', 'show', data.run.run_id, '--json'], { cwd: dir });
    const log = JSON.parse(shown.stdout) as { status: string; parameters: unknown };
    expect(data.run.status).toBe(log.status);
    expect(data.run.parameters).toEqual(log.parameters);
  });

  it('writes one self-contained, escaped page; the same run gives the same bytes', async () => {
    const a = await runCli(['report', data.run.run_id, '-o', 'a.html'], { cwd: dir });
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout).toBe('');
    const b = await runCli(['report', 'latest', '-o', 'b.html'], { cwd: dir });
    expect(b.status, b.stderr).toBe(0);
    const html = readFileSync(path.join(dir, 'a.html'), 'utf8');
    expect(readFileSync(path.join(dir, 'b.html'), 'utf8')).toBe(html);
    checkHtml(html);
  });

  it('links catalog entries to the files, which hold what the hash says', async () => {
    const json = await runCli(['report', 'latest', '--json'], { cwd: dir });
    expect(JSON.parse(json.stdout)).toEqual(data);
    const html = readFileSync(path.join(dir, 'a.html'), 'utf8');
    const hrefs = [...html.matchAll(/<a href="([^"#][^"]*)">/g)].map((m) => m[1]!.replace(/&#(\d+);/g, (_, n: string) => String.fromCharCode(Number(n))));
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) {
      const file = path.join(dir, decodeURIComponent(href));
      expect(existsSync(file), href).toBe(true);
      expect(html).toContain(sha256(readFileSync(file, 'utf8')));
    }
  });

  it('refuses an unknown run with a hint, and an empty store for latest', async () => {
    const missing = await runCli(['report', 'no-such-run'], { cwd: dir });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('there is no run "no-such-run"');
    expect(missing.stderr).toContain('dagc runs list');
    const empty = copyFixture(FIXTURE, 'dagc-report-empty-');
    try {
      const none = await runCli(['report', 'latest'], { cwd: empty });
      expect(none.status).toBe(2);
      expect(none.stderr).toContain('no runs');
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('dagc report (file-system store)', () => {
  it('reads the run through the file-system run log store', async () => {
    const dir = copyFixture(FIXTURE, 'dagc-report-fs-');
    try {
      writeFileSync(path.join(dir, 'config.yaml'), 'run_log_store:\n  type: file-system\n  config:\n    log_folder: logs\n');
      const printed = printedLines((await runFixture(dir, ['-c', 'config.yaml'])).stdout);
      const json = await runCli(['report', 'latest', '-c', 'config.yaml', '--json'], { cwd: dir });
      expect(json.status, json.stderr).toBe(0);
      checkData(JSON.parse(json.stdout) as Data, printed);
      const page = await runCli(['report', 'latest', '-c', 'config.yaml', '-o', '-'], { cwd: dir });
      checkHtml(page.stdout);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dagc report (s3 run log store and catalog)', () => {
  let server: S3TestServer;
  beforeAll(async () => {
    server = await startS3Server('dagc-report');
  });
  afterAll(async () => server?.close());

  it('reads the run log and the step outputs from the bucket', async () => {
    const dir = copyFixture(FIXTURE, 'dagc-report-s3-');
    try {
      const section = (prefix: string) =>
        `    bucket: ${server.bucket}\n    prefix: ${prefix}\n    endpoint_url: ${server.endpoint}\n    force_path_style: true\n    region: us-east-1\n`;
      writeFileSync(
        path.join(dir, 'config.yaml'),
        `run_log_store:\n  type: s3\n  config:\n${section('runs')}catalog:\n  type: s3\n  config:\n${section('catalog')}`,
      );
      const printed = printedLines((await runFixture(dir, ['-c', 'config.yaml'], server.env)).stdout);
      const json = await runCli(['report', 'latest', '-c', 'config.yaml', '--json'], { cwd: dir, env: server.env });
      expect(json.status, json.stderr).toBe(0);
      const data = JSON.parse(json.stdout) as Data;
      checkData(data, printed);
      // Objects in a bucket are not linked (there is no file to open).
      expect(data.steps.flatMap((s) => s.catalog).every((c) => c.href === undefined)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('dagc runs show --logs', () => {
  it("prints each attempt's captured output under its step, as the step printed it", async () => {
    const dir = copyFixture(FIXTURE, 'dagc-runs-logs-');
    try {
      const printed = printedLines((await runFixture(dir)).stdout);
      const shown = await runCli(['runs', 'show', 'latest', '--logs'], { cwd: dir });
      expect(shown.status, shown.stderr).toBe(0);
      const lines = shown.stdout.split('\n');
      // The retried step: both attempts' output, in order, under it.
      const flaky = lines.findIndex((l) => l.startsWith('  flaky '));
      const at = lines.indexOf('      output of attempt 1', flaky);
      expect(at).toBeGreaterThan(flaky);
      expect(lines.slice(at, at + 5)).toEqual([
        '      output of attempt 1',
        '        | flaky attempt 1',
        '        | first try fails',
        '      output of attempt 2',
        '        | flaky attempt 2',
      ]);
      expect(lines.slice(flaky, lines.findIndex((l) => l.startsWith('  checks ')))).toContain(`      put data/model & <1>.txt  ${sha256('model weights\n').slice(0, 12)}`);
      expect(lines).toContain('      metrics: score=0.75');
      // Every step's printed lines appear under it.
      for (const [step, stepLines] of printed) {
        if (step === 'flaky') continue;
        const name = step.split('.').pop()!;
        for (const l of stepLines) expect(lines.some((x) => x.trimStart() === `| ${l}`), `${step}: ${l}`).toBe(true);
        expect(shown.stdout).toContain(name);
      }
      expect(shown.stdout).toMatch(/parameters {2}things=\["apple","<i>pear<\/i>","cherry"\], threshold=0.5/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
