// Names a user may give that once crashed a run after validate accepted it, or ran as code (issue 19): a file
// name with a newline in the bash script's header comment, a step name starting with `-` (read as an option by
// `dagc exec`, in the bash script and in Argo's pods), step names and map items longer than a file name may be (ENAMETOOLONG on the captured output).
// The oracles: files that exist only if a name ran as a command, the run log's status, bash's own parser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { BIN, sharedOrSkipNotice } from './helpers/paths.js';
import { checkManifest } from './argo-checks.js';

const ARGO_CHECKS = sharedOrSkipNotice("Argo's schema and CRD checks of the hostile-name manifest");

function bash(script: string, args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd,
      env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

const LONG_STEP = `step-${'x'.repeat(240)}`;
const LONG_ITEM = `s3://bucket/${'a'.repeat(240)}`;

const PIPELINE = `dag:
  start_at: ${LONG_STEP}
  steps:
    ${LONG_STEP}:
      type: task
      command_type: shell
      command: echo long
      next: -dash
    -dash:
      type: task
      command_type: shell
      command: echo dash
      next: m
    m:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: t
        steps:
          t:
            type: task
            command_type: shell
            command: echo "item $DAGC_PRM_item"
            next: success
          success: {type: success}
          fail: {type: fail}
      next: success
    success: {type: success}
    fail: {type: fail}
`;

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-hostile-names-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  // Two items that differ only at the end: their captured outputs must not share a (shortened) file name.
  writeFileSync(path.join(dir, 'params.yaml'), `items: ["${LONG_ITEM}1", "${LONG_ITEM}2"]\n`);
  return dir;
}

interface Shown {
  status: string;
  steps: Record<string, { status: string; data_catalog: { name: string }[]; branches: Record<string, { steps: Record<string, { data_catalog: { name: string }[] }> }> }>;
}

async function expectFinished(dir: string, runId: string): Promise<void> {
  const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  const log = JSON.parse(shown.stdout) as Shown;
  expect(log.status).toBe('SUCCESS');
  expect(log.steps['-dash']!.status).toBe('SUCCESS');
  const outputs = Object.values(log.steps.m!.branches).map((b) => Object.entries(b.steps).find(([k]) => k.endsWith('.t'))![1].data_catalog[0]!.name);
  expect(new Set(outputs).size).toBe(2);
  for (const name of [...outputs, log.steps[LONG_STEP]!.data_catalog[0]!.name]) expect(Buffer.byteLength(name)).toBeLessThanOrEqual(200);
  expect(readdirSync(path.join(dir, '.catalog', runId)).length).toBe(4);
}

