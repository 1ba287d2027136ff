#!/usr/bin/env node
// Builds dagc's Go programs (go/argo) into a cache folder the machine keeps, one folder per content hash of the
// module (go.mod, go.sum, every .go file), so a rebuild happens only when the sources change:
//   ${DAGC_GO_BIN_DIR:-${XDG_CACHE_HOME:-~/.cache}/dagc/go-bin}/<hash>/
//     argo-validate            Argo's workflow/validate run as the controller and as `argo lint` do
//     argo-controller-harness  Argo's workflow-controller package test binary with our harness compiled in
//                              (`go test -c -overlay`: the harness is package-private code, the module cache is
//                              never edited; go/argo/harness/README.md)
// Usage: node scripts/build-go.mjs [validator|harness|all] [--print-dir] [--quiet]
// The folder's name is computed the same way by src/emit/argo/go-tools.ts (a test holds them equal).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const moduleDir = path.join(root, 'go', 'argo');
const ARGO_MODULE = 'github.com/argoproj/argo-workflows/v4';
const CONTROLLER_PACKAGE = `${ARGO_MODULE}/workflow/controller`;
const HARNESS_FILE = 'zz_dagc_harness_test.go';

/** Every file that decides what the Go programs are, sorted: go.mod, go.sum and the .go files. */
function moduleFiles(dir, rel = '') {
  const out = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...moduleFiles(dir, r));
    else if (e.name === 'go.mod' || e.name === 'go.sum' || e.name.endsWith('.go')) out.push(r);
  }
  return out.sort();
}

