// Issue 16: a state machine over a Step Functions quota (definition bytes, history events of one execution) is
// split into child machines started with states:startExecution.sync:2 (src/emit/asl/split.ts), written as the
// parent, its parts and the stack that wires them. The quotas are lowered in the config (16 KiB, 200 events) so
// a 30-step chain proves what 10,000 steps need. Oracles: asl-validator on every definition, the history
// estimate of limits.ts, and `dagc run`'s run log against the emulated one (aws-local-stepfunctions runs the
// parts: it has no startExecution, the emulator runs each part's definition as a child execution).
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import aslValidator from 'asl-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainPipeline, mapPipeline, parallelPipeline } from '../fixtures/scale/scale-pipelines.mjs';
import { runCli } from './helpers/cli.js';
import { scrubbedText } from './helpers/run-log-compare.js';
import type { S3TestServer } from './helpers/s3-server.js';
import { startS3Server } from './helpers/s3-server.js';
import type { RunLog } from '../src/services/run-log/types.js';
import type { State, StateMachine } from '../src/emit/asl/asl-types.js';
import { estimateHistory } from '../src/emit/asl/limits.js';
import { START_EXECUTION } from '../src/emit/asl/split.js';
import { PARALLEL_CHECK_BYTES } from '../src/emit/asl/parts-check.js';
import { EARLY_PARTS_WORKER_NODES } from '../src/emit/asl/emit-asl.js';
import { compile } from '../src/library/compile.js';
import type { Judgement } from '../src/emulate/asl/localstack.js';

const HAS_MOTO = (() => {
  const r = spawnSync('python3', [path.join(import.meta.dirname, '..', 'python', 'dagc_localstack_judge.py'), '--probe'], { encoding: 'utf8' });
  if (r.error || r.status !== 0) console.warn(`[skip] asl-split under LocalStack: python3 cannot run moto's Step Functions interpreter; pip install "moto[server]>=5,<6"`);
  return !r.error && r.status === 0;
})();

let s3: S3TestServer;
beforeAll(async () => {
  s3 = await startS3Server();
});
afterAll(async () => s3?.close());

function project(pipeline: string, prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-split-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), pipeline);
  const config = {
    executor: {
      type: 'asl',
      config: {
        image: 'dagc:test',
        job_queue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/dagc',
        job_definition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/dagc:1',
        limits: { definition_bytes: 16384, history_events: 200 },
      },
    },
    run_log_store: { type: 's3', config: { ...s3.config(`${prefix}/runs/`) } },
    catalog: { type: 's3', config: { ...s3.config(`${prefix}/catalog/`) } },
  };
  writeFileSync(path.join(dir, 'config.yaml'), JSON.stringify(config));
  return dir;
}

/** A written definition: its parsed machine and its bytes as written (what the quota counts: CloudFormation
 * reads each file from S3 and refuses one over the quota, and `dagc deploy` sends the text as written). */
type Written = StateMachine & { readonly [writtenBytes]: number };
const writtenBytes = Symbol('written bytes');

async function compiled(dir: string): Promise<{ files: string[]; definitions: Written[] }> {
  const r = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '-o', 'out/'], { cwd: dir, env: s3.env });
  expect(r.status, r.stderr).toBe(0);
  const files = readdirSync(path.join(dir, 'out')).sort();
  const definitions = files
    .filter((f) => !f.endsWith('.stack.json'))
    .map((f) => {
      const bytes = readFileSync(path.join(dir, 'out', f));
      return Object.assign(JSON.parse(bytes.toString('utf8')) as StateMachine, { [writtenBytes]: bytes.length }) as Written;
    });
  return { files, definitions };
}

/** `${dagcPartK}` in a definition: CloudFormation puts a state machine's ARN there, up to 256 bytes (the API
 * model's limit; test/asl-checks.test.ts reads it from botocore). */
const placeholders = (d: StateMachine) => [...JSON.stringify(d).matchAll(/\$\{dagcPart\d+\}/g)].length;

