import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { runTask } from './index.js';
import { testRequest } from './test-request.js';
import { DASH_WRAPPER, SHELL_WRAPPER, isDash, parseEnvDump, parseExportDump } from './shell.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'dagc-shell-test-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

async function waitUntilDead(pid: number): Promise<boolean> {
  for (let i = 0; i < 200; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return true;
    }
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return true;
    await sleep(50);
  }
  return false;
}

function shell(command: string, extra: Parameters<typeof testRequest>[1] = {}) {
  return testRequest(cwd, { command, commandType: 'shell', ...extra });
}

describe('shell runner: environment', () => {
  test('sees parameters (both spellings, JSON), run id, attempt, map variable and the output files', async () => {
    const request = shell(
      [
        'printf "%s\\n" "$DAGC_PRM_x" "$MAGNUS_PRM_x" "$MAGNUS_PRM_eggs" "$DAGC_RUN_ID" "$MAGNUS_RUN_ID"',
        'printf "%s\\n" "$DAGC_STEP_ATTEMPT" "$MAGNUS_STEP_ATTEMPT" "$DAGC_MAP_VARIABLE" "$MAGNUS_PRM_MAP_VARIABLE"',
        'printf "%s\\n" "$DAGC_PRM_item" "$MAGNUS_PRM_item" "$EXTRA"',
        'test -f "$DAGC_OUTPUT" && test ! -s "$DAGC_OUTPUT" && test -f "$DAGC_METRICS" && echo files-ok',
      ].join('\n'),
      {
        parameters: { x: 3, eggs: { ham: 'Yes, please!!' } },
        mapVariable: { item: 'a' },
        attempt: 2,
        env: { EXTRA: 'extra value' },
      },
    );
    const result = await runTask(request);
    expect(result.ok).toBe(true);
    expect(result.output).toBe(
      [
        '3',
        '3',
        '{"ham": "Yes, please!!"}',
        'run-1',
        'run-1',
        '2',
        '2',
        '{"item": "a"}',
        '{"item": "a"}',
        '"a"',
        '"a"',
        'extra value',
        'files-ok',
        '',
      ].join('\n'),
    );
    expect(result.parameters).toEqual({});
    expect(result.metrics).toEqual({});
  });

  test('outside a map there is no map variable', async () => {
    const result = await runTask(
      shell('echo "[${DAGC_MAP_VARIABLE-unset}] [${MAGNUS_PRM_MAP_VARIABLE-unset}]"'),
    );
    expect(result.output).toBe('[unset] [unset]\n');
  });

  test('the wrapper variables do not reach the step', async () => {
    const result = await runTask(shell('env | grep -c __DAGC || true'));
    expect(result.output).toBe('0\n');
  });
});

describe('shell runner: what a step sets', () => {
  test('exported parameters, both spellings (the magnus 0.5 example), keys lower-cased', async () => {
    const request = shell(
      `export MAGNUS_PRM_spam='World' && \\\nexport MAGNUS_PRM_eggs='{"ham": "No, Thank you!!"}'\nexport DAGC_PRM_Count=4`,
      { parameters: { spam: 'Hello', eggs: { ham: 'Yes, please!!' }, same: 1 } },
    );
    const result = await runTask(request);
    expect(result).toMatchObject({ ok: true, exitCode: 0, message: '' });
    expect(result.parameters).toEqual({ spam: 'World', eggs: { ham: 'No, Thank you!!' }, count: 4 });
  });

  test('only changed values count; DAGC_ wins over MAGNUS_ when both changed', async () => {
    const request = shell('export MAGNUS_PRM_a=1 DAGC_PRM_a=2 MAGNUS_PRM_keep=7', {
      parameters: { keep: 7 },
    });
    const result = await runTask(request);
    expect(result.parameters).toEqual({ a: 2 });
  });

  test('$DAGC_OUTPUT name=value lines and the heredoc form; file lines win over env', async () => {
    const request = shell(
      [
        'export DAGC_PRM_b=env',
        'echo "a=1" >> "$DAGC_OUTPUT"',
        'echo "b=file" >> "$DAGC_OUTPUT"',
        'echo "Text=hello world" >> "$DAGC_OUTPUT"',
        'printf "%s\\n" "multi<<EOF" "line one" "line two" "EOF" >> "$DAGC_OUTPUT"',
        'echo \'list=["x", 2]\' >> "$DAGC_OUTPUT"',
      ].join('\n'),
    );
    const result = await runTask(request);
    expect(result.ok).toBe(true);
    expect(result.parameters).toEqual({
      a: 1,
      b: 'file',
      text: 'hello world',
      multi: 'line one\nline two',
      list: ['x', 2],
    });
  });

  test('$DAGC_OUTPUT as one JSON object', async () => {
    const result = await runTask(shell(`echo '{"Score": 40, "items": ["a", "b"]}' > "$DAGC_OUTPUT"`));
    expect(result.parameters).toEqual({ score: 40, items: ['a', 'b'] });
  });

  test('metrics: exported (both spellings, with a step prefix) and $DAGC_METRICS', async () => {
    const request = shell(
      [
        'export MAGNUS_TRACK_rows=10 DAGC_TRACK_loss=0.5',
        `export MAGNUS_TRACK_2_Accuracy='{"top1": 0.9}'`,
        'echo "f1=0.75" >> "$DAGC_METRICS"',
      ].join('\n'),
    );
    const result = await runTask(request);
    expect(result.metrics).toEqual({ rows: 10, loss: 0.5, '2_accuracy': { top1: 0.9 }, f1: 0.75 });
    expect(result.parameters).toEqual({});
  });

  test('exports are captured even when the command ends with exit 3 (the attempt fails)', async () => {
    const result = await runTask(shell('export DAGC_PRM_partial=1\necho "boom" >&2\nexit 3'));
    expect(result).toMatchObject({ ok: false, exitCode: 3, message: 'command exited with code 3: boom' });
    expect(result.parameters).toEqual({ partial: 1 });
  });

  test('a set -e failure still dumps the environment', async () => {
    const result = await runTask(
      shell('set -e\nexport MAGNUS_PRM_before=yes\nfalse\nexport MAGNUS_PRM_after=no'),
    );
    expect(result).toMatchObject({ ok: false, exitCode: 1, message: 'command exited with code 1' });
    expect(result.parameters).toEqual({ before: 'yes' });
  });

  test('a malformed $DAGC_OUTPUT fails an otherwise successful attempt', async () => {
    const result = await runTask(shell('echo "no equals sign" >> "$DAGC_OUTPUT"'));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 0,
      message: '$DAGC_OUTPUT line 1: expected name=value, name<<DELIMITER or one JSON object',
    });
  });
});

