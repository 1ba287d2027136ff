// A run id is exclusive under local-container too (issue 19): two `dagc run` with one run id started at once,
// every task in a real container (podman or docker; skipped with a notice where none works) — one runs each step
// once, the other refuses with exit 2 before any container starts. The oracle: the steps' own output lines
// (each step prints a marker from inside its container, which dagc relays), counted over both runs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { runCli } from './helpers/cli.js';
import { testImage } from './helpers/container-image.js';

const image = await testImage();
const skipReason = 'skip' in image ? image.skip : undefined;
if (skipReason) console.warn(`[skip] local-container run id exclusivity: ${skipReason}`);

const LEAVES = ['a', 'b', 'c'];
const PIPELINE = `dag:
  start_at: p
  steps:
    p:
      type: parallel
      branches:
${LEAVES.map(
  (b) => `        ${b}:
          start_at: t
          steps:
            t:
              type: task
              command_type: shell
              command: echo "executed-${b}-marker"
              next: success
            success: {type: success}
            fail: {type: fail}
`,
).join('')}      next: success
    success: {type: success}
    fail: {type: fail}
`;

describe.skipIf(skipReason !== undefined)('local-container: one run id, two dagc run at once', () => {
  it('one runs each step once, the other refuses with exit 2', async () => {
    if ('skip' in image) return;
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-run-id-container-'));
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
    writeFileSync(path.join(dir, 'container.yaml'), stringify({ executor: { type: 'local-container', config: { docker_image: image.image } } }));
    const args = ['run', 'pipeline.yaml', '-c', 'container.yaml', '--run-id', 'same'];
    const both = await Promise.all([1, 2].map(() => runCli(args, { cwd: dir, timeoutMs: 240_000 })));
    expect(both.map((r) => r.status).sort(), both.map((r) => r.stderr).join('\n')).toEqual([0, 2]);
    expect(both.find((r) => r.status === 2)!.stderr).toContain('a run "same" already exists');
    const markers = both.flatMap((r) => (r.stdout + r.stderr).match(/executed-\w+-marker/g) ?? []).sort();
    expect(markers).toEqual(LEAVES.map((b) => `executed-${b}-marker`));
  }, 300_000);
});