function expectWithinQuotas(definitions: Written[]): void {
  for (const d of definitions) {
    const result = aslValidator(structuredClone(d), { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    // Parts hold the pipeline's states; the parent only runs them (its few states are under any quota).
    if (!Object.values(d.States).some((s) => s.Type === 'Parallel' && JSON.stringify(s).includes('startExecution')))
      expect(d[writtenBytes] + 256 * placeholders(d)).toBeLessThanOrEqual(16384);
    expect(estimateHistory(d, { mapWidth: 10 }).events).toBeLessThanOrEqual(200);
  }
}

/** `args`: more arguments for both runs (`-p params.yaml`). */
async function runLogs(dir: string, id: string, args: string[] = []): Promise<{ reference: string; emulated: string; status: number }> {
  const ran = await runCli(['run', 'pipeline.yaml', ...args, '--run-id', `${id}-run`], { cwd: dir });
  const emulated = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', ...args, '--run-id', `${id}-asl`], { cwd: dir, env: s3.env, timeoutMs: 400_000 });
  if (emulated.status !== ran.status) console.log(emulated.stderr.slice(-3000));
  expect(emulated.status, emulated.stderr).toBe(ran.status);
  const show = async (runId: string, args: string[]) => {
    const r = await runCli(['runs', 'show', runId, '--json', ...args], { cwd: dir, env: s3.env });
    expect(r.status, r.stderr).toBe(0);
    return scrubbedText(JSON.parse(r.stdout) as RunLog).split(runId).join('<id>');
  };
  return { reference: await show(`${id}-run`, []), emulated: await show(`${id}-asl`, ['-c', 'config.yaml']), status: ran.status ?? -1 };
}

/** `pipeline` compiled (the number of its parts) and emulated under `--engine localstack`, which must agree; the
 * run ends with `status` (1: it fails). */
async function judgedByLocalstack(pipeline: string, id: string, status = 0, params?: string): Promise<{ judged: Judgement; parts: number }> {
  const dir = project(pipeline, id);
  if (params !== undefined) writeFileSync(path.join(dir, 'params.yaml'), params);
  const parts = (await compiled(dir)).definitions.length - 1;
  const args = params !== undefined ? ['-p', 'params.yaml'] : [];
  const r = await runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', ...args, '--engine', 'localstack', '--json', '--run-id', id], { cwd: dir, env: s3.env, timeoutMs: 500_000 });
  expect(r.status, r.stderr.slice(-3000)).toBe(status);
  const judged = (JSON.parse(r.stdout) as { engine: Judgement }).engine;
  expect(judged.agree).toBe(true);
  return { judged, parts };
}

describe('asl split (issue 16), quotas lowered to 16 KiB and 200 events', () => {
  it('a 30-step chain with an on_failure handler: parts under both quotas, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(chainPipeline({ steps: 30, shell: true, failAt: 14, handler: true }), 'chain');
    const { files, definitions } = await compiled(dir);
    expect(files).toContain('pipeline.asl.json');
    expect(files).toContain('pipeline.stack.json');
    expect(definitions.length).toBeGreaterThan(2);
    expectWithinQuotas(definitions);
    const logs = await runLogs(dir, 'chain');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  // The stack names each definition by its file beside it (DefinitionS3Location, the local path `aws cloudformation
  // package` uploads): judged by cfn-lint, which knows the form (W3002) and would say anything else it finds.
  it('the stack names every definition file once, parent last with a substitution per part, and passes cfn-lint', { timeout: 600_000 }, async () => {
    const dir = project(chainPipeline({ steps: 30, shell: true, failAt: 14, handler: true }), 'stack');
    const { files } = await compiled(dir);
    const stackText = readFileSync(path.join(dir, 'out', 'pipeline.stack.json'), 'utf8');
    const stack = JSON.parse(stackText) as { Resources: Record<string, { Type: string; Properties: { DefinitionS3Location?: string; DefinitionString?: string; DefinitionSubstitutions?: Record<string, { Ref: string }> } }> };
    const machines = Object.entries(stack.Resources).filter(([, r]) => r.Type === 'AWS::StepFunctions::StateMachine');
    const named = machines.map(([, r]) => r.Properties.DefinitionS3Location);
    expect(named.sort()).toEqual(files.filter((f) => f !== 'pipeline.stack.json').sort());
    expect(machines.every(([, r]) => r.Properties.DefinitionString === undefined)).toBe(true);
    const [last, parent] = machines[machines.length - 1]!;
    expect(last).toBe('StateMachine');
    expect(parent.Properties.DefinitionS3Location).toBe('pipeline.asl.json');
    // Every ${dagcPart<k>} of a machine (the parent; a part starting parts: a parent split in turn, the branches of
    // a wide Parallel) is given, by that machine's own substitutions, the ARN of the resource whose file is that
    // part; every part is started by one machine, once.
    const started: string[] = [];
    for (const [, r] of machines) {
      const own = [...readFileSync(path.join(dir, 'out', r.Properties.DefinitionS3Location!), 'utf8').matchAll(/"\$\{(dagcPart\d+)\}"/g)].map((m) => m[1]!);
      started.push(...own);
      expect(Object.keys(r.Properties.DefinitionSubstitutions ?? {}).sort()).toEqual([...own].sort());
      for (const key of own)
        expect(stack.Resources[r.Properties.DefinitionSubstitutions![key]!.Ref]?.Properties.DefinitionS3Location).toBe(`pipeline.part-${key.slice('dagcPart'.length)}.asl.json`);
    }
    expect(started.length).toBe(machines.length - 1);
    expect(new Set(started).size).toBe(started.length);
    // Small, whatever the machine's size: CloudFormation takes a template of at most 1 MB from S3.
    expect(Buffer.byteLength(stackText)).toBeLessThan(51_200);
    const lint = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
    if (lint.status !== 0) {
      console.warn('cfn-lint is not installed (pip install cfn-lint): the stack lint is skipped');
      return;
    }
    const linted = spawnSync('cfn-lint', ['--regions', 'eu-west-1', '--format', 'json', '--', path.join(dir, 'out', 'pipeline.stack.json')], { encoding: 'utf8' });
    const findings = JSON.parse(linted.stdout || '[]') as { Rule: { Id: string } }[];
    expect(findings.length).toBe(machines.length);
    expect([...new Set(findings.map((f) => f.Rule.Id))]).toEqual(['W3002']);
  });

  // A parent holds a start, a route and an entry per part: over a limit itself, it is split in turn, and its parts
  // start the parts below them, each level routing through a key of its own in the state's data.
  it('a chain whose parent is over the quotas too: the parent split in turn, on_failure across the levels, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(chainPipeline({ steps: 60, shell: true, failAt: 47, handler: true }), 'levels');
    const { definitions } = await compiled(dir);
    expectWithinQuotas(definitions);
    const text = (d: StateMachine) => JSON.stringify(d);
    const routes = (d: StateMachine) => new Set([...text(d).matchAll(/"\$\.(dagc_route\d*)/g)].map((m) => m[1]!));
    // The top parent routes by the last level's key only; the parts of parts by two keys (the one their parent
    // routes them by, the one they route their own parts by); the pipeline's parts by the first key.
    const [top, ...parts] = definitions.sort((a, b) => Number(a.Comment?.includes(' Part ')) - Number(b.Comment?.includes(' Part ')));
    expect([...routes(top!)]).toEqual(['dagc_route2']);
    const middle = parts.filter((d) => placeholders(d) > 0);
    expect(middle.length).toBeGreaterThan(1);
    for (const d of middle) expect([...routes(d)].sort()).toEqual(['dagc_route', 'dagc_route2']);
    for (const d of parts.filter((d) => placeholders(d) === 0)) expect([...routes(d)].filter((r) => r !== 'dagc_route')).toEqual([]);
    // Every part is started by exactly one machine.
    const started = definitions.flatMap((d) => [...text(d).matchAll(/\$\{dagcPart(\d+)\}/g)].map((m) => Number(m[1])));
    expect(started.sort((a, b) => a - b)).toEqual(parts.map((_, i) => i + 1));
    const logs = await runLogs(dir, 'levels');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  // The second engine: LocalStack's interpreter replays every execution of the run against its own definition (the
  // run's, each part's, each part of parts'), each Task that starts a part a recorded call of its parent.
  it.skipIf(!HAS_MOTO)('a parent split in turn, judged by LocalStack: every execution (the run, each part, each part of parts) agrees', { timeout: 600_000 }, async () => {
    const { judged, parts } = await judgedByLocalstack(chainPipeline({ steps: 60, shell: true, failAt: 47, handler: true }), 'judged');
    // One execution per part: each part runs once in this chain (none is entered twice).
    expect(judged.executions.length).toBe(1 + parts);
    expect(judged.executions.every((e) => e.localstack.status === 'SUCCEEDED' && e.localstack.events.length > 0)).toBe(true);
  });

  // Parts run at once (a wide Parallel's branches, each a part): each records its own calls, its first Task's
  // included, which the interpreter calls before the part's run() has returned.
  it.skipIf(!HAS_MOTO)('a parallel node too large for a part, judged by LocalStack: each branch an execution of its own, run at once', { timeout: 600_000 }, async () => {
    const { judged, parts } = await judgedByLocalstack(parallelPipeline({ branches: 4, perBranch: 4, shell: true }), 'judged-wide');
    expect(judged.executions.length).toBe(1 + parts);
    // Each branch's part made its four jobs' calls, and none of them is the run's.
    const branches = judged.executions.filter((e) => e.awsLocal.calls.some((c) => /^fan\.b\d\.t0$/.test(c.state)));
    expect(branches.length).toBe(4);
    for (const e of branches) expect(e.awsLocal.calls.map((c) => c.state.replace(/^fan\.b\d\./, ''))).toEqual(['t0', 't1', 't2', 't3']);
  });

  // A failing run too: the failure leaves a part of a branch's part, fails the Parallel, and ends the run at its
  // fail node; each execution on the way fails or succeeds alike under both interpreters.
  it.skipIf(!HAS_MOTO)('branches too long for a part, one failing, judged by LocalStack: every execution (the run, each branch, each part of a branch) agrees', { timeout: 600_000 }, async () => {
    const { judged, parts } = await judgedByLocalstack(parallelPipeline({ branches: 2, perBranch: 24, shell: true, failAt: [1, 11] }), 'judged-long', 1);
    expect(judged.executions.length).toBeGreaterThan(1 + 2);
    expect(judged.executions.length).toBeLessThanOrEqual(1 + parts);
    // Branch 1 ran its jobs up to t11 and left its parts at the fail node, skipping the parts of t12 on; the
    // branch ends as recorded (the fan-in reads it), and only the run's execution fails.
    const calls = judged.executions.flatMap((e) => e.awsLocal.calls.map((c) => c.state));
    const steps = (b: number, n: number) => Array.from({ length: n }, (_, t) => `fan.b${b}.t${t}`);
    expect(calls.filter((c) => c.startsWith('fan.b1.'))).toEqual(steps(1, 12));
    expect(calls.filter((c) => c.startsWith('fan.b0.'))).toEqual(steps(0, 24));
    expect(judged.executions.filter((e) => e.localstack.status === 'FAILED').length).toBe(1);
  });

  it.skipIf(!HAS_MOTO)('a map whose item is too long for a part, judged by LocalStack: every execution (the run, each item, each part of an item) agrees', { timeout: 600_000 }, async () => {
    const { judged } = await judgedByLocalstack(mapPipeline({ perItem: 24, failAt: [1, 11] }), 'judged-item', 1, 'items: [0, 1, 2]\n');
    // Each item ran its jobs in order in its own executions; item 1 up to t11, where it failed.
    const calls = judged.executions.flatMap((e) => e.awsLocal.calls.map((c) => c.state));
    expect(calls.filter((c) => /^items\.[^.]+\.t\d+$/.test(c)).length).toBe(24 + 12 + 24);
    // The map node failed: the run fails, and so does the part where its fan-in ran (the run is split too).
    const failed = judged.executions.filter((e) => e.localstack.status === 'FAILED');
    expect(failed.length).toBe(2);
    expect(failed.filter((e) => e.awsLocal.calls.some((c) => c.state === 'items.fan-in')).length).toBe(1);
  });

  it('a chain failing in a middle part ends at the fail node, as dagc run does', { timeout: 600_000 }, async () => {
    const dir = project(chainPipeline({ steps: 24, shell: true, failAt: 11 }), 'fails');
    expectWithinQuotas((await compiled(dir)).definitions);
    const logs = await runLogs(dir, 'fails');
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
  });

  it('a parallel node too large for a part: each branch runs as a child machine, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(parallelPipeline({ branches: 4, perBranch: 4, shell: true }), 'wide');
    const { definitions } = await compiled(dir);
    expect(definitions.length).toBeGreaterThanOrEqual(5);
    expectWithinQuotas(definitions);
    const logs = await runLogs(dir, 'wide');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  // After its branches went to parts of their own, the machine is still too large: the Parallel that starts them
  // lands in a part, which CloudFormation gives their ARNs through that part's own DefinitionSubstitutions.
  it('a parallel node too large for a part, in a chain too long for one: a part starts the branches, the run log of dagc run', { timeout: 600_000 }, async () => {
    const lines = ['dag:', '  start_at: s0', '  steps:'];
    for (let i = 0; i < 12; i++)
      lines.push(`    s${i}:`, '      type: task', '      command_type: shell', `      command: echo s${i}`, `      next: ${i === 5 ? 'fan' : i === 11 ? 'success' : `s${i + 1}`}`);
    lines.push('    fan:', '      type: parallel', '      next: s6', '      branches:');
    for (let b = 0; b < 4; b++) {
      lines.push(`        b${b}:`, '          start_at: t0', '          steps:');
      for (let t = 0; t < 4; t++)
        lines.push(`            t${t}:`, '              type: task', '              command_type: shell', `              command: echo b${b}-t${t}`, `              next: ${t === 3 ? 'success' : `t${t + 1}`}`);
      lines.push('            success:', '              type: success', '            fail:', '              type: fail');
    }
    lines.push('    success:', '      type: success', '    fail:', '      type: fail');
    const dir = project(lines.join('\n') + '\n', 'inner');
    const { definitions } = await compiled(dir);
    expectWithinQuotas(definitions);
    const stack = JSON.parse(readFileSync(path.join(dir, 'out', 'pipeline.stack.json'), 'utf8')) as { Resources: Record<string, { Properties: { DefinitionSubstitutions?: Record<string, unknown> } }> };
    const starting = Object.entries(stack.Resources).filter(([id, r]) => id !== 'StateMachine' && r.Properties.DefinitionSubstitutions);
    expect(starting.map(([, r]) => Object.keys(r.Properties.DefinitionSubstitutions!).length)).toEqual([4]);
    const logs = await runLogs(dir, 'inner');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  // Each branch is too long for one part: its part is the parent of the branch's own parts (split in turn, with
  // a route key of its own), and the states there read the run's context from the data as it was passed on.
  it('a parallel node whose branches are too long for a part: each branch split in turn, one failing in a middle part, the run log of dagc run', { timeout: 600_000 }, async () => {
    const pipeline = parallelPipeline({ branches: 2, perBranch: 24, shell: true, failAt: [1, 11] });
    const dir = project(pipeline, 'long-branches');
    const { definitions } = await compiled(dir);
    expectWithinQuotas(definitions);
    // The parent's Parallel starts two parts, each of which starts the parts of its branch.
    const starts = (d: StateMachine) => Object.values(d.States).filter((s) => (s as { Resource?: string }).Resource === START_EXECUTION).length;
    const branchParents = definitions.slice(1).filter((d) => starts(d) > 0);
    expect(branchParents.length).toBe(2);
    expect(definitions.length - 1).toBeGreaterThan(2 + 2 * 2);
    const logs = await runLogs(dir, 'long-branches');
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
    expect(logs.reference).toContain('"fan.b1.fail"');
  });

  // Too wide for a part per branch (a Parallel of 12 starts is over half a part here): the branches are packed, two
  // to a part, each part a Parallel of them; one branch fails, and the run ends at the fail node as dagc run's does.
  it('a parallel node too wide for a part per branch: branches packed into parts, one failing, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(parallelPipeline({ branches: 12, perBranch: 1, shell: true, failAt: [5, 0] }), 'packed');
    const { definitions } = await compiled(dir);
    expectWithinQuotas(definitions);
    const packed = definitions.slice(1).filter((d) => d.States['dagc.branches']?.Type === 'Parallel');
    expect(packed.length).toBeGreaterThan(1);
    expect(packed.length).toBeLessThan(12);
    const logs = await runLogs(dir, 'packed');
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
  });

  it.skipIf(!HAS_MOTO)('branches packed into parts, judged by LocalStack: every execution agrees', { timeout: 600_000 }, async () => {
    const { judged, parts } = await judgedByLocalstack(parallelPipeline({ branches: 12, perBranch: 1, shell: true, failAt: [5, 0] }), 'judged-packed', 1);
    // Two branches to a part: each part's execution made its two jobs' calls, at once.
    const branchParts = judged.executions.filter((e) => e.awsLocal.calls.some((c) => /^fan\.b\d+\.t0$/.test(c.state)));
    expect(branchParts.map((e) => e.awsLocal.calls.length)).toEqual([2, 2, 2, 2, 2, 2]);
    expect(parts).toBeGreaterThanOrEqual(branchParts.length);
    // Each branch's job was called once, in the part that runs it.
    const calls = judged.executions.flatMap((e) => e.awsLocal.calls.map((c) => c.state)).filter((c) => /^fan\.b\d+\.t0$/.test(c));
    expect(calls.sort()).toEqual(Array.from({ length: 12 }, (_, b) => `fan.b${b}.t0`).sort());
  });

  // Branches of 60 steps: each branch's machine (a start and a route per part of it) is over the quotas too, and
  // is split in turn, as the run's parent is; branch 1 fails in a part of a part.
  it('branches whose machines are over the quotas too: split in turn, one failing, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(parallelPipeline({ branches: 2, perBranch: 60, shell: true, failAt: [1, 47] }), 'branch-levels');
    const { definitions } = await compiled(dir);
    expectWithinQuotas(definitions);
    expect(definitions.filter((d) => JSON.stringify(d).includes('"$.dagc_route3.exit"')).length).toBeGreaterThan(1);
    const logs = await runLogs(dir, 'branch-levels');
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
  });

  // A map whose item is too long for a part: the item is a child machine started by the Map's iteration (a Pass
  // gives it the run's context first: the item's data is the ItemSelector's), split in turn.
  it('a map whose item is too long for a part: the item a child machine split in turn, one item failing in a middle part, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(mapPipeline({ perItem: 24, failAt: [1, 11] }), 'long-item');
    writeFileSync(path.join(dir, 'params.yaml'), 'items: [0, 1, 2]\n');
    const { definitions } = await compiled(dir);
    expectWithinQuotas(definitions);
    // The Map is in the parent or in a part (the run is split too at these quotas), wherever dagc.run's states are.
    const statesOf = (m: StateMachine): State[] => Object.values(m.States).flatMap((s) => [s, ...(s.Type === 'Parallel' ? s.Branches.flatMap(statesOf) : [])]);
    const maps = definitions.flatMap(statesOf).filter((s) => s.Type === 'Map');
    expect(maps).toHaveLength(1);
    const map = maps[0];
    expect(map && Object.keys(map.ItemProcessor.States)).toEqual([expect.stringMatching(/^dagc\.part-\d+\.context$/), expect.stringMatching(/^dagc\.part-\d+$/)]);
    const logs = await runLogs(dir, 'long-item', ['-p', 'params.yaml']);
    expect(logs.status).toBe(1);
    expect(logs.emulated).toBe(logs.reference);
    expect(logs.reference).toContain('"items.1.fail"');
  });

  // The bench's pipelines (bench/emulate-scale.mjs) are stubs: Pass states only, parts with no Task of their own.
  it('a 200-stub chain: parts of Pass states, the run log of dagc run', { timeout: 600_000 }, async () => {
    const dir = project(chainPipeline({ steps: 200 }), 'stubs');
    const { definitions } = await compiled(dir);
    expect(definitions.length).toBeGreaterThan(2);
    expectWithinQuotas(definitions);
    const logs = await runLogs(dir, 'stubs');
    expect(logs.status).toBe(0);
    expect(logs.emulated).toBe(logs.reference);
  });

  // Over 1 MB of parts, `dagc compile` (the compile bundle) validates them on two threads (parts-check.ts), with
  // the worker started before the machine is built (from EARLY_PARTS_WORKER_NODES nodes); the library under the
  // sources has no worker beside it and validates them here: the same files, the same bytes.
  it('a 1,000-step chain: the same files whether its parts are validated on one thread or two', { timeout: 300_000 }, async () => {
    expect(1000).toBeGreaterThanOrEqual(EARLY_PARTS_WORKER_NODES);
    const dir = project(chainPipeline({ steps: 1000, shell: true }), 'threads');
    const cli = await compiled(dir);
    expect(cli.files.length).toBeGreaterThan(100);
    const texts = cli.files.map((f) => readFileSync(path.join(dir, 'out', f), 'utf8'));
    expect(texts.reduce((n, t) => n + JSON.stringify(JSON.parse(t)).length, 0)).toBeGreaterThan(PARALLEL_CHECK_BYTES);
    const library = await compile({ target: 'asl', pipelineFile: 'pipeline.yaml', configFile: 'config.yaml', output: 'out/', cwd: dir, env: { ...process.env, ...s3.env } });
    expect(library.files.map((f) => path.relative(path.join(dir, 'out'), f.path)).sort()).toEqual(cli.files);
    const byName = new Map(library.files.map((f) => [path.basename(f.path), f.text]));
    expect(cli.files.map((f) => byName.get(f))).toEqual(texts);
  });

  it('compiles the same bytes twice', { timeout: 120_000 }, async () => {
    const dir = project(chainPipeline({ steps: 30, shell: true }), 'same');
    const a = await compiled(dir);
    const b = await compiled(dir);
    expect(b.definitions).toEqual(a.definitions);
  });
});