export function sourceHash(dir = moduleDir) {
  const h = createHash('sha256');
  for (const f of moduleFiles(dir)) h.update(`${f}\0`).update(readFileSync(path.join(dir, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

export function binDir(dir = moduleDir) {
  const base = process.env.DAGC_GO_BIN_DIR || path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'dagc', 'go-bin');
  return path.join(base, sourceHash(dir));
}

function go(args, opts = {}) {
  // -mod=readonly: the committed go.sum is the record of what is built; GOFLAGS from the caller are kept.
  const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim(), GOWORK: 'off' };
  const r = spawnSync('go', args, { cwd: moduleDir, env, stdio: opts.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit', encoding: 'utf8' });
  if (r.error) throw new Error(`go ${args[0]}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`go ${args.join(' ')} exited ${r.status}`);
  return r.stdout ?? '';
}

/** Builds into a temp name beside the target and renames, so a reader never finds half a binary. */
function buildInto(target, buildArgs) {
  const tmp = `${target}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  // -o before the package: go reads flags only up to the first package argument.
  go([...buildArgs.slice(0, -1), '-o', tmp, buildArgs.at(-1)]);
  renameSync(tmp, target);
}

/**
 * `kube-apiserver` (not part of `all`: a cold build takes 30-40 minutes on 2 cores): the Kubernetes API server and
 * etcd that dagc deploy's tests run against (test/helpers/kube-cluster.ts), built from go/kube-apiserver
 * (k8s.io/kubernetes v1.37.2, its staging modules replaced by their published v0.37.2; etcd at the version
 * Kubernetes requires) into binDir(go/kube-apiserver), at the lowest CPU priority.
 */
function buildKubeApiserver(argv, quiet) {
  const kubeDir = path.join(root, 'go', 'kube-apiserver');
  const dir = binDir(kubeDir);
  if (argv.includes('--print-dir')) {
    console.log(dir);
    return;
  }
  if (spawnSync('go', ['version']).error) {
    console.error('build-go: Go is not installed (https://go.dev/doc/install; 1.26 or newer)');
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=readonly`.trim(), GOWORK: 'off' };
  for (const [name, pkg] of [['kube-apiserver', 'k8s.io/kubernetes/cmd/kube-apiserver'], ['etcd', 'go.etcd.io/etcd/server/v3']]) {
    const target = path.join(dir, name);
    if (existsSync(target)) {
      if (!quiet) console.error(`build-go: ${name} is built (${target})`);
      continue;
    }
    const t0 = Date.now();
    const tmp = `${target}.tmp-${process.pid}`;
    rmSync(tmp, { force: true });
    const r = spawnSync('nice', ['-n', '19', 'go', 'build', '-trimpath', '-o', tmp, pkg], { cwd: kubeDir, env, stdio: 'inherit' });
    if (r.error || r.status !== 0) throw new Error(`go build ${pkg} failed (${r.error?.message ?? `exit ${r.status}`})`);
    renameSync(tmp, target);
    if (!quiet) console.error(`build-go: built ${name} in ${((Date.now() - t0) / 1000).toFixed(0)} s (${target})`);
  }
}

function main() {
  const argv = process.argv.slice(2);
  const what = argv.find((a) => !a.startsWith('--')) ?? 'all';
  const quiet = argv.includes('--quiet');
  if (!['validator', 'harness', 'all', 'kube-apiserver'].includes(what)) {
    console.error('usage: node scripts/build-go.mjs [validator|harness|all|kube-apiserver] [--print-dir] [--quiet]');
    process.exit(2);
  }
  if (what === 'kube-apiserver') return buildKubeApiserver(argv, quiet);
  const dir = binDir();
  if (argv.includes('--print-dir')) {
    console.log(dir);
    return;
  }
  if (spawnSync('go', ['version']).error) {
    console.error('build-go: Go is not installed (https://go.dev/doc/install, or apt-get install golang-go if it is 1.25 or newer)');
    process.exit(2);
  }
  mkdirSync(dir, { recursive: true });
  const log = (m) => quiet || console.error(`build-go: ${m}`);
  if (what !== 'harness') {
    const target = path.join(dir, 'argo-validate');
    if (existsSync(target)) log(`argo-validate is built (${target})`);
    else {
      const t0 = Date.now();
      buildInto(target, ['build', './cmd/argo-validate']);
      log(`built argo-validate in ${((Date.now() - t0) / 1000).toFixed(1)} s (${target})`);
    }
  }
  if (what !== 'validator') {
    const target = path.join(dir, 'argo-controller-harness');
    if (existsSync(target)) log(`argo-controller-harness is built (${target})`);
    else {
      const t0 = Date.now();
      // The harness joins Argo's controller package as one more _test.go file (it needs the package's own
      // test helpers: newController, makePodsPhase, …), by `go test -overlay`. Go refuses overlays of files
      // under GOMODCACHE, so the build reads Argo's module from a read-only copy of the module cache's folder
      // kept beside the binaries (a `replace` in a build-only go.mod; go.sum pins everything else). The module
      // cache is not edited, and nothing of Argo's source enters the repository.
      const [argoDir, argoVersion] = go(['list', '-m', '-f', '{{.Dir}} {{.Version}}', ARGO_MODULE], { capture: true }).trim().split(' ');
      if (!argoDir) throw new Error(`go list found no directory for ${ARGO_MODULE}: run go mod download in go/argo`);
      const srcCopy = path.join(path.dirname(dir), 'src', `argo-workflows-v4@${argoVersion}`);
      if (!existsSync(srcCopy)) {
        const tmp = `${srcCopy}.tmp-${process.pid}`;
        rmSync(tmp, { recursive: true, force: true });
        cpSync(argoDir, tmp, { recursive: true });
        renameSync(tmp, srcCopy);
      }
      const modfile = path.join(dir, 'harness.mod');
      writeFileSync(modfile, `${readFileSync(path.join(moduleDir, 'go.mod'), 'utf8')}\nreplace ${ARGO_MODULE} => ${srcCopy}\n`);
      copyFileSync(path.join(moduleDir, 'go.sum'), path.join(dir, 'harness.sum'));
      const overlay = path.join(dir, 'overlay.json');
      writeFileSync(
        overlay,
        JSON.stringify({ Replace: { [path.join(srcCopy, 'workflow', 'controller', HARNESS_FILE)]: path.join(moduleDir, 'harness', HARNESS_FILE) } }),
      );
      // The build tag keeps the file out of our own module's builds (it is package controller).
      buildInto(target, ['test', '-c', `-modfile=${modfile}`, '-tags=dagc_harness', `-overlay=${overlay}`, CONTROLLER_PACKAGE]);
      log(`built argo-controller-harness in ${((Date.now() - t0) / 1000).toFixed(1)} s (${target})`);
    }
  }
  // Folders of older sources are left: another checkout of dagc on this machine may still use them.
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    main();
  } catch (error) {
    console.error(`build-go: ${error.message}`);
    process.exit(1);
  }
}
