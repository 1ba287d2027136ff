// `dagc image dockerfile`: writes a Dockerfile for the step image the container executors need
// (local-container, argo, asl: every task step runs `dagc exec` inside it): Node 20, python3 when the
// project has Python steps, the project's requirements, dagc itself and the project's code. dagc is not on a
// public registry yet, so by default this dagc is packed into the build context (`npm pack`) and the
// Dockerfile installs that tarball; `--dagc-from npm` installs dagc@<version> from the registry instead.
// The Dockerfile is deterministic (same inputs, same bytes) and never overwritten without --force.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command, Io, ParsedArgs } from './types.js';
import { UsageError, UserError, stringList, stringOption } from './types.js';
import { INPUT_OPTIONS } from './load-inputs.js';
import type { Graph } from '../ir/types.js';
import { walk } from '../ir/walk.js';
import { hasErrors } from '../core/diagnostics.js';
import { loadPipeline } from '../front-end/load-pipeline.js';
import { didYouMean } from '../core/suggest.js';
import { renderTemplate } from '../emit/render-template.js';
import { packageRoot } from '../core/package-root.js';
import { writeFileAtomic } from '../core/write-file-atomic.js';
import { VERSION } from '../version.js';

const SUBCOMMANDS = ['dockerfile'] as const;
const DAGC_SOURCES = ['pack', 'npm'] as const;
export const DEFAULT_BASE = 'node:20-bookworm-slim';
const DEFAULT_WORKDIR = '/app';
/** Where the packed dagc goes, inside the build context. */
const PACK_DIR = '.dagc';
/** Task kinds that run in python3 (magnus-spec.md §4.2); notebooks also need papermill. */
const PYTHON_TYPES: ReadonlySet<string> = new Set(['python', 'python-lambda', 'notebook']);

/** Image references as registries spell them: anything else (a space, a newline) could add instructions. */
const IMAGE_REF = /^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/;

const DOCKERIGNORE = `# Written by \`dagc image dockerfile\`: what stays out of the step image's build context.
# Run state lives in the stores the config names, not in the image.
.run_log_store
.catalog
# Secrets reach steps at run time (local-container mounts a dotenv file read-only); never bake them in.
.env
.git
node_modules
.venv
**/__pycache__
**/*.pyc
`;

export interface DockerfileOptions {
  base: string;
  workdir: string;
  /** Why python3 is installed ('' when it is not): shown in the Dockerfile's comment. */
  pythonWhy: string;
  notebook: boolean;
  /** A requirements file relative to the build context, in POSIX form. */
  requirements?: string;
  pyprojectOnly: boolean;
  /** `npm` installs dagc@version; otherwise the tarball's path relative to the build context. */
  dagc: { from: 'npm' } | { from: 'pack'; tarball: string };
  /** The Dockerfile's path as given, for the build command in its header. */
  dockerfile: string;
}

/** A COPY in JSON form: paths with spaces or quotes stay one argument each. */
const copyJson = (from: string, to: string) => JSON.stringify([from, to]).replace(/","/, '", "');

/** Text for a `#` comment: one line whatever it holds, so a newline in a file name cannot start an instruction. */
const oneLine = (text: string) => JSON.stringify(text).slice(1, -1).replace(/\\"/g, '"');

/** The Dockerfile's text: a pure function of its options (the golden tests pin it). */
export function renderDockerfile(o: DockerfileOptions): string {
  return renderTemplate('docker/Dockerfile', {
    version: VERSION,
    base: o.base,
    workdir: o.workdir,
    dockerfile: oneLine(o.dockerfile),
    python: o.pythonWhy !== '',
    pythonWhy: oneLine(o.pythonWhy),
    notebook: o.notebook,
    requirements: o.requirements !== undefined,
    requirementsCopy: o.requirements === undefined ? '' : copyJson(o.requirements, '/tmp/requirements.txt'),
    pyprojectOnly: o.pyprojectOnly,
    fromNpm: o.dagc.from === 'npm',
    npmSpec: `dagc@${VERSION}`,
    tarballCopy: o.dagc.from === 'pack' ? copyJson(o.dagc.tarball, '/tmp/dagc.tgz') : '',
  });
}

/** The task kinds a pipeline uses, every graph included (branches, map and dag bodies). */
export function commandTypes(graph: Graph, into = new Set<string>()): Set<string> {
  for (const { node } of walk(graph)) if (node.type === 'task') into.add(node.commandType);
  return into;
}

/** A path inside the build context, as the Dockerfile names it (relative, forward slashes). */
function inContext(cwd: string, file: string, what: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel))
    throw new UserError(
      `${what} "${file}" is outside the build context (${cwd})`,
      'the Dockerfile can only COPY files below the folder it is built from: copy the file there, or run dagc image dockerfile from a folder that holds it',
    );
  return rel.split(path.sep).join('/');
}

