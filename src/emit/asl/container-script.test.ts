// The container script under a real POSIX sh, with a stand-in for dagc that logs its argv and answers with
// exit codes set per test: which entrypoint calls each operation makes, in which order, and its exit code.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerOp } from './container-script.js';
import { containerCommand, containerScript, encodeArg } from './container-script.js';
import type { EntryFiles } from './container-script.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-asl-script-'));
const log = path.join(dir, 'calls.log');
const fake = path.join(dir, 'fake-dagc');
// One line per call, arguments separated by '|'. exec with --attempt exits $EXEC_RC; fan in exits $IN_RC;
// fan out prints a warning line, then $COUNT.
writeFileSync(
  fake,
  [
    '#!/bin/sh',
    `for a in "$@"; do printf '%s|' "$a"; done >> '${log}'; echo >> '${log}'`,
    'case "$*" in *" out "*) echo "warning: something"; echo "${COUNT:-2}";; esac',
    'case "$*" in *--attempt*) exit "${EXEC_RC:-0}";; *" in "*) exit "${IN_RC:-0}";; esac',
    'exit 0',
  ].join('\n') + '\n',
);
chmodSync(fake, 0o755);
const FILES: EntryFiles = { pipeline: "my pipe'line.yaml", config: 'c.yaml', varFiles: [] };

function run(op: ContainerOp, env: Record<string, string> = {}): { status: number | null; calls: string[] } {
  writeFileSync(log, '');
  const [cmd, ...args] = containerCommand(FILES, op);
  const r = spawnSync(cmd!, args, { env: { PATH: process.env.PATH, DAGC_BIN: fake, DAGC_ASL_RUN_ID: 'run-1', ...env }, encoding: 'utf8' });
  return { status: r.status, calls: readFileSync(log, 'utf8').split('|\n').filter(Boolean) };
}

const F = "-f|my pipe'line.yaml|-c|c.yaml";

describe('container script', () => {
  it('is one line of POSIX sh for every operation, with only the code the operation needs', () => {
    const ops: ContainerOp[] = [
      { op: 'task', path: 'a', attempts: 1, ok: [], fail: [] },
      { op: 'task', path: 'a\nb', attempts: 3, ok: ['s'], fail: ['f'] },
      { op: 'fan-in', path: 'p', ok: [], fail: ['f'] },
      { op: 'fan-out', path: 'p', chain: [] },
      { op: 'map', path: 'm', chain: ['m.map_variable_placeholder.s'] },
      { op: 'start', chain: ['s'] },
    ];
    for (const op of ops) {
      const script = containerScript(FILES, op);
      expect(script).not.toMatch(/[\n\r]/);
      expect(spawnSync('sh', ['-n', '-c', script]).status, script).toBe(0);
    }
    // A plain task with no chain to record and no retries is one entrypoint call.
    expect(containerScript(FILES, ops[0]!)).toBe(`r=$DAGC_ASL_RUN_ID;\${DAGC_BIN:-dagc} exec -f 'my pipe'\\''line.yaml' -c 'c.yaml' -- $r "$1";s=$?;exit $s`);
  });

  it('runs an attempt, then the chain of pure nodes the success leads to', () => {
    const name = 'odd $(touch x) `y` \'q\'\nsecond line\\n';
    expect(encodeArg(name)).not.toMatch(/\n/);
    expect(run({ op: 'task', path: name, attempts: 1, ok: ['stub', 'success'], fail: ['fail'] })).toEqual({
      status: 0,
      calls: [`exec|${F}|--|run-1|${name}`, `exec|${F}|--|run-1|stub`, `exec|${F}|--|run-1|success`],
    });
  });

  it('exits 1 for the engine to retry, and runs the failure chain only on the last attempt', () => {
    const op: ContainerOp = { op: 'task', path: 'flaky', attempts: 3, ok: ['success'], fail: ['note', 'fail'] };
    expect(run(op, { EXEC_RC: '1', DAGC_ASL_RETRY: '1' })).toEqual({ status: 1, calls: [`exec|${F}|--attempt|2|--|run-1|flaky`] });
    expect(run(op, { EXEC_RC: '1', DAGC_ASL_RETRY: '2' })).toEqual({
      status: 1,
      calls: [`exec|${F}|--attempt|3|--|run-1|flaky`, `exec|${F}|--|run-1|note`, `exec|${F}|--|run-1|fail`],
    });
    // Bad input (exit 2) is passed on as it is, with no chain.
    expect(run(op, { EXEC_RC: '2', DAGC_ASL_RETRY: '2' }).status).toBe(2);
  });

  it('fans out a map and records the branch\'s leading chain once per item, with the item index', () => {
    const op: ContainerOp = { op: 'map', path: 'M', chain: ['M.map_variable_placeholder.s'] };
    expect(run(op, { DAGC_MAP_INDEX: '4' })).toEqual({
      status: 0,
      calls: [
        `fan|${F}|--|out|run-1|M`,
        `exec|${F}|--map-index|4,0|--|run-1|M.map_variable_placeholder.s`,
        `exec|${F}|--map-index|4,1|--|run-1|M.map_variable_placeholder.s`,
      ],
    });
    // Nothing to run: exit 3, so the state machine goes straight to the fan in.
    expect(run({ op: 'fan-out', path: 'P', chain: ['P.a.s'] }, { COUNT: '0' })).toEqual({ status: 3, calls: [`fan|${F}|--|out|run-1|P`] });
  });

  it('records the root graph\'s leading chain', () => {
    expect(run({ op: 'start', chain: ['a', 'b'] })).toEqual({ status: 0, calls: [`exec|${F}|--|run-1|a`, `exec|${F}|--|run-1|b`] });
  });

  it('fans in and records the chain of the outcome', () => {
    const op: ContainerOp = { op: 'fan-in', path: 'P', ok: ['after'], fail: ['handled', 'success'] };
    expect(run(op)).toEqual({ status: 0, calls: [`fan|${F}|--|in|run-1|P`, `exec|${F}|--|run-1|after`] });
    expect(run(op, { IN_RC: '1' })).toEqual({
      status: 1,
      calls: [`fan|${F}|--|in|run-1|P`, `exec|${F}|--|run-1|handled`, `exec|${F}|--|run-1|success`],
    });
  });
});