describe('shell runner: the command runs exactly as written', () => {
  test('quotes, $(…), backticks, ;, |, newlines and non-ASCII inside quotes are printed, not run', async () => {
    const marker = path.join(cwd, 'pwned');
    const text = `it's "quoted" $(touch ${marker}) \`touch ${marker}\` ; touch ${marker} | cat & é ü 日本 ✓`;
    writeFileSync(path.join(cwd, 'payload.txt'), `${text}\nsecond line\n`);
    // The command itself holds every special character, in a quoted heredoc: nothing in it may execute.
    const command = `cat <<'END'\n${text}\nsecond line\nEND\nprintf '%s\\n' "single 'q' double \\"q\\" ünï"`;
    const result = await runTask(shell(command));
    expect(result.ok).toBe(true);
    expect(result.output).toBe(`${text}\nsecond line\nsingle 'q' double "q" ünï\n`);
    const check = await runTask(shell(`test -e '${marker}' && echo exists || echo absent`));
    expect(check.output).toBe('absent\n');
  });

  test('a command with pipes, ; and $(…) runs as shell code', async () => {
    const result = await runTask(shell('echo "a b c" | wc -w; echo "x=$(echo 41 | awk \'{print $1+1}\')"'));
    expect(result.output.replace(/^\s+/, '')).toBe('3\nx=42\n');
  });

  test('command_config.shell picks the shell', async () => {
    const result = await runTask(
      shell('echo "${BASH_VERSION:+bash}"', { commandConfig: { shell: '/bin/bash' } }),
    );
    expect(result.output).toBe('bash\n');
  });

  test('a missing shell is a failed attempt with a clear message', async () => {
    const result = await runTask(shell('echo hi', { commandConfig: { shell: '/no/such/shell' } }));
    expect(result).toMatchObject({
      ok: false,
      exitCode: null,
      message: 'cannot start command: /no/such/shell was not found',
    });
  });
});

describe('shell runner: output', () => {
  test('live lines and the captured output are masked, stdout and stderr both', async () => {
    const request = shell('echo "token=hunter2!"\necho "err hunter2" >&2\nprintf "no newline hunter2"', {
      secretValues: ['hunter2'],
    });
    const result = await runTask(request);
    expect(request.lines).toContainEqual({ line: 'token=*****!', stream: 'stdout' });
    expect(request.lines).toContainEqual({ line: 'err *****', stream: 'stderr' });
    expect(request.lines).toContainEqual({ line: 'no newline *****', stream: 'stdout' });
    expect(request.lines).toHaveLength(3);
    expect(result.output).not.toContain('hunter2');
    expect(result.output.split('\n').sort()).toEqual(['err *****', 'no newline *****', 'token=*****!']);
  });

  test('a failure message is masked too', async () => {
    const result = await runTask(shell('echo "bad hunter2" >&2; exit 2', { secretValues: ['hunter2'] }));
    expect(result.message).toBe('command exited with code 2: bad *****');
  });

  test('killed by a signal: the message names it', async () => {
    const result = await runTask(shell('kill -KILL $$'));
    expect(result).toMatchObject({
      ok: false,
      exitCode: null,
      message: 'command was killed by signal SIGKILL',
    });
  });
});