/** `npm pack` this dagc into the build context; resolves to the tarball's path there. */
function packDagc(cwd: string, env: Io['env']): Promise<string> {
  const dest = path.join(cwd, PACK_DIR);
  mkdirSync(dest, { recursive: true });
  // --ignore-scripts: the package's `prepare` builds from sources that an installed dagc does not ship.
  const args = ['pack', packageRoot(), '--pack-destination', dest, '--ignore-scripts', '--json'];
  return new Promise((resolve, reject) => {
    execFile(
      'npm',
      args,
      { cwd, env: env as NodeJS.ProcessEnv, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const hint =
          'check that npm works (`npm --version`), or use --dagc-from npm to install dagc from the registry';
        if (error) {
          const why =
            (error as NodeJS.ErrnoException).code === 'ENOENT'
              ? 'npm is not on the PATH'
              : lastLine(String(stderr)) || error.message;
          reject(new UserError(`could not pack dagc into ${PACK_DIR}/ (${why})`, hint));
          return;
        }
        try {
          const [first] = JSON.parse(String(stdout)) as { filename?: string }[];
          if (!first?.filename) throw new Error('no file name');
          // npm names the file after the package (scope folded in: @a/b@1 → a-b-1.tgz).
          resolve(`${PACK_DIR}/${path.basename(first.filename)}`);
        } catch {
          reject(new UserError(`could not read what npm pack wrote into ${PACK_DIR}/`, hint));
        }
      },
    );
  });
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('npm warn'))
      .pop() ?? ''
  );
}

async function writeDockerfile(args: ParsedArgs, io: Io): Promise<number> {
  const output = stringOption(args.options, 'output') ?? 'Dockerfile';
  const target = path.resolve(io.cwd, output);
  const force = args.options.force === true;
  if (existsSync(target) && !force)
    throw new UserError(
      `${output} already exists`,
      'pass --force to overwrite it, or -o FILE to write the Dockerfile elsewhere',
    );

  const base = stringOption(args.options, 'base') ?? DEFAULT_BASE;
  if (!IMAGE_REF.test(base))
    throw new UsageError(
      `--base "${base}" is not an image reference (e.g. ${DEFAULT_BASE} or registry.example.com/node:20)`,
    );
  const workdir = stringOption(args.options, 'workdir') ?? DEFAULT_WORKDIR;
  if (!workdir.startsWith('/') || /[\n\r]/.test(workdir))
    throw new UsageError(`--workdir "${workdir}" must be an absolute path`);
  const from = stringOption(args.options, 'dagc-from') ?? 'pack';
  if (!(DAGC_SOURCES as readonly string[]).includes(from)) {
    const guess = didYouMean(from, DAGC_SOURCES);
    throw new UsageError(
      `unknown --dagc-from "${from}"${guess ? `; did you mean "${guess}"?` : ''} (pack or npm)`,
    );
  }

  // Why python3 goes in, first reason found: the flag, the project's files, then the pipeline's tasks.
  const reasons: string[] = [];
  if (args.options.python === true) reasons.push('--python');
  const requirementsOption = stringOption(args.options, 'requirements');
  let requirements: string | undefined;
  if (requirementsOption !== undefined) {
    if (!existsSync(path.resolve(io.cwd, requirementsOption)))
      throw new UserError(
        `the requirements file "${requirementsOption}" does not exist`,
        'give a pip requirements file, e.g. --requirements requirements.txt',
      );
    requirements = inContext(io.cwd, requirementsOption, 'the requirements file');
    reasons.push(requirements);
  } else if (existsSync(path.join(io.cwd, 'requirements.txt'))) {
    requirements = 'requirements.txt';
    reasons.push(requirements);
  }
  const hasPyproject = existsSync(path.join(io.cwd, 'pyproject.toml'));
  if (hasPyproject) reasons.push('pyproject.toml');

  let notebook = false;
  const pipelineFile = stringOption(args.options, 'file');
  if (pipelineFile !== undefined) {
    const loaded = await loadPipeline(pipelineFile, {
      cwd: io.cwd,
      env: io.env,
      varFiles: stringList(args.options, 'var-file'),
    });
    if (loaded.diagnostics.length) await io.diagnostics(loaded.diagnostics);
    if (hasErrors(loaded.diagnostics) || !loaded.value) return 2;
    const types = [...commandTypes(loaded.value.root)].filter((t) => PYTHON_TYPES.has(t)).sort();
    if (types.length) reasons.push(`${types.join(', ')} tasks in ${pipelineFile}`);
    notebook = types.includes('notebook');
  }

  const dagc: DockerfileOptions['dagc'] =
    from === 'npm' ? { from: 'npm' } : { from: 'pack', tarball: await packDagc(io.cwd, io.env) };
  const text = renderDockerfile({
    base,
    workdir,
    pythonWhy: reasons.join('; '),
    notebook,
    requirements,
    pyprojectOnly: hasPyproject && requirements === undefined,
    dagc,
    dockerfile: path.relative(io.cwd, target).split(path.sep).join('/'),
  });

  const written: string[] = [];
  const write = async (file: string, content: string, shown: string) => {
    try {
      await writeFileAtomic(file, content);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new UserError(
        `cannot write ${shown} (${code})`,
        'check that the folder is writable, or give -o FILE',
      );
    }
    written.push(shown);
  };
  const ignore = path.join(io.cwd, '.dockerignore');
  if (!existsSync(ignore)) await write(ignore, DOCKERIGNORE, '.dockerignore');
  else if (dagc.from === 'pack' && /^\s*\.dagc\/?\s*$/m.test(readFileSync(ignore, 'utf8')))
    io.err(`warning: .dockerignore leaves out ${PACK_DIR}/, so the Dockerfile cannot COPY ${dagc.tarball}\n`);
  await write(target, text, output);

  io.out(
    [
      ...written.map((f) => `wrote ${f}`),
      ...(dagc.from === 'pack' ? [`packed dagc ${VERSION} into ${dagc.tarball}`] : []),
      `python3: ${reasons.length ? `yes (${reasons.join('; ')})` : 'no (pass --python, or -f PIPELINE to detect Python tasks)'}`,
      `build it: docker build -t IMAGE -f ${path.relative(io.cwd, target) || output} .   (or podman build)`,
      '',
    ].join('\n'),
  );
  return 0;
}

