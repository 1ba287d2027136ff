// A local container image for the container executors' tests, built with no registry (issue #7; none is
// reachable here, shared/notes/toolchain.md §9): a root file system is assembled in a temp folder from this
// machine's own files (busybox, node and its shared libraries, this dagc, python3 when Debian's
// python3-minimal is installed) and imported with `tar -C ROOTFS -c . | <engine> import - TAG`. The tag is a
// hash of what went in, so the image is built once per content and later test runs find it in the engine's
// local store. Where no engine can run a container (or busybox or ldd is missing), the caller gets
// `{skip: reason}`, never an exception; once an engine works, a failure to build the image is an error, since
// a skip would hide a broken image.
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  constants,
  copyFileSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './paths.js';

export interface TestImage {
  engine: 'podman' | 'docker';
  /** The local tag, `localhost/dagc-test:<hash>`. */
  image: string;
  /** Flags every `<engine> run` needs here (podman+runc's rlimit workaround), to put right after `run`. */
  runArgs: string[];
  /** Whether the image has `python3` on its PATH (the host has Debian's /usr/bin/python3.11). */
  python: boolean;
}

export function hasPython(image: TestImage): boolean {
  return image.python;
}

/** Bumped whenever the layout below changes, so an old cached image is not taken for a new one. */
const LAYOUT = 'dagc-test-rootfs-1';
const PYTHON = '/usr/bin/python3.11';
const PYTHON_LIB = '/usr/lib/python3.11';
/** Parts of the standard library no step needs; config-* is the 25 MB static library for building C extensions. */
const PYTHON_SKIP = new Set(['test', 'idlelib', 'tkinter', 'ensurepip', 'site-packages', 'dist-packages']);
/** What a shell step may reasonably call; each becomes a symlink to busybox in /bin. */
// prettier-ignore
const APPLETS = [
  'sh', 'cat', 'echo', 'mkdir', 'test', '[', 'printf', 'env', 'ls', 'rm', 'cp', 'mv', 'sleep', 'true', 'false',
  'grep', 'sed', 'head', 'tail', 'wc', 'touch', 'date', 'id', 'pwd', 'basename', 'dirname', 'chmod', 'ln',
  'sort', 'uniq', 'tr', 'cut', 'tee', 'find', 'xargs', 'expr', 'stat', 'sha256sum', 'uname', 'which', 'awk',
];
/** podman + runc on this machine kind cannot raise the default rlimits (toolchain.md §9). */
const PODMAN_FALLBACK = ['--runtime', 'runc', '--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'];
const PATH_ENV = '/usr/local/bin:/usr/bin:/bin';

let pending: Promise<TestImage | { skip: string }> | undefined;

/**
 * The test image, built on first use in this process (and only when the engine lacks its tag). Resolves to
 * `{skip}` with the reason when no engine can run containers or a host part (busybox, ldd) is missing.
 * Set DAGC_TEST_REQUIRE_ENGINE=1 (CI, where podman is installed) to turn a skip into a thrown error.
 */
export function testImage(): Promise<TestImage | { skip: string }> {
  pending ??= findOrBuild().then((result) => {
    if ('skip' in result && process.env.DAGC_TEST_REQUIRE_ENGINE === '1')
      throw new Error(`the container test image is required (DAGC_TEST_REQUIRE_ENGINE=1): ${result.skip}`);
    return result;
  });
  return pending;
}

async function findOrBuild(): Promise<TestImage | { skip: string }> {
  const busybox = ['/usr/bin/busybox', '/bin/busybox'].find((f) => existsSync(f));
  if (!busybox)
    return { skip: "no busybox for the test image's shell (Debian: apt-get install busybox-static)" };
  const found = await findEngine();
  if ('skip' in found) return found;
  const { engine } = found;
  const runArgs = await probeRun(engine, busybox);
  if ('skip' in runArgs) return runArgs;

  const python = existsSync(PYTHON) && existsSync(PYTHON_LIB);
  const node = realpathSync(process.execPath);
  const modules = runtimeModules();
  const image = `localhost/dagc-test:${contentHash(busybox, python, modules)}`;
  if (!(await imageExists(engine, image))) {
    const built = await buildImage(engine, image, { busybox, node, python, modules });
    if (built) return built;
  }
  return { engine, image, runArgs: runArgs.args, python };
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(bin: string, args: readonly string[], timeoutMs = 60_000): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(bin, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const errno = (error as NodeJS.ErrnoException | null)?.code;
      const code = error ? (typeof errno === 'number' ? errno : errno === undefined ? 1 : null) : 0;
      const why =
        errno === 'ENOENT' ? 'not installed (not on the PATH)' : error && !stdout ? error.message : '';
      resolve({ code, stdout: String(stdout), stderr: String(stderr || why) });
    });
  });
}

