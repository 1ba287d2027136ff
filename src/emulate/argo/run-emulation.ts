// The command-line side of `dagc emulate --target argo`: compile exactly as `dagc compile` would (paths
// relative to the working directory, where the pods run), then run that YAML. Without -c the defaults apply
// (stores in the working directory, a placeholder image), so the run shows in `dagc runs show ID`.
import path from 'node:path';
import type { Io, ParsedArgs } from '../../cli/types.js';
import { stringOption } from '../../cli/types.js';
import type { Inputs } from '../../config/inputs.js';
import type { Emitter } from '../../emit/types.js';
import { packageRoot } from '../../core/package-root.js';

export async function runArgoEmulation(emitter: Emitter, file: string, inputs: Inputs, args: ParsedArgs, io: Io): Promise<number> {
  const { render } = await import('../../cli/compile.js');
  const base = path.basename(file).replace(/\.(ya?ml)$/i, '');
  // Not written: the name only anchors the manifest's relative paths in the working directory.
  const rendered = await render(emitter, inputs, args, io, file, path.join(io.cwd, emitter.defaultOutput(base)));
  const { generateRunId } = await import('../../runtime/run-id.js');
  const runId = stringOption(args.options, 'run-id') ?? generateRunId();
  const { emulateArgo } = await import('./index.js');
  const { result, exitCode } = await emulateArgo({
    manifest: rendered.text,
    runId,
    useCached: io.env.DAGC_USE_CACHED || undefined,
    cwd: io.cwd,
    env: io.env,
    dagc: [process.execPath, path.join(packageRoot(), 'bin', 'dagc.js')],
    out: io.out,
    err: io.err,
  });
  const status = exitCode === 0 ? 'SUCCESS' : exitCode === 1 ? 'FAIL' : 'stopped';
  const problem = result.phase === 'Succeeded' ? '' : result.message ? ` (${result.message})` : '';
  io.err(`\nrun ${runId} ${status}: Argo workflow ${result.phase}${problem}\nthe run log: dagc runs show ${runId}\n`);
  return exitCode;
}
