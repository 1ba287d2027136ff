import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { getGitIdentity, stripCredentials } from './code-identity.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

// Real directories under the temp folder; GIT_CEILING_DIRECTORIES keeps git from finding a repository above it.
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-git-test-'));
  dirs.push(dir);
  return dir;
}
process.env.GIT_CEILING_DIRECTORIES = tmpdir();

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@e',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@e',
    },
  }).trim();
}

function repo(remote?: string): { dir: string; head: string } {
  const dir = tempDir();
  git(dir, 'init', '-q');
  writeFileSync(path.join(dir, 'a.txt'), 'a\n');
  writeFileSync(path.join(dir, 'b.txt'), 'b\n');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'init');
  if (remote) git(dir, 'remote', 'add', 'origin', remote);
  return { dir, head: git(dir, 'rev-parse', 'HEAD') };
}

describe('getGitIdentity', () => {
  test('a clean repository: dependable, with the origin URL stripped of credentials', async () => {
    const { dir, head } = repo('https://user:s3cret-token@git.example.com/org/repo.git');
    // An untracked file does not make it dirty (magnus: git diff --name-only, tracked changes only).
    writeFileSync(path.join(dir, 'untracked.txt'), 'x');
    expect(await getGitIdentity(dir)).toEqual({
      code_identifier: head,
      code_identifier_type: 'git',
      code_identifier_dependable: true,
      code_identifier_url: 'https://git.example.com/org/repo.git',
      code_identifier_message: '',
    });
  });

  test('a dirty repository: not dependable, the changed files named; no remote gives a null URL', async () => {
    const { dir, head } = repo();
    writeFileSync(path.join(dir, 'a.txt'), 'changed\n');
    writeFileSync(path.join(dir, 'b.txt'), 'changed\n');
    expect(await getGitIdentity(dir)).toEqual({
      code_identifier: head,
      code_identifier_type: 'git',
      code_identifier_dependable: false,
      code_identifier_url: null,
      code_identifier_message: 'changes found in a.txt, b.txt',
    });
  });

  test('outside any repository (and for a missing folder): the magnus default, no throw', async () => {
    const outside = {
      code_identifier: null,
      code_identifier_type: 'git',
      code_identifier_dependable: false,
      code_identifier_url: null,
      code_identifier_message: '',
    };
    expect(await getGitIdentity(tempDir())).toEqual(outside);
    expect(await getGitIdentity(path.join(tempDir(), 'does-not-exist'))).toEqual(outside);
  });

  test('cached per working directory; callers get their own copy', async () => {
    const { dir, head } = repo();
    const first = await getGitIdentity(dir);
    writeFileSync(path.join(dir, 'a.txt'), 'changed later\n');
    const second = await getGitIdentity(`${dir}/.`);
    expect(second).toEqual(first);
    expect(second).not.toBe(first);
    expect(second.code_identifier).toBe(head);
    expect(second.code_identifier_dependable).toBe(true);
  });
});

describe('stripCredentials', () => {
  test.each([
    ['https://user:token@host/org/repo.git', 'https://host/org/repo.git'],
    ['https://token@host:8443/repo', 'https://host:8443/repo'],
    ['ssh://git@host/org/repo.git', 'ssh://host/org/repo.git'],
    ['https://host/org/repo.git', 'https://host/org/repo.git'],
    ['https://host/path/with@at', 'https://host/path/with@at'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['/srv/git/repo.git', '/srv/git/repo.git'],
  ])('%s', (input, expected) => {
    expect(stripCredentials(input)).toBe(expected);
  });
});
