// The container engine the local-container executor drives through its CLI: `docker` where a Docker engine
// answers, else `podman` (daemonless). Both take the same `run` flags for what dagc needs (--rm, -v, -e NAME,
// -w, --network host, --user), so one argument builder serves both.
//
// Found on this kind of machine (shared/notes/toolchain.md §9): Debian's podman 4.3 with runc fails to start
// any container with "error setting rlimits … operation not permitted" unless the limits are given
// explicitly. dagc probes each image once before the run (which also proves the image has dagc) and, when
// exactly that error shows and the user set no --ulimit of their own, retries with modest explicit limits
// and uses them for every step.
import { execFile } from 'node:child_process';
import { UserError } from '../../core/errors.js';

export type EngineName = 'docker' | 'podman';

export interface Engine {
  readonly name: EngineName;
  /** The executable to run (the name itself, found on PATH, unless the config gives a path). */
  readonly bin: string;
  /** Flags dagc adds to every `run` (found by the probe), before the user's run_options. */
  readonly runFlags: readonly string[];
  /** What `version` answered (docker: the server's version; podman: its own). */
  readonly version?: string;
}

export interface CommandResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** Set when the executable could not be started at all (ENOENT: not installed). */
  readonly missing: boolean;
}

/** Runs one engine command to completion; never throws. */
export function runEngineCommand(
  bin: string,
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  timeoutMs = 120_000,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    execFile(bin, args, { env: env as NodeJS.ProcessEnv, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      const missing = (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ code, stdout: String(stdout), stderr: String(stderr), missing });
    });
  });
}

/** The last non-empty lines of an engine's error output, for a message. */
export function lastLines(text: string, count = 3): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-count)
    .join(' / ');
}

const ENGINES: readonly EngineName[] = ['docker', 'podman'];

/**
 * Whether this engine can run containers here. docker: the daemon must answer (`docker version` asks the
 * server; the CLI alone is often installed without one). podman: daemonless, so `podman version` suffices;
 * whether it can really start a container is the image probe's job.
 */
async function answers(
  name: EngineName,
  bin: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ problem: string } | { version: string }> {
  const format = name === 'docker' ? '{{.Server.Version}}' : '{{.Client.Version}}';
  const result = await runEngineCommand(bin, ['version', '--format', format], env, 20_000);
  if (result.missing) return { problem: `${bin}: not installed (not found on PATH)` };
  if (result.code !== 0) return { problem: `${bin}: ${lastLines(result.stderr || result.stdout, 1) || `exit ${result.code}`}` };
  return { version: result.stdout.trim() };
}

/**
 * The engine to use: the config's `engine` (docker or podman) if it works, else (auto) the first that works
 * of docker and podman. Neither: a UserError naming what was tried and why each failed.
 */