describe('shell runner: background processes', () => {
  test('a background process left holding the output pipes does not keep the attempt waiting', async () => {
    const pidFile = path.join(cwd, 'background.pid');
    const result = await runTask(shell(`sleep 120 & echo $! > '${pidFile}'; echo done`));
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    try {
      expect(result).toMatchObject({ ok: true, output: 'done\n' });
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});

describe('shell runner: abort', () => {
  test('an abort kills the whole process group', async () => {
    const controller = new AbortController();
    const pidFile = path.join(cwd, 'child.pid');
    const request = shell(`sleep 60 & echo $! > '${pidFile}'; echo started; wait`, {
      signal: controller.signal,
      onLine: (line) => {
        if (line === 'started') controller.abort();
      },
    });
    const result = await runTask(request);
    expect(result).toMatchObject({ ok: false, message: 'aborted' });
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    // The background sleep was in the group, so it got the signal too. Its death is asynchronous: wait (bounded)
    // until it is gone or a zombie waiting for init to reap it.
    expect(await waitUntilDead(pid)).toBe(true);
  });

  test('an already aborted signal starts nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const marker = path.join(cwd, 'never');
    const result = await runTask(shell(`touch '${marker}'`, { signal: controller.signal }));
    expect(result).toMatchObject({ ok: false, message: 'aborted', exitCode: null });
    const check = await runTask(shell(`test -e '${marker}' && echo exists || echo absent`));
    expect(check.output).toBe('absent\n');
  });
});

// Under dash the wrapper reads the environment back from `export -p` (a builtin) instead of starting `env -0`.
// The oracle is `env -0` itself, run by the other wrapper on the same command: both must read the same values.
const DASH = ['/bin/dash', '/usr/bin/dash'].find((p) => existsSync(p));
describe.skipIf(!DASH)('shell runner: dash reads its own export -p', () => {
  const tricky: Record<string, string> = {
    T_QUOTE: "it's",
    T_QUOTES: "a''b'''c'",
    T_DOUBLE: 'say "hi"',
    T_DOLLAR: '$HOME `date` $(true) \\n \\\\ back\\slash',
    T_NEWLINES: 'line one\nexport FAKE=1\n\nline four\n',
    T_EMPTY: '',
    T_EQUALS: 'a=b=c',
    T_UNICODE: 'héllo — 世界 🚀',
    T_SPACES: '  lead and trail  ',
    T_LEADQ: "'",
  };
  const run = (wrapper: string, command: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dagc-dash-'));
    try {
      const dump = path.join(dir, 'dump');
      const env = { ...tricky, PATH: process.env.PATH, __DAGC_ENV_DUMP: dump, __DAGC_SHELL_COMMAND: command };
      const r = spawnSync(DASH!, ['-c', wrapper], { env, encoding: 'utf8' });
      expect(r.status).toBe(0);
      return readFileSync(dump, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const command = [
    ...Object.keys(tricky).map((k) => `export ${k}_NEW="$${k}"`),
    `export T_SET_HERE='x'"'"'y' T_MULTI="$(printf 'a\\nb')"`,
    'export T_EXPORTED_UNSET',
    'unset T_EMPTY_NEW',
  ].join('\n');

  test('every variable (passed in, exported by the step, changed) reads as env -0 reads it', () => {
    const fromEnv = parseEnvDump(run(SHELL_WRAPPER, command));
    const fromExport = parseExportDump(run(DASH_WRAPPER, command));
    expect(fromExport).toBeDefined();
    const pick = (env: Record<string, string>) => Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('T_')));
    expect(pick(fromExport!)).toEqual(pick(fromEnv));
    expect(pick(fromExport!)).toMatchObject({ ...tricky, T_QUOTE_NEW: "it's", T_SET_HERE: "x'y", T_MULTI: 'a\nb' });
    expect(Object.keys(fromExport!)).not.toContain('T_EXPORTED_UNSET');
    expect(Object.keys(fromExport!)).not.toContain('T_EMPTY_NEW');
    expect(Object.keys(fromExport!)).not.toContain('FAKE');
  });

  test('a step under dash exports parameters with quotes and newlines', async () => {
    expect(isDash(DASH!)).toBe(true);
    const request = shell(`export DAGC_PRM_note="it's \\"quoted\\"\nand two lines" MAGNUS_PRM_n=5`, { commandConfig: { shell: DASH! } });
    const result = await runTask(request);
    expect(result).toMatchObject({ ok: true, message: '' });
    expect(result.parameters).toEqual({ note: 'it\'s "quoted"\nand two lines', n: 5 });
  });
});

describe('shell runner: dash export -p parser', () => {
  test('reads the quoting dash writes, and nothing else', () => {
    expect(parseExportDump(`export A='1'\nexport B='it'"'"'s'\nexport C\nexport D=''"''"'x'\n`)).toEqual({ A: '1', B: "it's", D: "''x" });
    expect(parseExportDump('')).toEqual({});
    // bash's and others' forms are refused, not misread.
    for (const other of ['declare -x A="1"\n', "export A=$'a\\nb'\n", 'export A="1"\n', "export A='unterminated\n", "export A='1' trailing\n", 'A=1\n'])
      expect(parseExportDump(other)).toBeUndefined();
  });

  test('bash keeps env -0', () => {
    if (existsSync('/bin/bash')) expect(isDash('/bin/bash')).toBe(false);
    expect(isDash('sh')).toBe(false);
    expect(isDash('/no/such/shell')).toBe(false);
  });
});
