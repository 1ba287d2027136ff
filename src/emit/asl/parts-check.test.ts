// parts-check.ts against asl-validator run part by part in this thread (validateDefinition, which
// validate-asl.test.ts compares with asl-validator itself): the same findings in the same order, whichever
// thread validated a part, on valid and broken definitions; and every part still validated when the worker
// cannot start, dies, or drops parts. The worker is validate-worker.ts bundled from the sources, as
// scripts/build.mjs bundles it (without the precompiled schema: asl-schema.test.ts checks that apart), with
// asl-validator's JSONPath queries answered by fast-jsonpath.ts while this thread's use jsonpath-plus.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { build } from 'esbuild';
import { fastJsonPath } from '../../../scripts/fast-jsonpath-plugin.mjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkParts, startPartsWorker, streamPartsCheck } from './parts-check.js';
import { validateDefinition } from './validate-asl.js';
import { aslGoldens } from '../../../test/helpers/asl-goldens.js';
import type { Definition } from '../../../test/helpers/asl-goldens.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-parts-check-'));
const worker = path.join(dir, 'asl-check.cjs');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await build({
    entryPoints: [path.resolve('src/emit/asl/validate-worker.ts')],
    outfile: worker,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    logLevel: 'silent',
    plugins: [fastJsonPath],
  });
}, 60_000);

/** Broken copies: a transition to no state, a state of no type, a terminal state with a Next. */
function mutants(d: Definition): Definition[] {
  const names = Object.keys(d.States);
  const first = names[0]!;
  const a = structuredClone(d);
  a.States[first]!.Next = 'NoSuchState';
  delete a.States[first]!.End;
  const b = structuredClone(d);
  b.States[first]!.Type = 'Bogus';
  const c = structuredClone(d);
  const last = names.find((n) => d.States[n]!.End === true) ?? names[names.length - 1]!;
  c.States[last]!.Next = first;
  return [a, b, c];
}

/** A part with a state named __proto__ (own property, as split.ts builds it). */
function hostile(): Definition {
  const states: Record<string, Record<string, unknown>> = {};
  Object.defineProperty(states, '__proto__', {
    value: { Type: 'Pass', Next: 'done' },
    enumerable: true,
    writable: true,
    configurable: true,
  });
  states.done = { Type: 'Succeed' };
  return { StartAt: '__proto__', States: states };
}

/** A worker module that cannot load. */
function brokenWorker(name: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, "throw new Error('cannot load');\n");
  return file;
}

/** `file` started early (startPartsWorker), once it has ended. */
async function deadWorker(file: string) {
  const dead = startPartsWorker(file)!;
  await new Promise((r) => setTimeout(r, 300));
  expect(dead.ended.value).toBe(true);
  return dead;
}

const sequential = (parts: readonly unknown[]) => parts.flatMap((p) => validateDefinition(p, 'p.yaml'));

