// The git code identity of a step log (magnus-spec.md §3.3): HEAD, whether tracked files changed, the origin
// URL. It is asked for every step, so the answer is cached per process and working directory. It never throws:
// no git, no repository or no commit yet all give magnus's "outside a repo" identity.
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { CodeIdentity } from '../services/run-log/types.js';

const cache = new Map<string, Promise<CodeIdentity>>();

function outsideRepo(): CodeIdentity {
  return {
    code_identifier: null,
    code_identifier_type: 'git',
    code_identifier_dependable: false,
    code_identifier_url: null,
    code_identifier_message: '',
  };
}

/** Output of one git command (trimmed), or null when it fails or git is missing. */
function git(cwd: string, args: readonly string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'git',
      args,
      // No prompts (a credential helper must never wait on a step), C locale for stable output.
      { cwd, timeout: 30_000, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' } },
      (error, stdout) => resolve(error ? null : stdout.trim()),
    );
  });
}

/**
 * Drops the userinfo of a URL (`https://user:token@host/x` → `https://host/x`): run logs are shared, tokens
 * are not. scp-like remotes (`git@host:org/repo`) carry only a user name and stay as they are.
 */
export function stripCredentials(url: string): string {
  return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/?#]*@/, '$1');
}

/**
 * Whether git could find a repository here: a `.git` (folder, or file of a worktree) in cwd or above, or
 * GIT_DIR set. Outside one, `git rev-parse` fails anyway; not starting it saves every `dagc exec` in an image
 * without a repository a process start (issue 16).
 */
async function mayBeRepo(cwd: string): Promise<boolean> {
  if (process.env.GIT_DIR) return true;
  for (let dir = cwd; ; dir = path.dirname(dir)) {
    if (statSync(path.join(dir, '.git'), { throwIfNoEntry: false }) !== undefined) return true;
    if (path.dirname(dir) === dir) return false;
  }
}

async function identify(cwd: string): Promise<CodeIdentity> {
  if (!(await mayBeRepo(cwd))) return outsideRepo();
  const head = await git(cwd, ['rev-parse', 'HEAD']);
  if (head === null || head === '') return outsideRepo();
  const [changed, remote] = await Promise.all([
    // Tracked changes only, as magnus: untracked files do not make the identity undependable.
    git(cwd, ['diff', '--name-only', '--no-ext-diff']),
    git(cwd, ['config', '--get', 'remote.origin.url']),
  ]);
  const files = (changed ?? '').split('\n').filter((f) => f !== '');
  return {
    code_identifier: head,
    code_identifier_type: 'git',
    code_identifier_dependable: changed !== null && files.length === 0,
    code_identifier_url: remote ? stripCredentials(remote) : null,
    code_identifier_message: files.length ? `changes found in ${files.join(', ')}` : '',
  };
}

export function getGitIdentity(cwd: string): Promise<CodeIdentity> {
  const key = path.resolve(cwd);
  let pending = cache.get(key);
  if (!pending) {
    pending = identify(key).catch(() => outsideRepo());
    cache.set(key, pending);
  }
  // A copy per caller: step logs are mutated independently.
  return pending.then((identity) => ({ ...identity }));
}

/**
 * Where a step runs somewhere other than where dagc traverses (a container), the traversing side knows the
 * code better than the step does: the git identity of the host's tree (the container may have no git) and the
 * image it started. It hands them over as JSON in this variable, and the step records them as they are.
 */
export const CODE_IDENTITIES_ENV = 'DAGC_CODE_IDENTITIES';

function isIdentity(value: unknown): value is CodeIdentity {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.code_identifier_type === 'string' &&
    typeof v.code_identifier_dependable === 'boolean' &&
    (v.code_identifier === null || typeof v.code_identifier === 'string') &&
    (v.code_identifier_url === null || typeof v.code_identifier_url === 'string') &&
    typeof v.code_identifier_message === 'string'
  );
}

/** The code identities of a step: those handed over in DAGC_CODE_IDENTITIES, else the git identity of cwd. */
export async function stepCodeIdentities(
  cwd: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<CodeIdentity[]> {
  const given = env[CODE_IDENTITIES_ENV];
  if (given) {
    try {
      const parsed: unknown = JSON.parse(given);
      if (Array.isArray(parsed) && parsed.length > 0 && parsed.every(isIdentity)) return parsed.map((i) => ({ ...i }));
    } catch {
      /* not ours to fail a step over: fall back to what this process can see */
    }
  }
  return [await getGitIdentity(cwd)];
}
