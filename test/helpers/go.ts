// dagc's Go programs in tests (go/argo: Argo's validator and its controller harness). Without Go the tests that
// need them skip with a printed notice; with Go, a program not built yet is built here once (cached by
// scripts/build-go.mjs in the machine's cache folder, so CI's build step or an earlier run makes this instant).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from './paths.js';

/** Go 1.25 or newer (what argo-workflows v4 needs), on the PATH. */
export const HAS_GO = (() => {
  const r = spawnSync('go', ['version'], { encoding: 'utf8' });
  const m = /go1\.(\d+)/.exec(r.stdout ?? '');
  return !r.error && r.status === 0 && m !== null && Number(m[1]) >= 25;
})();

export type GoProgram = 'argo-validate' | 'argo-controller-harness';

const BUILD_ARG: Record<GoProgram, string> = { 'argo-validate': 'validator', 'argo-controller-harness': 'harness' };

export function goBinDir(): string {
  return execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-go.mjs'), '--print-dir'], { encoding: 'utf8' }).trim();
}

/** The program's path, building it first when needed (minutes on a cold cache); undefined without Go. */
export function goProgram(program: GoProgram): string | undefined {
  if (!HAS_GO) return undefined;
  const file = path.join(goBinDir(), program);
  if (!existsSync(file)) execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-go.mjs'), BUILD_ARG[program]], { stdio: 'inherit', cwd: ROOT });
  return file;
}

/** Call at the top of a describe block that needs Go; prints why it is skipped. */
export function goOrSkipNotice(what: string): boolean {
  if (!HAS_GO) console.warn(`[skip] ${what}: Go 1.25 or newer is not installed (.ci/run installs it where it can; see scripts/build-go.mjs)`);
  return HAS_GO;
}
