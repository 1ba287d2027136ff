// `dagc compile --target argo --lint`: the rendered manifest through Argo's own validator (go/argo/cmd/
// argo-validate: argo-workflows' workflow/validate, as the controller runs it on a workflow's first operate and
// as `argo lint --offline` runs it). Not built → exit 2 with the command that builds it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
import { spawnPiped } from '../../core/spawn-piped.js';
import { findGoTool } from './go-tools.js';

interface Verdict {
  readonly mode: 'controller' | 'lint';
  readonly kind?: string;
  readonly ok: boolean;
  readonly error?: string;
}

export interface ArgoLintResult {
  readonly ok: boolean;
  /** One line per verdict, for the user. */
  readonly report: string;
}

export async function lintArgoManifest(text: string, env: Readonly<Record<string, string | undefined>>): Promise<ArgoLintResult> {
  const tool = findGoTool('argo-validate', env);
  if (!tool.found) throw new UserError("--lint needs Argo's validator, which is not built", tool.hint);
  const dir = await mkdtemp(path.join(tmpdir(), 'dagc-argo-lint-'));
  try {
    const file = path.join(dir, 'manifest.yaml');
    await writeFile(file, text);
    let stdout = '';
    let stderr = '';
    const ran = await spawnPiped(tool.path, ['--json', file], { env: process.env, out: (t) => (stdout += t), err: (t) => (stderr += t) });
    if (ran.error !== undefined) throw new Error(`could not start ${tool.path}: ${ran.error}`);
    const code = ran.code;
    if (code !== 0 && code !== 1) throw new UserError(`Argo's validator failed (exit ${String(code)}): ${stderr.trim()}`);
    const verdicts = stdout
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Verdict);
    const kind = verdicts.find((v) => v.kind)?.kind ?? 'manifest';
    const bad = verdicts.filter((v) => !v.ok);
    if (!bad.length) return { ok: true, report: `Argo's validator accepts the ${kind} (as the controller and as argo lint)\n` };
    return { ok: false, report: bad.map((v) => `Argo's validator (${v.mode === 'lint' ? 'argo lint' : 'controller'}) rejects the ${kind}: ${v.error ?? ''}\n`).join('') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
