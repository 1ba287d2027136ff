// `dagc emulate <pipeline> --target T`: compiles, then runs the rendered output locally with the engine's
// semantics, every step through the real entrypoint. bash: the script runs under real bash.
// Same exit codes as `dagc run`; the run shows in `dagc runs show ID`.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Command } from './types.js';
import { UsageError, requirePositional, stringList, stringOption } from './types.js';
import { COMPILE_OPTIONS, loadEmitter, render } from './compile.js';
import { INPUT_OPTIONS, loadInputs } from './load-inputs.js';
import { writeOutput } from './write-outputs.js';
import { packageRoot } from '../core/package-root.js';

export const command: Command = {
  name: 'emulate',
  summary: "Compile a pipeline, then run the rendered output here with the engine's semantics.",
  usage: 'dagc emulate <pipeline> --target bash|asl|argo [-c config] [-p params] [--run-id ID]',
  options: {
    target: COMPILE_OPTIONS.target,
    ...INPUT_OPTIONS,
    'run-id': { type: 'string', arg: 'ID', description: 'the run id (default: a new time-based id)' },
  },
  async run(args, io) {
    const file = requirePositional(args, 0, 'the pipeline file');
    const target = stringOption(args.options, 'target');
    const emitter = await loadEmitter(target);
    if (emitter.target === 'asl') {
      const { emulateAsl } = await import('../emulate/asl/emulate-asl.js');
      const files = { config: stringOption(args.options, 'config'), parameters: stringOption(args.options, 'parameters'), varFiles: stringList(args.options, 'var-file') };
      const runId = stringOption(args.options, 'run-id') ?? (await import('../runtime/run-id.js')).generateRunId();
      return emulateAsl({ file, inputs: await loadInputs(file, args.options, io), io, runId, files });
    }
    if (emitter.target === 'argo') {
      const { runArgoEmulation } = await import('../emulate/argo/run-emulation.js');
      return runArgoEmulation(emitter, file, await loadInputs(file, args.options, io), args, io);
    }
    if (emitter.target !== 'bash') throw new UsageError(`emulate supports --target bash in this version`);
    const inputs = await loadInputs(file, args.options, io);
    const dir = await mkdtemp(path.join(tmpdir(), 'dagc-emulate-'));
    try {
      const script = path.join(dir, emitter.defaultOutput('pipeline'));
      const rendered = await render(emitter, inputs, args, io, file, script);
      await writeOutput(script, rendered.text, 0o755);
      const { generateRunId } = await import('../runtime/run-id.js');
      const runId = stringOption(args.options, 'run-id') ?? generateRunId();
      const bin = path.join(packageRoot(), 'bin', 'dagc.js');
      const code = await new Promise<number>((resolve, reject) => {
        const child = spawn('bash', [script, runId], {
          cwd: io.cwd,
          env: { ...io.env, DAGC_BIN: `${process.execPath} ${bin}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        child.stdout.on('data', (d: Buffer) => io.out(d.toString()));
        child.stderr.on('data', (d: Buffer) => io.err(d.toString()));
        child.on('error', reject);
        child.on('close', (c) => resolve(c ?? 2));
      });
      io.err(`\nrun ${runId} ${code === 0 ? 'SUCCESS' : code === 1 ? 'FAIL' : 'stopped'} (bash)\nthe run log: dagc runs show ${runId}\n`);
      return code;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  },
};
