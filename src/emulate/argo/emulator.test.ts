// The emulator on small hand-written manifests: each test pins one piece of Argo semantics, observed through
// what the pods (real processes) wrote to a log file in the working directory.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EmulationResult } from './emulator.js';
import { emulateWorkflow } from './emulator.js';
import { BIN } from '../../../test/helpers/paths.js';

type Json = Record<string, unknown>;

async function run(spec: Json, args: Record<string, string> = {}): Promise<{ result: EmulationResult; log: string[]; dir: string; out: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-argo-emu-'));
  const shimDir = path.join(dir, '.bin');
  mkdirSync(shimDir);
  writeFileSync(path.join(shimDir, 'dagc'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
  chmodSync(path.join(shimDir, 'dagc'), 0o755);
  let out = '';
  const result = await emulateWorkflow(
    { apiVersion: 'argoproj.io/v1alpha1', kind: 'Workflow', metadata: { generateName: 't-' }, spec },
    {
      workflowName: 'wf',
      arguments: args,
      secretEnv: { TOKEN: 's3cret' },
      pod: { cwd: dir, baseEnv: { PATH: process.env.PATH ?? '' }, tmpRoot: dir, dagc: [process.execPath, BIN], shimDir, out: (t) => (out += t), err: (t) => (out += t) },
    },
  );
  let log: string[] = [];
  try {
    log = readFileSync(path.join(dir, 'log'), 'utf8').trim().split('\n');
  } catch {
    /* nothing logged */
  }
  return { result, log, dir, out };
}

/** A container template that appends `text` (after substitution) to ./log and exits with `code`. */
const say = (name: string, text: string, code = 0, extra: Json = {}): Json => ({
  name,
  ...extra,
  container: { image: 'x', command: ['sh', '-c', `printf '%s\\n' "$0" >> log; exit ${code}`, text] },
});
const dag = (tasks: Json[], extra: Json = {}): Json => ({ name: 'main', ...extra, dag: { tasks, ...((extra.dag as Json | undefined) ?? {}) } });

describe('Argo emulator: DAG scheduling', () => {
  it('routes on depends, omits the rest, and honours failFast: false', async () => {
    const { result, log } = await run({
      entrypoint: 'main',
      templates: [
        dag(
          [
            { name: 'a', template: 'boom' },
            { name: 'next', template: 'next', depends: 'a.Succeeded' },
            { name: 'handler', template: 'handler', depends: 'a.Failed || a.Errored' },
          ],
          { dag: { failFast: false } },
        ),
        say('boom', 'a', 1),
        say('next', 'next'),
        say('handler', 'handler'),
      ],
    });
    expect(log).toEqual(['a', 'handler']);
    expect(result.nodes.find((n) => n.name === 'wf.next')?.phase).toBe('Omitted');
    // handler is a leaf that succeeded, but next (Omitted) inherits Failed from a: the DAG fails.
    expect(result.phase).toBe('Failed');
  });

  it('stops scheduling after a failure when failFast is left at its default', async () => {
    const { result, log } = await run({
      entrypoint: 'main',
      templates: [dag([{ name: 'a', template: 'boom' }, { name: 'handler', template: 'handler', depends: 'a.Failed' }]), say('boom', 'a', 1), say('handler', 'handler')],
    });
    expect(log).toEqual(['a']);
    expect(result.phase).toBe('Failed');
  });

  it('skips a task whose when is false, and expands withSequence, withItems and withParam with {{item}}', async () => {
    const { result, log } = await run({
      entrypoint: 'main',
      templates: [
        dag([
          { name: 'list', template: 'list' },
          { name: 'never', template: 'echo', depends: 'list.Succeeded', when: '{{tasks.list.outputs.parameters.n}} > 5', arguments: { parameters: [{ name: 'm', value: 'never' }] } },
          { name: 'seq', template: 'echo', depends: 'list.Succeeded', withSequence: { count: '{{tasks.list.outputs.parameters.n}}' }, arguments: { parameters: [{ name: 'm', value: 'seq {{item}}' }] } },
          { name: 'items', template: 'echo', depends: 'seq.Succeeded', withItems: ['x', 'y'], arguments: { parameters: [{ name: 'm', value: 'item {{item}}' }] } },
          { name: 'param', template: 'echo', depends: 'items.Succeeded', withParam: '{{tasks.list.outputs.parameters.list}}', arguments: { parameters: [{ name: 'm', value: 'param {{item}}' }] } },
          { name: 'empty', template: 'echo', depends: 'param.Succeeded', withParam: '[]', arguments: { parameters: [{ name: 'm', value: 'empty' }] } },
          { name: 'after', template: 'echo', depends: 'empty.Skipped && never.Skipped', arguments: { parameters: [{ name: 'm', value: 'after' }] } },
        ]),
        {
          name: 'list',
          outputs: { parameters: [{ name: 'n', valueFrom: { path: '/tmp/n' } }, { name: 'list', valueFrom: { path: '/tmp/list' } }] },
          container: { image: 'x', command: ['sh', '-c', 'echo 2 > /tmp/n; echo \'[7, 8]\' > /tmp/list'] },
        },
        { name: 'echo', inputs: { parameters: [{ name: 'm' }] }, container: { image: 'x', command: ['sh', '-c', 'echo "$0" >> log', '{{inputs.parameters.m}}'] } },
      ],
    });
    expect(result.phase).toBe('Succeeded');
    expect([...log].sort()).toEqual(['after', 'item x', 'item y', 'param 7', 'param 8', 'seq 0', 'seq 1']);
    expect(result.nodes.find((n) => n.name === 'wf.never')?.phase).toBe('Skipped');
    expect(result.nodes.find((n) => n.name === 'wf.empty')?.phase).toBe('Skipped');
  });

  it('keeps at most `parallelism` children of a template running', async () => {
    const slow = { name: 'slow', inputs: { parameters: [{ name: 'i' }] }, container: { image: 'x', command: ['sh', '-c', 'echo "start $0" >> log; sleep 0.2; echo "end $0" >> log', '{{inputs.parameters.i}}'] } };
    const { log } = await run({
      entrypoint: 'main',
      templates: [dag([{ name: 'many', template: 'slow', withSequence: { count: '3' }, arguments: { parameters: [{ name: 'i', value: '{{item}}' }] } }], { parallelism: 1 }), slow],
    });
    // One at a time: every start is followed by its own end.
    expect(log).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(log[i + 1]).toBe(log[i]!.replace('start', 'end'));
  });
});

describe('Argo emulator: containers', () => {
  it('retries under retryStrategy, numbering {{retries}} from 0', async () => {
    const { result, log } = await run({
      entrypoint: 'flaky',
      templates: [
        {
          name: 'flaky',
          retryStrategy: { limit: '3', retryPolicy: 'Always' },
          container: { image: 'x', command: ['sh', '-c', 'echo "try $0" >> log; [ "$0" -ge 2 ]', '{{retries}}'] },
        },
      ],
    });
    expect(result.phase).toBe('Succeeded');
    expect(log).toEqual(['try 0', 'try 1', 'try 2']);
  });

  it('does not retry a failure under retryPolicy OnError', async () => {
    const { result, log } = await run({
      entrypoint: 'f',
      templates: [{ name: 'f', retryStrategy: { limit: 2, retryPolicy: 'OnError' }, container: { image: 'x', command: ['sh', '-c', 'echo try >> log; exit 3'] } }],
    });
    expect(result.phase).toBe('Failed');
    expect(log).toEqual(['try']);
    expect(result.exitCodes).toEqual([3]);
  });

  it('passes arguments over input values and defaults, env and secrets, and resolves dagc', async () => {
    const { result, log } = await run(
      {
        entrypoint: 'main',
        arguments: { parameters: [{ name: 'who', value: 'nobody' }, { name: 'wf', value: '{{workflow.name}}' }] },
        templates: [
          dag([{ name: 'a', template: 'show', arguments: { parameters: [{ name: 'x', value: 'passed' }] } }]),
          {
            name: 'show',
            inputs: { parameters: [{ name: 'x', value: 'own' }, { name: 'y', default: 'default' }] },
            container: {
              image: 'x',
              command: ['sh', '-c', 'echo "$0 $1 $2 $3 $GREETING $TOKEN" >> log; dagc --version >> log', '{{inputs.parameters.x}}', '{{inputs.parameters.y}}', '{{workflow.parameters.who}}', '{{workflow.parameters.wf}}'],
              env: [{ name: 'GREETING', value: 'hi' }, { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'creds', key: 'token' } } }],
            },
          },
        ],
      },
      { who: 'me' },
    );
    expect(result.phase).toBe('Succeeded');
    expect(log[0]).toBe('passed default me wf hi s3cret');
    expect(log[1]).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('fails a node whose template uses an unknown variable, and a pod past its deadline', async () => {
    const bad = await run({ entrypoint: 'f', templates: [{ name: 'f', container: { image: 'x', command: ['echo', '{{inputs.parameters.missing}}'] } }] });
    expect(bad.result.phase).toBe('Error');
    expect(bad.result.nodes.at(-1)?.message).toContain('failed to resolve {{inputs.parameters.missing}}');
    const late = await run({ entrypoint: 'f', templates: [{ name: 'f', activeDeadlineSeconds: 1, container: { image: 'x', command: ['sleep', '5'] } }] });
    expect(late.result.phase).toBe('Failed');
  });

  it('gives each pod its own /tmp', async () => {
    const { log } = await run({
      entrypoint: 'main',
      templates: [
        dag([
          { name: 'w', template: 'write' },
          { name: 'r', template: 'read', depends: 'w.Succeeded' },
        ]),
        { name: 'write', container: { image: 'x', command: ['sh', '-c', 'echo mine > /tmp/f'] } },
        { name: 'read', container: { image: 'x', command: ['sh', '-c', 'if [ -e /tmp/f ]; then echo shared >> log; else echo own >> log; fi'] } },
      ],
    });
    expect(log).toEqual(['own']);
  });
});

describe('Argo emulator: workflow', () => {
  it('runs the exit handler with {{workflow.status}}', async () => {
    const { result, log } = await run({
      entrypoint: 'boom',
      onExit: 'bye',
      templates: [say('boom', 'boom', 1), say('bye', 'exit handler saw {{workflow.status}}')],
    });
    expect(result.phase).toBe('Failed');
    expect(log).toEqual(['boom', 'exit handler saw Failed']);
  });

  it('refuses an argument the workflow does not declare', async () => {
    await expect(run({ entrypoint: 'a', templates: [say('a', 'a')] }, { nope: '1' })).rejects.toThrow(/no argument "nope"/);
  });

  it('keeps at most spec.parallelism pods running', async () => {
    const slow = { name: 'slow', inputs: { parameters: [{ name: 'i' }] }, container: { image: 'x', command: ['sh', '-c', 'echo "start $0" >> log; sleep 0.2; echo "end $0" >> log', '{{inputs.parameters.i}}'] } };
    const { log } = await run({
      entrypoint: 'main',
      parallelism: 1,
      templates: [dag([{ name: 'a', template: 'slow', arguments: { parameters: [{ name: 'i', value: 'a' }] } }, { name: 'b', template: 'slow', arguments: { parameters: [{ name: 'i', value: 'b' }] } }]), slow],
    });
    expect(log).toHaveLength(4);
    expect(log[1]).toBe(log[0]!.replace('start', 'end'));
  });
});