export const command: Command = {
  name: 'image',
  summary: 'Write a Dockerfile for the step image the container executors run (`dagc exec` in every step).',
  usage:
    'dagc image dockerfile [-o FILE] [--base IMAGE] [--python] [--requirements FILE] [-f PIPELINE [-v VARS]...] [--dagc-from pack|npm] [--workdir DIR] [--force]',
  options: {
    output: {
      type: 'string',
      short: 'o',
      arg: 'FILE',
      description: 'where to write the Dockerfile (default ./Dockerfile)',
    },
    base: { type: 'string', arg: 'IMAGE', description: `the Node 20 base image (default ${DEFAULT_BASE})` },
    python: {
      type: 'boolean',
      description: 'install python3 (also when requirements.txt, pyproject.toml or Python tasks are found)',
    },
    requirements: {
      type: 'string',
      arg: 'FILE',
      description: 'pip requirements to install (default ./requirements.txt when present)',
    },
    file: {
      type: 'string',
      short: 'f',
      arg: 'PIPELINE',
      description: 'detect Python and notebook tasks in this pipeline',
    },
    'var-file': INPUT_OPTIONS['var-file']!,
    'dagc-from': {
      type: 'string',
      arg: 'SOURCE',
      description: 'pack (default: this dagc, packed into .dagc/) or npm (dagc@version from the registry)',
    },
    workdir: {
      type: 'string',
      arg: 'DIR',
      description: `where the project's code goes in the image (default ${DEFAULT_WORKDIR})`,
    },
    force: { type: 'boolean', description: 'overwrite an existing Dockerfile' },
  },
  async run(args, io) {
    const sub = args.positionals[0];
    if (sub === undefined) throw new UsageError('missing the subcommand (dockerfile)');
    if (sub !== 'dockerfile') {
      const guess = didYouMean(sub, SUBCOMMANDS);
      throw new UsageError(
        `unknown subcommand "${sub}"${guess ? `; did you mean "${guess}"?` : ''} (dockerfile)`,
      );
    }
    if (args.positionals.length > 1)
      throw new UsageError(`unexpected argument "${args.positionals[1]}" (the pipeline goes with -f)`);
    return writeDockerfile(args, io);
  },
};