const lastLine = (o: Outcome) =>
  (o.stderr || o.stdout)
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop() ?? `exit ${o.code}`;

/** docker when its daemon answers (the CLI is often installed without one), else podman (daemonless). */
async function findEngine(): Promise<{ engine: TestImage['engine'] } | { skip: string }> {
  const docker = await run('docker', ['version', '--format', '{{.Server.Version}}'], 20_000);
  if (docker.code === 0) return { engine: 'docker' };
  const podman = await run('podman', ['version', '--format', '{{.Client.Version}}'], 20_000);
  if (podman.code === 0) return { engine: 'podman' };
  return {
    skip: `no container engine works here (docker: ${lastLine(docker)}; podman: ${lastLine(podman)})`,
  };
}

function imageExists(engine: TestImage['engine'], image: string): Promise<boolean> {
  const args = engine === 'podman' ? ['image', 'exists', image] : ['image', 'inspect', image];
  return run(engine, args, 30_000).then((o) => o.code === 0);
}

/**
 * Which extra `run` flags this engine needs, found by starting a tiny busybox-only image: plain first; on
 * podman, after a failure (the rlimit error here, a crun cgroup error elsewhere), runc with explicit limits.
 */
async function probeRun(
  engine: TestImage['engine'],
  busybox: string,
): Promise<{ args: string[] } | { skip: string }> {
  const bytes = readFileSync(busybox);
  const tag = `localhost/dagc-test-probe:${createHash('sha256').update(LAYOUT).update(bytes).digest('hex').slice(0, 16)}`;
  if (!(await imageExists(engine, tag))) {
    const rootfs = mkdtempSync(path.join(tmpdir(), 'dagc-probe-rootfs-'));
    try {
      mkdirSync(path.join(rootfs, 'bin'));
      copyFileSync(busybox, path.join(rootfs, 'bin', 'busybox'));
      chmodSync(path.join(rootfs, 'bin', 'busybox'), 0o755);
      symlinkSync('busybox', path.join(rootfs, 'bin', 'sh'));
      const imported = await importRootfs(engine, rootfs, tag);
      if (imported.code !== 0) return { skip: `${engine} cannot import an image (${lastLine(imported)})` };
    } finally {
      rmSync(rootfs, { recursive: true, force: true });
    }
  }
  const attempt = (args: string[]) =>
    run(engine, ['run', '--rm', ...args, tag, '/bin/sh', '-c', 'echo ok'], 60_000);
  const plain = await attempt([]);
  if (plain.code === 0 && plain.stdout === 'ok\n') return { args: [] };
  if (engine === 'podman') {
    const fallback = await attempt(PODMAN_FALLBACK);
    if (fallback.code === 0 && fallback.stdout === 'ok\n') return { args: [...PODMAN_FALLBACK] };
    return {
      skip: `podman cannot start a container (${lastLine(plain)}; with runc and explicit limits: ${lastLine(fallback)})`,
    };
  }
  return { skip: `${engine} cannot start a container (${lastLine(plain)})` };
}

