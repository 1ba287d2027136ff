// Start-up cost of the deploy commands (issue 17): the AWS SDK clients and @kubernetes/client-node load only
// when dagc deploy/submit/watch/logs run, so other commands do not pay for them. Medians of real processes as
// ratios to `node -e 0` measured in the same run: `dagc --version`; `dagc validate` (no SDK); `dagc deploy --help`
// (the command's own file only); `dagc deploy --target asl` and `--target argo` up to their first request
// (compile, settings, SDK load; the request then fails fast: a closed loopback port, one attempt).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';

const BIN = fileURLToPath(new URL('../bin/dagc.js', import.meta.url));
const ASL_CONFIG = fileURLToPath(new URL('../fixtures/asl/config.yaml', import.meta.url));

export function benchDeploy(runs = 7) {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-deploy-'));
  writeFileSync(
    path.join(dir, 'pipeline.yaml'),
    'dag:\n  start_at: hello\n  steps:\n    hello:\n      type: task\n      command_type: shell\n      command: echo hi\n      next: success\n    success:\n      type: success\n    fail:\n      type: fail\n',
  );
  writeFileSync(path.join(dir, 'argo.yaml'), 'executor:\n  type: argo\n  config:\n    image: x:1\n    persistent_volumes: [{name: data, mount_path: /mnt}]\n');
  writeFileSync(
    path.join(dir, 'kubeconfig'),
    'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
  );
  const env = {
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'eu-west-1',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    DAGC_AWS_MAX_ATTEMPTS: '1',
    KUBECONFIG: path.join(dir, 'kubeconfig'),
  };
  const t = (argv) => timeCommand(argv, { cwd: dir, runs, env }).median;
  const base = t([process.execPath, '-e', '0']);
  const rows = [
    ['node -e 0', base],
    ['dagc --version', t([process.execPath, BIN, '--version'])],
    ['dagc validate', t([process.execPath, BIN, 'validate', 'pipeline.yaml'])],
    ['dagc deploy --help', t([process.execPath, BIN, 'deploy', '--help'])],
    ['dagc deploy --target asl (to the first request)', t([process.execPath, BIN, 'deploy', 'pipeline.yaml', '--target', 'asl', '-c', ASL_CONFIG])],
    ['dagc deploy --target argo (to the first request)', t([process.execPath, BIN, 'deploy', 'pipeline.yaml', '--target', 'argo', '-c', 'argo.yaml'])],
  ];
  return rows.map(([name, ms]) => `${name.padEnd(50)} ${fmt(ms).padStart(10)}  ${ratio(ms, base)}`).join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(benchDeploy());
