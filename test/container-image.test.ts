// The container executors' test image (test/helpers/container-image.ts): built from this machine's files and
// imported into the local engine, it must run dagc (the version this tree builds), a shell with the usual
// tools, and python3 when the host has Debian's python3-minimal. Skips with a printed notice where no
// container engine works.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hasPython, testImage } from './helpers/container-image.js';
import type { TestImage } from './helpers/container-image.js';
import { ROOT } from './helpers/paths.js';

const found = await testImage();
const skipReason = 'skip' in found ? found.skip : undefined;
if (skipReason) console.log(`[skip] container test image: ${skipReason}`);
const image = found as TestImage;

function inContainer(
  args: readonly string[],
  runOptions: readonly string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      image.engine,
      ['run', '--rm', ...image.runArgs, ...runOptions, image.image, ...args],
      { timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

describe.skipIf(skipReason !== undefined)('the container test image', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'dagc-image-test-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is tagged by content and reused: a second call gives the same image without building', async () => {
    expect(image.image).toMatch(/^localhost\/dagc-test:[0-9a-f]{16}$/);
    expect(await testImage()).toBe(found);
  });

  it('runs the dagc this tree builds', async () => {
    const { version } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const ran = await inContainer(['dagc', '--version']);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe(`${version}\n`);
    expect(ran.code).toBe(0);
  });

  it('has a shell with the usual tools, /tmp writable by anyone, and an identity for the host user', async () => {
    const script =
      'echo ok; mkdir -p /tmp/a && printf x > /tmp/a/f && cat /tmp/a/f && wc -c < /tmp/a/f; stat -c %a /tmp; id -un';
    const ran = await inContainer(['sh', '-c', script]);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('ok\nx1\n1777\nroot\n');
    const uid = process.getuid?.() ?? 0;
    const gid = process.getgid?.() ?? 0;
    const asUser = await inContainer(
      ['sh', '-c', 'id -u; touch /tmp/mine && echo wrote'],
      ['--user', `${uid}:${gid}`],
    );
    expect(asUser.stdout).toBe(`${uid}\nwrote\n`);
  });

  it('lets a step write through a bind mount that the host then reads', async () => {
    writeFileSync(path.join(scratch, 'in.txt'), 'from host\n');
    const ran = await inContainer(
      ['sh', '-c', 'cat /work/in.txt > /work/out.txt; echo from container >> /work/out.txt'],
      ['-v', `${scratch}:/work`],
    );
    expect(ran.code).toBe(0);
    expect(readFileSync(path.join(scratch, 'out.txt'), 'utf8')).toBe('from host\nfrom container\n');
  });

  it('runs dagc exec machinery: node loads the external packages (handlebars, @babel/code-frame) from /opt/dagc', async () => {
    const script =
      "const r = require('module').createRequire('/opt/dagc/package.json'); console.log(typeof r('handlebars').compile, typeof r('@babel/code-frame').codeFrameColumns)";
    const ran = await inContainer(['node', '-e', script]);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('function function\n');
  });

  it('has python3 exactly when the host has Debian python3-minimal', async () => {
    expect(hasPython(image)).toBe(existsSync('/usr/bin/python3.11') && existsSync('/usr/lib/python3.11'));
    if (!hasPython(image)) {
      console.log(
        '[skip] python3 in the test image: the host has no /usr/bin/python3.11 (Debian python3-minimal)',
      );
      return;
    }
    const ran = await inContainer([
      'python3',
      '-c',
      'import json, hashlib, subprocess, sys; print(json.dumps({"v": sys.version_info[:2]}))',
    ]);
    expect(ran.stderr).toBe('');
    expect(ran.stdout).toBe('{"v": [3, 11]}\n');
  });
});
