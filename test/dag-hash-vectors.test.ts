// dag_hash vectors that live in the project: fixtures/dag-hashes/magnus-0.5.1.txt holds magnus 0.5.1's own hash of
// every pipeline in fixtures/ and examples/ (scripts/magnus-dag-hash.py run under magnus from PyPI), so the
// byte-compatibility of `dagc hash` is checked in a bare clone, with no ../shared and no Python. Where a magnus
// 0.5.1 is installed (DAGC_MAGNUS_PYTHON, or scripts/magnus-venv.sh's venv), the recording is also re-derived
// from it, so a pipeline added without re-recording shows up.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

const RECORDED = path.join(ROOT, 'fixtures', 'dag-hashes', 'magnus-0.5.1.txt');
const vectors = readFileSync(RECORDED, 'utf8')
  .split('\n')
  .filter((l) => /^[0-9a-f]{40} /.test(l))
  .map((l) => ({ hash: l.slice(0, 40), file: l.slice(41) }));

const MAGNUS_PYTHON = [process.env.DAGC_MAGNUS_PYTHON, path.join(homedir(), '.cache', 'dagc', 'magnus-venv-0.5.1', 'bin', 'python')].find(
  (p): p is string => !!p && existsSync(p),
);
if (!MAGNUS_PYTHON) console.warn('[skip] re-deriving the dag_hash vectors: no magnus 0.5.1 venv (scripts/magnus-venv.sh, or DAGC_MAGNUS_PYTHON)');

describe('dag_hash vectors recorded from magnus 0.5.1', () => {
  it('covers the project pipelines', () => {
    expect(vectors.length).toBeGreaterThanOrEqual(15);
    for (const v of vectors) expect(existsSync(path.join(ROOT, v.file)), v.file).toBe(true);
  });

  it.each(vectors)('dagc hash $file', async ({ hash, file }) => {
    const result = await runCli(['hash', file], { cwd: ROOT });
    expect(result.status, result.stderr).toBe(0);
    // A changed pipeline needs its vector re-recorded with magnus: the command is in the file's header.
    expect(result.stdout.trim(), `${file} changed? re-record fixtures/dag-hashes/magnus-0.5.1.txt with scripts/magnus-dag-hash.py`).toBe(hash);
  });

  it.skipIf(!MAGNUS_PYTHON)('magnus 0.5.1 still gives the recorded hashes', async () => {
    const { stdout } = await promisify(execFile)(MAGNUS_PYTHON!, ['scripts/magnus-dag-hash.py', ...vectors.map((v) => v.file)], { cwd: ROOT });
    expect(stdout.trim().split('\n')).toEqual(vectors.map((v) => `${v.hash} ${v.file}`));
  });
});
