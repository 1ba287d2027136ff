// Per-step cost of the local-container executor against the local one, as ratios to `node -e 0` and to a bare
// `<engine> run --rm IMAGE true` measured in the same run. The image is assembled here from this machine's
// files (busybox, node) with this checkout mounted read-only at its own path, so no registry is needed.
// Skipped, with the reason, where no container engine works.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, ratio, timeCommand } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = path.join(root, 'bin', 'dagc.js');
const node = process.execPath;
const IMAGE = 'localhost/dagc-bench:1';

const ok = (argv) => spawnSync(argv[0], argv.slice(1), { stdio: 'ignore' }).status === 0;

function engine() {
  if (ok(['docker', 'version', '--format', '{{.Server.Version}}'])) return 'docker';
  if (ok(['podman', 'version'])) return 'podman';
  return undefined;
}

/** busybox + node + the libraries node links, and a dagc launcher for the mounted checkout. */
function buildImage(eng) {
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find(existsSync);
  if (!busybox) return 'no busybox (Debian busybox-static)';
  const fs = mkdtempSync(path.join(tmpdir(), 'dagc-bench-rootfs-'));
  try {
    for (const d of ['bin', 'usr/bin', 'usr/local/bin', 'tmp', 'lib64', 'lib/x86_64-linux-gnu']) mkdirSync(path.join(fs, d), { recursive: true });
    copyFileSync(busybox, path.join(fs, 'bin/busybox'));
    chmodSync(path.join(fs, 'bin/busybox'), 0o755);
    for (const a of ['sh', 'true', 'cat', 'echo', 'mkdir', 'test', 'printf', 'env']) symlinkSync('busybox', path.join(fs, 'bin', a));
    copyFileSync(node, path.join(fs, 'usr/bin/node'));
    chmodSync(path.join(fs, 'usr/bin/node'), 0o755);
    const ldd = spawnSync('ldd', [node], { encoding: 'utf8' }).stdout;
    for (const m of ldd.matchAll(/(\/\S+\.so[^\s]*)/g)) {
      const lib = m[1];
      const target = path.join(fs, lib);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(lib, target);
    }
    writeFileSync(path.join(fs, 'usr/local/bin/dagc'), `#!/bin/sh\nexec node ${bin} "$@"\n`, { mode: 0o755 });
    const tar = spawnSync('sh', ['-c', `tar -C '${fs}' -c . | ${eng} import - ${IMAGE}`], { stdio: 'pipe' });
    return tar.status === 0 ? undefined : `import failed: ${tar.stderr}`;
  } finally {
    rmSync(fs, { recursive: true, force: true });
  }
}

function chain(n) {
  const steps = [];
  for (let i = 0; i < n; i++)
    steps.push(`    s${i}:\n      type: task\n      command_type: shell\n      command: "true"\n      next: ${i === n - 1 ? 'success' : `s${i + 1}`}`);
  return `dag:\n  start_at: s0\n  steps:\n${steps.join('\n')}\n    success:\n      type: success\n    fail:\n      type: fail\n`;
}

export function benchContainer() {
  const eng = engine();
  if (!eng) return 'skipped: no container engine works here (docker daemon or podman)';
  const problem = buildImage(eng);
  if (problem) return `skipped: ${problem}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-bench-lc-'));
  writeFileSync(path.join(dir, 'one.yaml'), chain(1));
  writeFileSync(path.join(dir, 'ten.yaml'), chain(10));
  const mount = JSON.stringify(['-v', `${root}:${root}:ro`]);
  writeFileSync(
    path.join(dir, 'lc.yaml'),
    `executor:\n  type: local-container\n  config:\n    docker_image: ${IMAGE}\n    enable_parallel: false\n    run_options: ${mount}\n`,
  );
  const baseline = timeCommand([node, '-e', '0'], { cwd: dir, runs: 11 }).median;
  // podman here needs explicit limits (toolchain.md §9); dagc finds that out by itself, the bare run is told.
  const limits = eng === 'podman' ? ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] : [];
  const bare = timeCommand([eng, 'run', '--rm', ...limits, IMAGE, 'true'], { cwd: dir, runs: 5 }).median;
  let id = 0;
  const once = (file, config) =>
    timeCommand([node, bin, 'run', file, '--run-id', `c${id++}`, ...(config ? ['-c', config] : [])], { cwd: dir, runs: 1 }).median;
  const median = (f, n = 3) => {
    const s = Array.from({ length: n }, f).sort((a, b) => a - b);
    return s[Math.floor(n / 2)];
  };
  const localOne = median(() => once('one.yaml'));
  const localTen = median(() => once('ten.yaml'));
  const lcOne = median(() => once('one.yaml', 'lc.yaml'));
  const lcTen = median(() => once('ten.yaml', 'lc.yaml'));
  const perLocal = (localTen - localOne) / 9;
  const perContainer = (lcTen - lcOne) / 9;
  rmSync(dir, { recursive: true, force: true });
  return [
    `node -e 0 (baseline)                              ${fmt(baseline)}`,
    `${eng} run --rm IMAGE true (bare container)       ${fmt(bare)}  = ${ratio(bare, baseline)} baseline`,
    `dagc run local, per shell step                    ${fmt(perLocal)}  = ${ratio(perLocal, baseline)} baseline`,
    `dagc run local-container, per shell step          ${fmt(perContainer)}  = ${ratio(perContainer, baseline)} baseline, ${ratio(perContainer, bare)} a bare container`,
    `local-container start-up (probe, 1 step) - local  ${fmt(lcOne - localOne)}  = ${ratio(lcOne - localOne, baseline)} baseline`,
  ].join('\n');
}
