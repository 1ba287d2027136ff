// The .dockerignore matcher against Docker's own documented examples
// (https://docs.docker.com/build/concepts/context/#dockerignore-files) and what `dagc image dockerfile` writes.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../test/helpers/cli.js';
import { DEFAULT_IMAGE_IGNORE, createIgnoreMatcher, parseDockerignore } from './dockerignore.js';

const ignores = (text: string, file: string) => createIgnoreMatcher(parseDockerignore(text)).ignores(file);

describe('.dockerignore as Docker documents it', () => {
  it('*/temp*, */*/temp* and temp? match at their own depth only', () => {
    const text = '# comment\n*/temp*\n*/*/temp*\ntemp?\n';
    expect(ignores(text, 'somedir/temporary.txt')).toBe(true);
    expect(ignores(text, 'somedir/temp')).toBe(true);
    expect(ignores(text, 'somedir/subdir/temporary.txt')).toBe(true);
    expect(ignores(text, 'tempa')).toBe(true);
    expect(ignores(text, 'tempb')).toBe(true);
    expect(ignores(text, 'temporary.txt')).toBe(false);
    expect(ignores(text, 'a/b/c/temporary.txt')).toBe(false);
    expect(ignores(text, 'tempab')).toBe(false);
  });

  it('** matches any number of folders, including none', () => {
    expect(ignores('**/*.go\n', 'main.go')).toBe(true);
    expect(ignores('**/*.go\n', 'a/b/c.go')).toBe(true);
    expect(ignores('**/*.go\n', 'a/b/c.gox')).toBe(false);
  });

  it('exceptions: the last matching line decides', () => {
    expect(ignores('*.md\n!README.md\n', 'README.md')).toBe(false);
    expect(ignores('*.md\n!README.md\n', 'CHANGES.md')).toBe(true);
    const secret = '*.md\n!README*.md\nREADME-secret.md\n';
    expect(ignores(secret, 'README-secret.md')).toBe(true);
    expect(ignores(secret, 'README-public.md')).toBe(false);
    const again = '*.md\nREADME-secret.md\n!README*.md\n';
    expect(ignores(again, 'README-secret.md')).toBe(false);
  });

  it('a folder pattern leaves out everything below it; a leading / and ./ mean the context root', () => {
    expect(ignores('build\n', 'build/x/y.txt')).toBe(true);
    expect(ignores('/build/\n', 'build/x/y.txt')).toBe(true);
    expect(ignores('./build\n', 'build')).toBe(true);
    expect(ignores('build\n', 'src/build')).toBe(false);
    // An exception below an ignored folder brings that file back (Docker walks into the folder for it).
    const m = createIgnoreMatcher(['data', '!data/keep.csv']);
    expect(m.hasExceptions).toBe(true);
    expect(m.ignores('data/keep.csv')).toBe(false);
    expect(m.ignores('data/other.csv')).toBe(true);
  });

  it('[…] classes, ? and escapes', () => {
    expect(ignores('file[0-9].txt\n', 'file7.txt')).toBe(true);
    expect(ignores('file[!0-9].txt\n', 'file7.txt')).toBe(false);
    expect(ignores('file[!0-9].txt\n', 'filex.txt')).toBe(true);
    expect(ignores('a\\*b\n', 'a*b')).toBe(true);
    expect(ignores('a\\*b\n', 'axb')).toBe(false);
    expect(ignores('a.b\n', 'axb')).toBe(false);
  });
});

describe('without a .dockerignore', () => {
  it('the default is what `dagc image dockerfile` writes, so the workspace holds what that image holds', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-ignore-'));
    const ran = await runCli(['image', 'dockerfile', '--dagc-from', 'npm'], { cwd: dir });
    expect(ran.status, ran.stderr).toBe(0);
    expect(parseDockerignore(readFileSync(path.join(dir, '.dockerignore'), 'utf8'))).toEqual([...DEFAULT_IMAGE_IGNORE]);
  });
});
