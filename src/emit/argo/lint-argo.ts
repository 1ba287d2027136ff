// `dagc compile --target argo --lint`: the rendered manifest through Argo's own validator (go/argo/cmd/
// argo-validate: argo-workflows' workflow/validate, as the controller runs it on a workflow's first operate and
// as `argo lint --offline` runs it). Not built → exit 2 with the command that builds it.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UserError } from '../../core/errors.js';
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
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
      const child = spawn(tool.path, ['--json', file], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
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
