// Reading a config with target and provider settings: `dagc validate` of a 3-step pipeline with no config,
// a local config, an argo config and an asl config with s3 stores, against `node -e 0` measured in the same
// run. The providers' config validators are precompiled one module each and loaded only for the types a
// config names (src/front-end/precompiled-definitions.ts); an engine config also compiles the pipeline in
// validate (src/library/config-check.ts). Run: `node bench/config.mjs` after `node scripts/build.mjs`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;
const RUNS = 11;

export function benchConfig() {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-config-'));
  try {
    writeFileSync(path.join(dir, 'pipeline.yaml'), 'dag:\n  start_at: a\n  steps:\n    a:\n      type: task\n      command_type: shell\n      command: echo hi\n      next: success\n    success:\n      type: success\n    fail:\n      type: fail\n');
    writeFileSync(path.join(dir, 'local.yaml'), 'executor:\n  type: local\n  config: {max_parallel: 4}\nrun_log_store:\n  type: chunked-fs\ncatalog:\n  type: file-system\n');
    writeFileSync(path.join(dir, 'argo.yaml'), 'executor:\n  type: argo\n  config:\n    image: registry.example.com/app:1\n    persistent_volumes: [{name: runs, mount_path: /mnt}]\n    resources: {limits: {cpu: "2", memory: 4Gi}}\n');
    writeFileSync(
      path.join(dir, 'asl.yaml'),
      'executor:\n  type: asl\n  config:\n    image: app:1\n    job_queue: arn:aws:batch:eu-west-1:123456789012:job-queue/q\n    job_definition: arn:aws:batch:eu-west-1:123456789012:job-definition/d:1\nrun_log_store: {type: s3, config: {bucket: dagc-runs}}\ncatalog: {type: s3, config: {bucket: dagc-runs}}\n',
    );
    timeCommand([node, bin, 'validate', 'pipeline.yaml', '-c', 'argo.yaml'], { cwd: dir, runs: 1 });
    const baseline = timeCommand([node, '-e', '0'], { cwd: dir, runs: RUNS });
    const rows = [['node -e 0', baseline.median, '1.00×']];
    for (const [name, args] of [
      ['validate, no config', []],
      ['validate -c local.yaml', ['-c', 'local.yaml']],
      ['validate -c argo.yaml', ['-c', 'argo.yaml']],
      ['validate -c asl.yaml', ['-c', 'asl.yaml']],
    ]) {
      const t = timeCommand([node, bin, 'validate', 'pipeline.yaml', ...args], { cwd: dir, runs: RUNS });
      rows.push([name, t.median, ratio(t.median, baseline.median)]);
    }
    return [`median of ${RUNS} runs each:`, ...rows.map(([n, ms, r]) => `  ${n.padEnd(26)} ${fmt(ms).padStart(10)}  ${r.padStart(6)}`)].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(benchConfig());