/** `tar -C ROOTFS -c . | <engine> import - TAG`; owners are written as root so the image is the same for any host user. */
function importRootfs(engine: TestImage['engine'], rootfs: string, tag: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const tar = spawn('tar', ['-C', rootfs, '--owner=0', '--group=0', '--numeric-owner', '-c', '.'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const imp = spawn(engine, ['import', '--change', `ENV PATH=${PATH_ENV}`, '-', tag], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let tarFailed = '';
    tar.stderr.on('data', (d) => (tarFailed += d));
    imp.stdout.on('data', (d) => (stdout += d));
    imp.stderr.on('data', (d) => (stderr += d));
    tar.stdout.pipe(imp.stdin);
    // A broken pipe (the engine died early) shows up in the engine's exit status, not as an exception here.
    imp.stdin.on('error', () => undefined);
    const failed = (what: string) => (error: Error) =>
      resolve({ code: null, stdout, stderr: `${what}: ${error.message}` });
    tar.on('error', failed('tar'));
    imp.on('error', failed(engine));
    let tarCode: number | null = null;
    tar.on('close', (code) => (tarCode = code));
    imp.on('close', (code) => {
      if (tarCode !== null && tarCode !== 0) resolve({ code: tarCode, stdout, stderr: `tar: ${tarFailed}` });
      else resolve({ code, stdout, stderr });
    });
  });
}

interface Module {
  /** The package folder relative to ROOT, e.g. node_modules/handlebars. */
  dir: string;
  name: string;
  version: string;
}

interface PackageJson {
  name?: string;
  version?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

/**
 * The packages the built dist/ still imports at run time: those scripts/build.mjs marks external, and
 * everything they depend on, resolved as Node does (the nearest node_modules up from the dependent).
 */
function runtimeModules(): Module[] {
  const build = readFileSync(path.join(ROOT, 'scripts', 'build.mjs'), 'utf8');
  // Every bundle's list (the CLI's and the per-step entry's, which keeps yaml, js-yaml, @aws-sdk/* … out); a
  // `@scope/*` stands for the scope's installed packages.
  const lists = [...build.matchAll(/\bexternal:\s*\[([^\]]*)\]/g)].map((m) => m[1]!);
  const named = new Set(lists.flatMap((list) => [...list.matchAll(/['"]([^'"]+)['"]/g)].map((m) => m[1]!)));
  const externals = [...named].flatMap((name) =>
    name.endsWith('/*') ? readdirSync(path.join(ROOT, 'node_modules', name.slice(0, -2))).map((p) => `${name.slice(0, -2)}/${p}`) : [name],
  );
  const found = new Map<string, Module>();
  const queue: { name: string; from: string; optional: boolean }[] = externals.map((name) => ({
    name,
    from: ROOT,
    optional: false,
  }));
  while (queue.length) {
    const { name, from, optional } = queue.shift()!;
    let dir: string | undefined;
    for (let d = from; ; d = path.dirname(d)) {
      const candidate = path.join(d, 'node_modules', name);
      if (existsSync(path.join(candidate, 'package.json'))) {
        dir = candidate;
        break;
      }
      if (d === ROOT || path.dirname(d) === d) break;
    }
    if (!dir) {
      if (optional) continue;
      throw new Error(
        `runtime package ${name} (needed from ${path.relative(ROOT, from) || '.'}) is not installed: run npm ci`,
      );
    }
    const rel = path.relative(ROOT, dir);
    if (found.has(rel)) continue;
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    found.set(rel, { dir: rel, name: pkg.name ?? name, version: pkg.version ?? '' });
    for (const dep of Object.keys(pkg.dependencies ?? {}))
      queue.push({ name: dep, from: dir, optional: false });
    for (const dep of Object.keys(pkg.optionalDependencies ?? {}))
      queue.push({ name: dep, from: dir, optional: true });
  }
  return [...found.values()].sort((a, b) => (a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
}

/** dagc's own files that go into /opt/dagc besides node_modules (package.json's "files", and itself). */
const DAGC_PARTS = ['bin', 'dist', 'python', 'schemas', 'templates', 'package.json'];

/** Byte caches Python writes next to the sources it imports: not content, and never copied into the image. */
const notCache = (file: string) => !file.split(path.sep).includes('__pycache__');

function contentHash(busybox: string, python: boolean, modules: readonly Module[]): string {
  const hash = createHash('sha256');
  const add = (label: string, value: string | Buffer) =>
    hash.update(`${label}\0${value.length}\0`).update(value);
  add('layout', LAYOUT);
  add('node', process.version);
  add('python', python ? 'yes' : 'no');
  add('uid', `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`);
  add('busybox', readFileSync(busybox));
  for (const m of modules) add('module', `${m.dir}@${m.version}`);
  const visit = (rel: string) => {
    const full = path.join(ROOT, rel);
    const stat = lstatSync(full);
    if (stat.isDirectory()) {
      for (const name of readdirSync(full).sort()) if (notCache(name)) visit(path.join(rel, name));
    } else if (stat.isSymbolicLink()) add(`link ${rel}`, readlinkSync(full));
    else add(`file ${rel}`, readFileSync(full));
  };
  for (const part of DAGC_PARTS) if (existsSync(path.join(ROOT, part))) visit(part);
  return hash.digest('hex').slice(0, 16);
}

interface Parts {
  busybox: string;
  node: string;
  python: boolean;
  modules: readonly Module[];
}

async function buildImage(
  engine: TestImage['engine'],
  image: string,
  parts: Parts,
): Promise<{ skip: string } | undefined> {
  const rootfs = mkdtempSync(path.join(tmpdir(), 'dagc-test-rootfs-'));
  try {
    const problem = await assemble(rootfs, parts);
    if (problem) return { skip: problem };
    const imported = await importRootfs(engine, rootfs, image);
    if (imported.code !== 0)
      throw new Error(`${engine} import of the test image failed: ${lastLine(imported)}`);
    await pruneOldImages(engine, image);
    return undefined;
  } finally {
    rmSync(rootfs, { recursive: true, force: true });
  }
}

/** Older builds kept besides the newest: every source change makes a new ~180 MB image. */
const KEEP_OLD = 3;

/**
 * Removes all but the newest few older `localhost/dagc-test:<hash>` images (the engine lists newest first).
 * Plain `rmi` leaves any image a container still uses; failures only mean the image stays.
 */
async function pruneOldImages(engine: TestImage['engine'], keep: string): Promise<void> {
  const listed = await run(
    engine,
    ['images', '--filter', 'reference=localhost/dagc-test', '--format', '{{.Repository}}:{{.Tag}}'],
    30_000,
  );
  if (listed.code !== 0) return;
  const old = listed.stdout
    .split('\n')
    .map((l) => l.trim())
    .filter((tag) => /^localhost\/dagc-test:[0-9a-f]{16}$/.test(tag) && tag !== keep)
    .slice(KEEP_OLD);
  if (old.length) await run(engine, ['rmi', ...old], 60_000);
}

/** Fills `rootfs`; returns why it cannot (a missing host tool) or undefined. */
async function assemble(rootfs: string, parts: Parts): Promise<string | undefined> {
  const into = (p: string) => path.join(rootfs, p);
  const dirs = ['bin', 'usr/bin', 'usr/local/bin', 'etc', 'root', 'opt', 'dev', 'proc', 'sys', 'tmp'];
  for (const d of dirs) mkdirSync(into(d), { recursive: true });
  chmodSync(into('tmp'), 0o1777);

  // Shell and tools: one static busybox, its applets as symlinks (what busybox --install would make).
  copyFileSync(parts.busybox, into('bin/busybox'));
  chmodSync(into('bin/busybox'), 0o755);
  const listed = await run(parts.busybox, ['--list'], 10_000);
  const available = new Set(listed.stdout.split('\n'));
  for (const applet of APPLETS) if (available.has(applet)) symlinkSync('busybox', into(`bin/${applet}`));
  // `#!/usr/bin/env …` is how most scripts start.
  symlinkSync('/bin/busybox', into('usr/bin/env'));

  // node, at /usr/bin/node whatever its host path, and the shared libraries the loader will ask for (ldd
  // takes a second or so for python's extension modules: it runs while the files are copied).
  const binaries = [parts.node];
  if (parts.python) {
    binaries.push(PYTHON);
    const dynload = path.join(PYTHON_LIB, 'lib-dynload');
    if (existsSync(dynload))
      binaries.push(
        ...readdirSync(dynload)
          .filter((f) => f.endsWith('.so'))
          .map((f) => path.join(dynload, f)),
      );
  }
  const listing = sharedLibraries(binaries);
  copyFileSync(parts.node, into('usr/bin/node'));
  chmodSync(into('usr/bin/node'), 0o755);

  if (parts.python) {
    placeHostFile(rootfs, PYTHON);
    symlinkSync('python3.11', into('usr/bin/python3'));
    copyTree(PYTHON_LIB, into(PYTHON_LIB.slice(1)), (src) => {
      const rel = path.relative(PYTHON_LIB, src);
      const top = rel.split(path.sep)[0]!;
      if (PYTHON_SKIP.has(top) || top.startsWith('config-')) return false;
      // Debian links sitecustomize.py to /etc: outside what is copied, so it would dangle.
      const stat = lstatSync(src);
      return !(stat.isSymbolicLink() && path.isAbsolute(readlinkSync(src)));
    });
  }

  const libs = await listing;
  if ('missing' in libs) return libs.missing;
  for (const lib of libs.files) placeHostFile(rootfs, lib);

  // dagc at /opt/dagc with only the runtime node_modules, and a launcher on PATH.
  const opt = into('opt/dagc');
  for (const part of DAGC_PARTS) {
    const src = path.join(ROOT, part);
    if (existsSync(src)) copyTree(src, path.join(opt, part), notCache);
  }
  for (const m of parts.modules) {
    const src = path.join(ROOT, m.dir);
    // Nested node_modules are copied as modules of their own, only when in the closure.
    copyTree(
      src,
      path.join(opt, m.dir),
      (file) => path.relative(src, file).split(path.sep)[0] !== 'node_modules',
    );
  }
  writeFileSync(into('usr/local/bin/dagc'), '#!/bin/sh\nexec node /opt/dagc/bin/dagc.js "$@"\n', {
    mode: 0o755,
  });
  chmodSync(into('usr/local/bin/dagc'), 0o755);

  // Users: root, and one for the host uid, which the executors may run steps as (`--user uid:gid`).
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  let passwd = 'root:x:0:0:root:/root:/bin/sh\n';
  let group = 'root:x:0:\n';
  if (uid !== 0) passwd += `dagc:x:${uid}:${gid}:dagc test user:/tmp:/bin/sh\n`;
  if (gid !== 0) group += `dagc:x:${gid}:\n`;
  writeFileSync(into('etc/passwd'), passwd);
  writeFileSync(into('etc/group'), group);
  return undefined;
}

function copyTree(src: string, dest: string, filter: (src: string) => boolean): void {
  // verbatimSymlinks: Node would otherwise rewrite relative links to absolute host paths.
  cpSync(src, dest, { recursive: true, verbatimSymlinks: true, filter, mode: constants.COPYFILE_FICLONE });
}

/** The files `ldd` names for these binaries (the loader included), or what it could not find. */
async function sharedLibraries(
  binaries: readonly string[],
): Promise<{ files: string[] } | { missing: string }> {
  const listed = await run('ldd', [...binaries], 60_000);
  if (listed.code === null || (listed.code !== 0 && !listed.stdout))
    return { missing: `ldd could not list the shared libraries of node (${lastLine(listed)})` };
  const files = new Set<string>();
  let current = binaries[0]!;
  for (const line of listed.stdout.split('\n')) {
    // With several arguments, ldd heads each list with "FILE:".
    const header = /^(\S.*):$/.exec(line);
    if (header) {
      current = header[1]!;
      continue;
    }
    const missing = /^\s*(\S+) => not found/.exec(line);
    // A python extension module whose library is absent just fails to import; node itself must load.
    if (missing && current === binaries[0])
      return { missing: `node needs ${missing[1]}, which ldd cannot find` };
    const file = /=>\s*(\/\S+)/.exec(line)?.[1] ?? /^\s*(\/\S+)\s+\(0x/.exec(line)?.[1];
    if (file) files.add(file);
  }
  return { files: [...files].sort() };
}

/**
 * Copies a host file to the same path in `rootfs`, recreating the symlinked folders on its way (Debian's
 * merged /usr: /lib -> usr/lib, /lib64 -> usr/lib64), so the dynamic loader finds it where ldd did. Writes
 * go only to real folders under `rootfs`: an absolute link target is made relative so it can never lead
 * a later write out of the temp folder.
 */
function placeHostFile(rootfs: string, hostFile: string): void {
  const parts = path.dirname(hostFile).split('/').filter(Boolean);
  let hostDir = '/';
  for (const part of parts) {
    const next = path.join(hostDir, part);
    const stat = lstatSync(next);
    if (stat.isSymbolicLink()) {
      const target = readlinkSync(next);
      const relative = path.isAbsolute(target) ? path.relative(path.dirname(next), target) || '.' : target;
      const link = path.join(rootfs, next);
      if (!existsOrLink(link)) {
        mkdirSync(path.dirname(link), { recursive: true });
        symlinkSync(relative, link);
      }
      hostDir = realpathSync(next);
    } else hostDir = next;
  }
  const destDir = path.join(rootfs, hostDir);
  mkdirSync(destDir, { recursive: true });
  const dest = path.join(destDir, path.basename(hostFile));
  if (!existsOrLink(dest)) {
    copyFileSync(hostFile, dest);
    chmodSync(dest, 0o755);
  }
}

function existsOrLink(file: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch {
    return false;
  }
}
