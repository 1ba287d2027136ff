// Issue 16's full size under the emulators (`npm run bench:emulate`, not part of `npm run bench`: the Argo
// emulator runs every step as a pod process, about 40 CPU-minutes per 10,000 steps on this machine kind).
// A chain of DAGC_BENCH_EMULATE_STEPS stub steps (default 10,000) and DAGC_BENCH_EMULATE_BRANCHES parallel
// branches (default 200) of 50 steps each are compiled with the engines' own limits (Argo: 200 tasks per DAG
// template, split into nested templates and WorkflowTemplates; ASL: the 1 MB definition and 25,000 history
// events, split into child machines), run by `dagc emulate --target argo|asl`, and their run logs compared with
// `dagc run`'s: every step's dot path, type, status, message and attempts (number and status), and the run's
// status. DAGC_BENCH_EMULATE_ENGINES (default "argo,asl") and DAGC_BENCH_EMULATE_SHAPES (default
// "chain,parallel") pick what runs; DAGC_BENCH_EMULATE_KIND=task makes every step a shell task (`echo`, a
// `dagc exec` process each, as the "10,000-task chain": its ASL machine is split by the quotas, where a
// stub chain fits one machine) instead of a stub (the default). Times are wall clock, per step as a ratio to `node -e 0` measured in the
// same run. The split's smaller proofs are tests (test/argo-split, test/asl-split); this is the full size.
import { spawn, spawnSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { createCipheriv } from 'node:crypto';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ARGO_CONFIG as ARGO } from './compile-scale.mjs';
import { fmt, ratio, timeCommand } from './lib.mjs';
import { chainPipeline, parallelPipeline } from '../fixtures/scale/scale-pipelines.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;

// Where the Argo emulator keeps the claim's files, read back as a local store.
const ARGO_SHOW = 'run_log_store:\n  type: chunked-fs\n  config:\n    log_folder: .argo-volumes/pvc/runs\n';

function aslConfig(endpoint) {
  const store = (prefix) => ({ bucket: 'dagc-bench', prefix, endpoint_url: endpoint, force_path_style: true, region: 'us-east-1' });
  return JSON.stringify({
    executor: {
      type: 'asl',
      config: {
        image: 'dagc:bench',
        job_queue: 'arn:aws:batch:eu-west-1:123456789012:job-queue/dagc',
        job_definition: 'arn:aws:batch:eu-west-1:123456789012:job-definition/dagc:1',
      },
    },
    run_log_store: { type: 's3', config: store('runs/') },
    catalog: { type: 's3', config: store('catalog/') },
  });
}

/** Every step of a run log as one line: dot path, type, status, message, attempts; sorted. */
function outline(log) {
  const lines = [`run ${log.status}`];
  const visit = (steps) => {
    for (const step of Object.values(steps)) {
      const attempts = (step.attempts ?? []).map((a) => `${a.attempt_number}:${a.status}`).join(',');
      lines.push(`${step.internal_name}\t${step.step_type}\t${step.status}\t${step.message ?? ''}\t${attempts}`);
      for (const branch of Object.values(step.branches ?? {})) visit(branch.steps);
    }
  };
  visit(log.steps);
  return lines.sort();
}

/** A dagc command, spawned without blocking: the S3 server the ASL emulator talks to runs in this process. */
function dagc(args, cwd, env = {}) {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(node, [bin, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (status) =>
      resolve({ status, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Number(process.hrtime.bigint() - start) / 1e6 }),
    );
  });
}

async function shownOutline(runId, cwd, extra, env) {
  const r = await dagc(['runs', 'show', runId, '--json', ...extra], cwd, env);
  if (r.status !== 0) throw new Error(`runs show ${runId}: ${r.stderr}`);
  return outline(JSON.parse(r.stdout));
}

function compare(reference, other) {
  if (reference.length !== other.length) return `${other.length} lines against ${reference.length}`;
  const i = reference.findIndex((line, k) => line !== other[k]);
  return i < 0 ? 'equal' : `differs at ${JSON.stringify(reference[i])} / ${JSON.stringify(other[i])}`;
}