describe('hostile names', () => {
  it('dagc run: a step named -dash, a 245-byte step name and 253-byte map items', async () => {
    const dir = project();
    const ran = await runCli(['run', 'pipeline.yaml', '-p', 'params.yaml', '--run-id', 'names'], { cwd: dir });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    await expectFinished(dir, 'names');
  });

  it('the bash script: the same names, and dagc exec takes them after --', async () => {
    const dir = project();
    const compiled = await runCli(['compile', 'pipeline.yaml', '-p', 'params.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const ran = await bash('p.sh', ['names'], dir);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    await expectFinished(dir, 'names');
  });

  // Argo's pods and Step Functions' tasks call dagc with the run id and dot path after `--` (issue 19: Argo's
  // pod ran `dagc exec RUN -dash`, which dagc read as an unknown option, and the workflow Failed).
  const DASHED = `dag:
  start_at: -dash
  steps:
    -dash:
      type: task
      command_type: shell
      command: echo dash
      next: -m
    -m:
      type: map
      iterate_on: items
      iterate_as: item
      branch:
        start_at: -t
        steps:
          -t:
            type: task
            command_type: shell
            command: echo "item $DAGC_PRM_item"
            next: success
          success: {type: success}
          fail: {type: fail}
      next: success
    success: {type: success}
    fail: {type: fail}
`;
  it.each(['argo', 'asl'])('emulate --target %s: steps named -dash and -t, a map -m over items -a and -b', async (target) => {
    const dir = mkdtempSync(path.join(tmpdir(), `dagc-hostile-dash-${target}-`));
    writeFileSync(path.join(dir, 'pipeline.yaml'), DASHED);
    writeFileSync(path.join(dir, 'params.yaml'), 'items: ["-a", "-b"]\n');
    if (target === 'argo') {
      const compiled = await runCli(['compile', 'pipeline.yaml', '-p', 'params.yaml', '--target', 'argo'], { cwd: dir });
      expect(compiled.status, compiled.stderr).toBe(0);
      expect(compiled.stdout).toContain('-- "$run" "$node"');
      // Argo's schema and CRD checks read ../shared/argo: without it they are skipped, and said so.
      if (ARGO_CHECKS) expect(checkManifest(compiled.stdout)).toEqual([]);
    }
    const ran = await runCli(['emulate', 'pipeline.yaml', '-p', 'params.yaml', '--target', target, '--run-id', 'dashed'], { cwd: dir, timeoutMs: 180_000 });
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    const shown = await runCli(['runs', 'show', 'dashed', '--json'], { cwd: dir });
    const log = JSON.parse(shown.stdout) as { status: string; steps: Record<string, { status: string; branches: Record<string, { steps: Record<string, { status: string }> }> }> };
    expect(log.status).toBe('SUCCESS');
    expect(log.steps['-dash']!.status).toBe('SUCCESS');
    expect(Object.keys(log.steps['-m']!.branches).sort()).toEqual(['-m.-a', '-m.-b']);
    expect(log.steps['-m']!.branches['-m.-a']!.steps['-m.-a.-t']!.status).toBe('SUCCESS');
  }, 240_000);

  it('a step named __proto__ (and constructor) compiles to ASL: states are not keyed through a prototype', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-hostile-proto-'));
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      'dag:\n  start_at: __proto__\n  steps:\n    __proto__:\n      type: task\n      command_type: shell\n      command: echo hi\n      next: constructor\n    constructor:\n      type: stub\n      next: success\n    success: {type: success}\n    fail: {type: fail}\n',
    );
    writeFileSync(
      path.join(dir, 'config.yaml'),
      'executor:\n  type: asl\n  config:\n    image: registry.example/img:1\n    job_queue: arn:aws:batch:us-east-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:us-east-1:123456789012:job-definition/d:1\nrun_log_store:\n  type: s3\n  config: {bucket: my-bucket}\ncatalog:\n  type: s3\n  config: {bucket: my-bucket}\n',
    );
    // compile checks the state machine with asl-validator: a state lost to the prototype is a missing target.
    const compiled = await runCli(['compile', 'pipeline.yaml', '-c', 'config.yaml', '--target', 'asl'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(compiled.stdout).toMatch(/"__proto__": \{/);
  });

  it('a split state machine keeps steps named __proto__, constructor and hasOwnProperty as states of their parts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-hostile-proto-split-'));
    const names = [...Array.from({ length: 10 }, (_, i) => `s${i}`), '__proto__', 'constructor', ...Array.from({ length: 10 }, (_, i) => `t${i}`), 'hasOwnProperty', 'toString', 'valueOf'];
    const steps = names.map((n, i) => `    ${n}:\n      type: task\n      command_type: shell\n      command: echo hi\n      next: ${names[i + 1] ?? 'success'}\n`).join('');
    writeFileSync(path.join(dir, 'pipeline.yaml'), `dag:\n  start_at: s0\n  steps:\n${steps}    success: {type: success}\n    fail: {type: fail}\n`);
    writeFileSync(
      path.join(dir, 'config.yaml'),
      'executor:\n  type: asl\n  config:\n    image: registry.example/img:1\n    job_queue: arn:aws:batch:us-east-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:us-east-1:123456789012:job-definition/d:1\n    limits: {definition_bytes: 16384, history_events: 200}\nrun_log_store:\n  type: s3\n  config: {bucket: my-bucket}\ncatalog:\n  type: s3\n  config: {bucket: my-bucket}\n',
    );
    // Each part is checked by asl-validator: a state lost to a prototype is a missing or unreachable target.
    const compiled = await runCli(['compile', 'pipeline.yaml', '-c', 'config.yaml', '--target', 'asl', '-o', 'out/'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const parts = readdirSync(path.join(dir, 'out')).filter((f) => /\.part-\d+\.asl\.json$/.test(f));
    expect(parts.length).toBeGreaterThan(2);
    const states = parts.flatMap((f) => Object.keys((JSON.parse(readFileSync(path.join(dir, 'out', f), 'utf8')) as { States: object }).States));
    for (const n of names) expect(states, n).toContain(n);
  });

  it('a pipeline and an output file name with newlines and $(…) stay inside the header comment', async () => {
    const dir = project();
    const source = 'p\ntouch PWNED1\n.yaml';
    const output = "o\ntouch PWNED2\n$(touch PWNED3)'`touch PWNED4`.sh";
    writeFileSync(path.join(dir, source), PIPELINE);
    const compiled = await runCli(['compile', source, '-p', 'params.yaml', '--target', 'bash', '-o', output], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    expect(spawnSync('bash', ['-n', output], { cwd: dir }).status).toBe(0);
    const ran = await bash(output, ['newline'], dir);
    expect(ran.status, ran.stdout + ran.stderr).toBe(0);
    // The script refuses a second start with the same id; its message names the file (text, not code).
    const again = await bash(output, ['newline'], dir);
    expect(again.status).toBe(2);
    for (const f of ['PWNED1', 'PWNED2', 'PWNED3', 'PWNED4']) expect(existsSync(path.join(dir, f)), f).toBe(false);
  });
});
