// Where dagc finds its Go programs (go/argo in a dagc checkout): scripts/build-go.mjs builds them into a cache
// folder named by a hash of the module's sources, and this file computes the same name (a test holds the two
// equal), so a stale binary is never used after the sources change.
//   argo-validate            Argo's own workflow/validate (as the controller and as `argo lint` run it)
//   argo-controller-harness  Argo's workflow controller on fake clientsets, running each pod here
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../core/package-root.js';

export type GoTool = 'argo-validate' | 'argo-controller-harness';

function moduleFiles(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...moduleFiles(dir, r));
    else if (e.name === 'go.mod' || e.name === 'go.sum' || e.name.endsWith('.go')) out.push(r);
  }
  return out.sort();
}

/** The module's folder in this dagc, or undefined in an installed package (go/ is not shipped). */
export function goModuleDir(root = packageRoot()): string | undefined {
  const dir = path.join(root, 'go', 'argo');
  return existsSync(path.join(dir, 'go.mod')) ? dir : undefined;
}

export function goSourceHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of moduleFiles(dir)) h.update(`${f}\0`).update(readFileSync(path.join(dir, f))).update('\0');
  return h.digest('hex').slice(0, 16);
}

export function goBinDir(dir: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  const base = env.DAGC_GO_BIN_DIR || path.join(env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'dagc', 'go-bin');
  return path.join(base, goSourceHash(dir));
}

export type GoToolLookup = { readonly found: true; readonly path: string } | { readonly found: false; readonly hint: string };

const BUILD_ARG: Record<GoTool, string> = { 'argo-validate': 'validator', 'argo-controller-harness': 'harness' };

/** The built program, or how to build it. */
export function findGoTool(tool: GoTool, env: Readonly<Record<string, string | undefined>> = process.env): GoToolLookup {
  const root = packageRoot();
  const dir = goModuleDir(root);
  if (!dir) return { found: false, hint: `${tool} is built from dagc's source (go/argo); this installation has none: use a dagc checkout` };
  const file = path.join(goBinDir(dir, env), tool);
  if (existsSync(file)) return { found: true, path: file };
  return {
    found: false,
    hint: `${tool} is not built for these sources: run \`node ${path.join(root, 'scripts', 'build-go.mjs')} ${BUILD_ARG[tool]}\` (needs Go 1.25 or newer; the first build takes a few minutes)`,
  };
}