describe('asl-validator over parts on two threads', () => {
  // Each golden's mutants after it, the last part broken: a finding reported for the wrong part moves in the list.
  const parts: Definition[] = [hostile(), ...aslGoldens().flatMap(([, d]) => [d, ...mutants(d)])];
  const texts = parts.map((p) => JSON.stringify(p));
  let expected: ReturnType<typeof sequential>;
  beforeAll(() => {
    expected = sequential(parts);
  });

  it('has valid and broken parts to tell apart', () => {
    expect(parts.length).toBeGreaterThan(40);
    expect(expected.length).toBeGreaterThanOrEqual(parts.length / 2);
    expect(validateDefinition(hostile(), 'p.yaml')).toEqual([]);
    expect(validateDefinition(parts[parts.length - 1], 'p.yaml')).not.toEqual([]);
  });

  it('finds what validating the parts one by one finds, in order, when the worker validates every part', async () => {
    const r = await checkParts(parts, texts, 'p.yaml', { worker, minBytes: 0, alongside: false });
    expect(r.byWorker).toBe(parts.length);
    expect(r.diagnostics).toEqual(expected);
  }, 60_000);

  // The worker as `dagc compile` starts it: dist/entry/asl-check.cjs, built by npm install (prepare) from these
  // sources, with the precompiled schema and ajv from node_modules.
  const built = path.resolve('dist/entry/asl-check.cjs');
  it.runIf(existsSync(built))(
    'and so does the built worker beside the compile bundle',
    async () => {
      const r = await checkParts(parts, texts, 'p.yaml', { worker: built, minBytes: 0, alongside: false });
      expect(r.byWorker).toBe(parts.length);
      // Built with asl-validator's queries answered by fast-jsonpath.ts (scripts/fast-jsonpath-plugin.mjs).
      expect(readFileSync(built, 'utf8')).toContain('function fastQuery(');
      expect(r.diagnostics).toEqual(expected);
    },
    60_000,
  );
  if (!existsSync(built))
    console.log('notice: no dist/entry/asl-check.cjs (npm run build): the built worker is not tested');

  it('and when both threads take parts', async () => {
    const r = await checkParts(parts, texts, 'p.yaml', { worker, minBytes: 0 });
    expect(r.diagnostics).toEqual(expected);
  }, 60_000);

  it('uses no worker below the size it pays for', async () => {
    const r = await checkParts(parts, texts, 'p.yaml', { worker, alongside: false });
    expect(r.byWorker).toBe(0);
    expect(r.diagnostics).toEqual(expected);
  });

  it('validates here what a worker that cannot load, dies or drops parts left', async () => {
    const broken = brokenWorker('broken.cjs');
    // Takes every part and exits without a word.
    const greedy = path.join(dir, 'greedy.cjs');
    writeFileSync(
      greedy,
      "const { workerData } = require('node:worker_threads'); const c = new Int32Array(workerData.counter); while (Atomics.add(c, 0, 1) < workerData.texts.length);\n",
    );
    // Reports every other part (findings of its own: none) and says it is done.
    const partial = path.join(dir, 'partial.cjs');
    writeFileSync(
      partial,
      "const { parentPort, workerData } = require('node:worker_threads'); const c = new Int32Array(workerData.counter); for (let i; (i = Atomics.add(c, 0, 1)) < workerData.texts.length; ) if (i % 2) parentPort.postMessage({ index: i, diagnostics: [] }); parentPort.postMessage({ done: true });\n",
    );
    for (const file of [broken, greedy, path.join(dir, 'missing.cjs')]) {
      const r = await checkParts(parts, texts, 'p.yaml', { worker: file, minBytes: 0, alongside: false });
      expect(r.byWorker).toBe(0);
      expect(r.diagnostics).toEqual(expected);
    }
    // The parts it did report stand as reported (here: wrongly clean), which shows they were its, and the
    // others were validated here.
    const r = await checkParts(parts, texts, 'p.yaml', { worker: partial, minBytes: 0, alongside: false });
    expect(r.byWorker).toBe(Math.floor(parts.length / 2));
    expect(r.diagnostics).toEqual(sequential(parts.filter((_, i) => i % 2 === 0)));
  }, 60_000);

  // A worker started before the parts exist (startPartsWorker, as a compile that will split starts it), given
  // them later in a message.
  it('finds the same with a worker started before its parts', async () => {
    const prepared = startPartsWorker(worker)!;
    await new Promise((r) => setTimeout(r, 200));
    const r = await checkParts(parts, texts, 'p.yaml', { prepared, minBytes: 0, alongside: false });
    expect(r.byWorker).toBe(parts.length);
    expect(r.diagnostics).toEqual(expected);
  }, 60_000);

  it('validates here what a worker started early left: it could not load, or the parts were too small for it', async () => {
    const broken = brokenWorker('broken-early.cjs');
    const dead = await deadWorker(broken);
    const r = await checkParts(parts, texts, 'p.yaml', { prepared: dead, minBytes: 0, alongside: false });
    expect(r.byWorker).toBe(0);
    expect(r.diagnostics).toEqual(expected);
    // Dying between being checked and being listened to.
    const dying = startPartsWorker(broken)!;
    const r2 = await checkParts(parts, texts, 'p.yaml', { prepared: dying, minBytes: 0, alongside: false });
    expect(r2.diagnostics).toEqual(expected);
    // Below the size that pays for a worker: stopped, and every part validated here.
    const unused = startPartsWorker(worker)!;
    const exited = new Promise((resolve) => unused.worker.once('exit', resolve));
    const small = await checkParts(parts, texts, 'p.yaml', { prepared: unused });
    expect(small.byWorker).toBe(0);
    expect(small.diagnostics).toEqual(expected);
    await exited;
    expect(unused.ended.value).toBe(true);
  }, 60_000);

  // Given one at a time, as split.ts makes them (emit-asl.ts gives the parts first and the parent, index 0, last),
  // to a worker started early: it validates each as it comes, this thread what it has not taken when all are given.
  it('finds the same when the parts are given one at a time, while the worker validates', async () => {
    const prepared = startPartsWorker(worker)!;
    const stream = streamPartsCheck(prepared, 'p.yaml');
    const order = [...parts.keys()].slice(1).concat(0);
    for (const [j, i] of order.entries()) {
      stream.add(i, parts[i], texts[i]!);
      // The worker waits for the next part while this thread makes it.
      if (j % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    const r = await stream.finish();
    expect(r.byWorker).toBeGreaterThan(0);
    expect(r.diagnostics).toEqual(expected);
  }, 60_000);

  it('validates here every part given one at a time when the worker cannot take them', async () => {
    const broken = brokenWorker('broken-stream.cjs');
    const dead = await deadWorker(broken);
    // Takes every task and exits without a word.
    const greedy = path.join(dir, 'greedy-stream.cjs');
    writeFileSync(
      greedy,
      "const { parentPort } = require('node:worker_threads'); parentPort.once('message', (m) => { const c = new Int32Array(m.counter); for (let i = 0; i < 1000; i++) Atomics.add(c, 0, 1); process.exit(0); });\n",
    );
    for (const prepared of [dead, startPartsWorker(greedy)!, startPartsWorker(broken)!, undefined]) {
      const stream = streamPartsCheck(prepared, 'p.yaml');
      for (const i of [...parts.keys()].reverse()) stream.add(i, parts[i], texts[i]!);
      const r = await stream.finish();
      expect(r.byWorker).toBe(0);
      expect(r.diagnostics).toEqual(expected);
    }
    // A part missing from the indices is a caller's bug, said as such.
    const gap = streamPartsCheck(undefined, 'p.yaml');
    gap.add(1, parts[1], texts[1]!);
    await expect(gap.finish()).rejects.toThrow('no part 0 of 1');
  }, 60_000);

  // A compile that fails between handing over its parts and finishing (its output cannot be serialised) ends
  // with the worker still waiting for parts: the worker must not keep the process alive.
  it('does not keep the process alive when the parts are never finished', async () => {
    const script = path.join(dir, 'unfinished.cjs');
    const part = path.join(dir, 'part.json');
    writeFileSync(part, texts[1]!);
    await build({
      stdin: {
        contents: [
          `import { readFileSync } from 'node:fs';`,
          `import { startPartsWorker, streamPartsCheck } from ${JSON.stringify(path.resolve('src/emit/asl/parts-check.ts'))};`,
          'const prepared = startPartsWorker(process.argv[2]);',
          'setTimeout(() => {',
          "  const text = readFileSync(process.argv[3], 'utf8');",
          "  const stream = streamPartsCheck(prepared, 'p.yaml');",
          '  stream.add(0, JSON.parse(text), text);',
          "  setTimeout(() => console.log('left without finishing'), 500);",
          '}, 300);',
        ].join('\n'),
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      outfile: script,
      bundle: true,
      format: 'cjs',
      platform: 'node',
      logLevel: 'silent',
      plugins: [fastJsonPath],
    });
    const r = spawnSync(process.execPath, [script, worker, part], { encoding: 'utf8', timeout: 20_000 });
    expect(r.signal, 'still running after 20 s').toBeNull();
    expect(r.stdout).toContain('left without finishing');
    expect(r.status, r.stderr).toBe(0);
  }, 60_000);
});