export async function benchEmulateScale() {
  const steps = Number(process.env.DAGC_BENCH_EMULATE_STEPS || 10_000);
  const branches = Number(process.env.DAGC_BENCH_EMULATE_BRANCHES || 200);
  const engines = (process.env.DAGC_BENCH_EMULATE_ENGINES || 'argo,asl').split(',');
  const shapes = (process.env.DAGC_BENCH_EMULATE_SHAPES || 'chain,parallel').split(',');
  const shell = process.env.DAGC_BENCH_EMULATE_KIND === 'task';
  const kind = shell ? 'shell tasks' : 'stubs';
  const base = timeCommand([node, '-e', '0'], { runs: 11 }).median;
  const lines = [`node -e 0 (baseline)  ${fmt(base)}`];
  let s3;
  if (engines.includes('asl')) {
    const directory = mkdtempSync(path.join(tmpdir(), 'dagc-bench-s3-'));
    const { default: S3rver } = await import('s3rver');
    s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: 'dagc-bench' }] });
    const { port } = await s3.run();
    s3.endpoint = `http://127.0.0.1:${port}`;
  }
  const awsEnv = { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1' };
  try {
    for (const shape of shapes) {
      const dir = mkdtempSync(path.join(tmpdir(), `dagc-bench-emulate-${shape}-`));
      const yaml = shape === 'chain' ? chainPipeline({ steps, shell }) : parallelPipeline({ branches, perBranch: 50, shell });
      const count = shape === 'chain' ? steps : branches * 50;
      const label = shape === 'chain' ? `${count}-step chain` : `${branches}×50 parallel`;
      writeFileSync(path.join(dir, 'pipeline.yaml'), yaml);
      writeFileSync(path.join(dir, 'argo.yaml'), ARGO);
      writeFileSync(path.join(dir, 'show.yaml'), ARGO_SHOW);
      if (s3) writeFileSync(path.join(dir, 'asl.yaml'), aslConfig(s3.endpoint));
      const ran = await dagc(['run', 'pipeline.yaml', '--run-id', 'ref'], dir);
      if (ran.status !== 0) throw new Error(`dagc run: ${ran.stderr}`);
      const reference = await shownOutline('ref', dir, []);
      lines.push(`${label} (${kind}): dagc run ${(ran.ms / 1000).toFixed(1)} s, ${reference.length - 1} steps in its run log`);
      for (const engine of engines) {
        const config = engine === 'argo' ? 'argo.yaml' : 'asl.yaml';
        const env = engine === 'asl' ? awsEnv : {};
        const compiled = await dagc(['compile', 'pipeline.yaml', '--target', engine, '-c', config, '-o', `out-${engine}/`], dir, env);
        if (compiled.status !== 0) throw new Error(`compile ${engine}: ${compiled.stderr}`);
        const objects = readdirSync(path.join(dir, `out-${engine}`)).length;
        const emulated = await dagc(['emulate', 'pipeline.yaml', '--target', engine, '-c', config, '--run-id', `${engine}-${shape}`], dir, env);
        if (emulated.status !== 0) {
          const log = path.join(dir, `emulate-${engine}.stderr`);
          writeFileSync(log, emulated.stderr);
          const said = emulated.stderr.split('\n').filter((l) => l !== '' && !/^[▶✓] /.test(l));
          lines.push(`  ${engine}: emulate exited ${emulated.status} after ${(emulated.ms / 1000).toFixed(1)} s (its output: ${log}): ${said.slice(-6).join(' | ')}`);
          continue;
        }
        const got = await shownOutline(`${engine}-${shape}`, dir, engine === 'argo' ? ['-c', 'show.yaml'] : ['-c', 'asl.yaml'], env);
        lines.push(
          `  ${engine.padEnd(4)} ${objects} files compiled; emulated in ${(emulated.ms / 1000).toFixed(1)} s = ${ratio(emulated.ms / count, base)} baseline per step; run log against dagc run's: ${compare(reference, got)}`,
        );
      }
    }
  } finally {
    await s3?.close();
  }
  return lines.join('\n');
}

/** s3rver pages a listing over 1,000 keys with a DES continuation token, a cipher Node 20's OpenSSL 3 keeps in its
 * legacy provider: without it the ASL run's `runs show` of 10,000 step records fails with "InternalError". */
function desAvailable() {
  try {
    createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (!desAvailable() && !process.execArgv.includes('--openssl-legacy-provider')) {
    const r = spawnSync(process.execPath, ['--openssl-legacy-provider', ...process.argv.slice(1)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  console.log(await benchEmulateScale());
}