export async function detectEngine(
  wanted: string | undefined,
  enginePath: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<Engine> {
  const candidates = wanted === undefined || wanted === 'auto' ? ENGINES : ENGINES.filter((e) => e === wanted);
  const problems: string[] = [];
  for (const name of candidates) {
    const bin = enginePath ?? name;
    const answer = await answers(name, bin, env);
    if ('version' in answer) return { name, bin, runFlags: [], version: answer.version };
    problems.push(answer.problem);
  }
  throw new UserError(
    `no container engine works here for the local-container executor (${problems.join('; ')})`,
    wanted === undefined || wanted === 'auto'
      ? 'start a Docker engine, or install podman (Debian: apt-get install podman runc); set executor.config.engine to choose one, or use executor: {type: local} to run the steps here'
      : `check that ${wanted} works (\`${enginePath ?? wanted} version\`), or set executor.config.engine: auto to let dagc pick`,
  );
}

/** The rlimit failure of podman+runc on hosts whose hard limits are lower than the container defaults. */
const RLIMIT_FAILURE = /error setting rlimit/i;

/** Explicit limits that every runc accepts here (toolchain.md §9), used only after the failure above. */
export const FALLBACK_ULIMITS = ['--ulimit', 'nofile=1024:1024', '--ulimit', 'nproc=1024:1024'] as const;

export interface ImageInfo {
  readonly image: string;
  /** The engine's id of the local image (recorded as the step's docker code identity). */
  readonly id: string;
  /** What `dagc --version` printed inside it. */
  readonly dagcVersion: string;
}

export interface ProbeResult {
  readonly info: ImageInfo;
  /** Flags the engine needed to start it (the rlimit fallback), to add to every run. */
  readonly runFlags: readonly string[];
}

/**
 * Proves that an image is present and can run dagc, before any step runs: `image inspect` for its id (no
 * registry is asked: a missing image is the user's to build or pull), then `run --rm IMAGE dagc --version`.
 */
export async function probeImage(
  engine: Engine,
  image: string,
  userRunOptions: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ProbeResult> {
  return runProbe(engine, image, await inspectImage(engine, image, env), userRunOptions, env);
}

/** The local image's id; a UserError with the way out when the engine does not have it. */
export async function inspectImage(engine: Engine, image: string, env: Readonly<Record<string, string | undefined>>): Promise<string> {
  const inspected = await runEngineCommand(engine.bin, ['image', 'inspect', '--format', '{{.Id}}', image], env, 30_000);
  if (inspected.code !== 0)
    throw new UserError(
      `the image "${image}" is not in ${engine.name}'s local images (${lastLines(inspected.stderr, 1) || `exit ${inspected.code}`})`,
      `build it (\`dagc image dockerfile\` writes a Dockerfile; then \`${engine.name} build -t ${image} .\`) or pull it, or set executor.config.docker_image to an image you have (\`${engine.name} images\`)`,
    );
  return inspected.stdout.trim().split('\n')[0]!.replace(/^sha256:/, '');
}

/** Starts the image once (`dagc --version`): proves it runs here and has dagc, and finds the flags it needs. */
export async function runProbe(
  engine: Engine,
  image: string,
  id: string,
  userRunOptions: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<ProbeResult> {
  const tryRun = (flags: readonly string[]) =>
    runEngineCommand(engine.bin, ['run', '--rm', ...flags, ...userRunOptions, image, 'dagc', '--version'], env);
  let flags: readonly string[] = [];
  let ran = await tryRun(flags);
  const userSetLimits = userRunOptions.some((o) => o === '--ulimit' || o.startsWith('--ulimit='));
  if (ran.code !== 0 && engine.name === 'podman' && !userSetLimits && RLIMIT_FAILURE.test(ran.stderr)) {
    flags = FALLBACK_ULIMITS;
    ran = await tryRun(flags);
  }
  // crun (podman's default runtime where installed) fails on hybrid cgroup hosts where runc works
  // (toolchain.md §9): when crun is what failed, runc is there and the user chose no runtime, use runc.
  const userSetRuntime = userRunOptions.some((o) => o === '--runtime' || o.startsWith('--runtime='));
  if (ran.code !== 0 && engine.name === 'podman' && !userSetRuntime && /\bcrun\b/.test(ran.stderr) && !(await runEngineCommand('runc', ['--version'], env, 10_000)).missing) {
    flags = ['--runtime', 'runc', ...flags];
    ran = await tryRun(flags);
    if (ran.code !== 0 && !userSetLimits && RLIMIT_FAILURE.test(ran.stderr) && !flags.includes('--ulimit')) {
      flags = [...flags, ...FALLBACK_ULIMITS];
      ran = await tryRun(flags);
    }
  }
  if (ran.code !== 0) {
    const why = lastLines(ran.stderr || ran.stdout) || `exit ${ran.code}`;
    const noDagc = ran.code === 127 || /executable file not found|no such file or directory|not found/i.test(ran.stderr);
    throw new UserError(
      noDagc
        ? `the image "${image}" has no dagc on its PATH, so it cannot run steps (${why})`
        : `${engine.name} cannot start the image "${image}" (${why})`,
      noDagc
        ? 'every step runs `dagc exec` inside the image: build one with dagc in it (`dagc image dockerfile` writes a Dockerfile)'
        : `check \`${engine.bin} run --rm ${image} dagc --version\`; extra engine flags go in executor.config.run_options`,
    );
  }
  return { info: { image, id, dagcVersion: ran.stdout.trim() }, runFlags: flags };
}
