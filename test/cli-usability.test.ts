// Small things a new user meets first, through the built bin/dagc.js: -V, parseArgs's errors said in dagc's
// words, and the "re-generate with" line of rendered files, which must give back the same bytes when run.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { copyFixture } from './helpers/fixture-dir.js';
import { ROOT } from './helpers/paths.js';

const VERSION = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

describe('command line', () => {
  it('-V, -v and --version print the version', async () => {
    for (const flag of ['-V', '-v', '--version']) {
      const r = await runCli([flag]);
      expect([r.status, r.stdout]).toEqual([0, `${VERSION}\n`]);
    }
  });

  it('says unknown options in its own words, with a suggestion', async () => {
    const typo = await runCli(['validate', 'p.yaml', '--jsn']);
    expect(typo.status).toBe(2);
    expect(typo.stderr.split('\n')[0]).toBe('dagc validate: unknown option --jsn; did you mean --json? (dagc validate --help lists its options)');
    expect(typo.stderr).not.toContain('positional argument');
    const short = await runCli(['run', 'p.yaml', '-x']);
    expect(short.stderr.split('\n')[0]).toBe('dagc run: unknown option -x; its short options are -c -p -v (dagc run --help lists its options)');
    const missing = await runCli(['graph', 'p.yaml', '--format']);
    expect(missing.stderr.split('\n')[0]).toBe('dagc graph: option --format needs a value: --format FORMAT');
    const valued = await runCli(['validate', 'p.yaml', '--json=yes']);
    expect(valued.stderr.split('\n')[0]).toBe('dagc validate: option --json is a switch and takes no value (write --json alone)');
    for (const r of [short, missing, valued]) expect(r.status).toBe(2);
  });
});

/** The command of a rendered file's "re-generate with" line. */
function regenerateLine(text: string): string {
  const bash = /re-generate with\n#\s+(dagc compile .*)\n/.exec(text)?.[1];
  const asl = /re-generate with (dagc compile .*?)\."/.exec(text)?.[1];
  const line = bash ?? asl;
  if (!line) throw new Error(`no re-generate line in:\n${text.slice(0, 400)}`);
  return line;
}

describe('the re-generate line of rendered files', () => {
  it('bash: keeps -c and -p, and run from the script folder gives the same script', async () => {
    const dir = copyFixture(path.join(ROOT, 'fixtures', 'conformance', 'secrets'), 'dagc-regen-');
    writeFileSync(path.join(dir, 'parameters.yaml'), 'x: 1\n');
    try {
      const first = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-c', 'config.yaml', '-p', 'parameters.yaml', '-o', 'out/run.sh'], { cwd: dir });
      expect(first.status, first.stderr).toBe(0);
      const script = readFileSync(path.join(dir, 'out', 'run.sh'), 'utf8');
      const line = regenerateLine(script);
      expect(line).toBe('dagc compile ../pipeline.yaml --target bash -c ../config.yaml -p ../parameters.yaml -o run.sh');
      const again = await runCli(line.split(' ').slice(1).map((w) => (w === 'run.sh' ? 'again.sh' : w)), { cwd: path.join(dir, 'out') });
      expect(again.status, again.stderr).toBe(0);
      expect(readFileSync(path.join(dir, 'out', 'again.sh'), 'utf8')).toBe(script.replace(/-o run\.sh\n/, '-o again.sh\n').replace(/bash run\.sh/g, 'bash again.sh'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('asl: keeps -c, and run from the pipeline folder gives the same definition', async () => {
    {
      const cwd = path.join(ROOT, 'fixtures', 'conformance', 'nested');
      const first = await runCli(['compile', 'pipeline.yaml', '--target', 'asl', '-c', '../../asl/config.yaml'], { cwd });
      expect(first.status, first.stderr).toBe(0);
      const line = regenerateLine(first.stdout);
      expect(line).toBe('dagc compile pipeline.yaml --target asl -c ../../asl/config.yaml');
      const again = await runCli(line.split(' ').slice(1), { cwd });
      expect(again.stdout).toBe(first.stdout);
    }
  });
});

describe('run ids and re-runs', () => {
  it('bash run.sh SAME_ID refuses a run id the store has, as dagc run --run-id does', async () => {
    const dir = copyFixture(path.join(ROOT, 'fixtures', 'conformance', 'shell-params'), 'dagc-same-id-');
    try {
      const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-p', 'parameters.yaml', '-o', 'run.sh'], { cwd: dir });
      expect(compiled.status, compiled.stderr).toBe(0);
      const { spawnSync } = await import('node:child_process');
      const env = { ...process.env, DAGC_BIN: `${process.execPath} ${path.join(ROOT, 'bin', 'dagc.js')}` };
      const first = spawnSync('bash', ['run.sh', 'same'], { cwd: dir, env, encoding: 'utf8' });
      expect(first.status, first.stderr).toBe(0);
      const before = (await runCli(['runs', 'show', 'same', '--json'], { cwd: dir })).stdout;
      const again = spawnSync('bash', ['run.sh', 'same'], { cwd: dir, env, encoding: 'utf8' });
      expect(again.status).toBe(2);
      expect(again.stderr).toContain('a run "same" already exists');
      // The earlier run is untouched.
      expect((await runCli(['runs', 'show', 'same', '--json'], { cwd: dir })).stdout).toBe(before);
      const viaRun = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'same'], { cwd: dir });
      expect(viaRun.status).toBe(2);
      expect(viaRun.stderr).toContain('already exists');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('--use-cached with a -p value that differs says the value is not used', async () => {
    const dir = copyFixture(path.join(ROOT, 'fixtures', 'conformance', 'shell-params'), 'dagc-rerun-p-');
    try {
      const first = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'one'], { cwd: dir });
      expect(first.status, first.stderr).toBe(0);
      const given = readFileSync(path.join(dir, 'parameters.yaml'), 'utf8');
      const key = /^(\w+):/m.exec(given)![1]!;
      writeFileSync(path.join(dir, 'other.yaml'), given.replace(new RegExp(`^${key}:.*$`, 'm'), `${key}: something else`));
      const rerun = await runCli(['run', 'pipeline.yaml', '-p', 'other.yaml', '--run-id', 'two', '--use-cached', 'one'], { cwd: dir });
      expect(rerun.status, rerun.stderr).toBe(0);
      expect(rerun.stderr).toContain(`the re-run keeps the parameters of run one, so the new value of "${key}" is not used`);
      // And the run log agrees: the earlier value is the one the re-run has.
      const log = JSON.parse((await runCli(['runs', 'show', 'two', '--json'], { cwd: dir })).stdout) as { parameters: Record<string, unknown> };
      expect(log.parameters[key]).not.toBe('something else');
      // The same -p as before: nothing to say.
      const same = await runCli(['run', 'pipeline.yaml', '-p', 'parameters.yaml', '--run-id', 'three', '--use-cached', 'one'], { cwd: dir });
      expect(same.stderr).not.toContain('is not used');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('validate', () => {
  it('counts the steps that dagc run counts (success and fail nodes aside); a map adds one per extra item', async () => {
    const dir = copyFixture(path.join(ROOT, 'fixtures', 'conformance', 'stubs-parallel'), 'dagc-count-');
    try {
      const valid = await runCli(['validate', 'pipeline.yaml'], { cwd: dir });
      const steps = Number(/valid, (\d+) steps/.exec(valid.stdout)?.[1]);
      const run = await runCli(['run', 'pipeline.yaml'], { cwd: dir });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toContain(`: ${steps} steps succeeded, 0 failed`);
      // And the run log agrees: that many steps that are not success/fail nodes.
      const log = JSON.parse((await runCli(['runs', 'show', 'latest', '--json'], { cwd: dir })).stdout) as { steps: Record<string, unknown> };
      const types: string[] = [];
      const visit = (s: Record<string, { step_type: string; branches: Record<string, { steps: Record<string, unknown> }> }>) => {
        for (const x of Object.values(s)) {
          types.push(x.step_type);
          for (const b of Object.values(x.branches)) visit(b.steps as never);
        }
      };
      visit(log.steps as never);
      expect(types.filter((t) => t !== 'success' && t !== 'fail')).toHaveLength(steps);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const quickstart = await runCli(['validate', 'pipeline.yaml'], { cwd: path.join(ROOT, 'examples', 'quickstart') });
    expect(quickstart.stdout).toMatch(/: valid, 7 steps \(a map runs its steps once per item\), dag_hash/);
  });

  it('an indentation mistake is one error with an indentation hint, not a cascade or "quote the value"', async () => {
    const dir = copyFixture(path.join(ROOT, 'fixtures', 'report'), 'dagc-indent-');
    try {
      const head = 'dag:\n  start_at: a\n  steps:\n    a:\n      type: stub\n';
      const tail = '    success:\n      type: success\n    fail:\n      type: fail\n';
      const write = (name: string, middle: string) => writeFileSync(path.join(dir, name), head + middle + tail);
      write('deeper.yaml', '      next: success\n        oops: 1\n');
      write('shallower.yaml', '      next: success\n   b:\n      type: stub\n');
      write('tab.yaml', '\tnext: success\n\tother: 1\n');
      const deeper = await runCli(['validate', 'deeper.yaml'], { cwd: dir });
      expect(deeper.status).toBe(2);
      expect(deeper.stderr).toContain('hint: the next line is indented deeper than this key');
      expect(deeper.stderr).not.toContain('quote the value');
      const shallower = await runCli(['validate', 'shallower.yaml'], { cwd: dir });
      expect(shallower.stderr.match(/ error /g)).toHaveLength(1);
      expect(shallower.stderr).toContain('hint: line up the keys');
      const tab = await runCli(['validate', 'tab.yaml'], { cwd: dir });
      expect(tab.stderr.match(/ error /g)).toHaveLength(1);
      expect(tab.stderr).toContain('tabs are not allowed as indentation (tabs indent line 7 as well)');
      // A value with ": " in it still gets the quoting hint.
      writeFileSync(path.join(dir, 'colon.yaml'), 'dag:\n  description: Loads data: then trains\n');
      expect((await runCli(['validate', 'colon.yaml'], { cwd: dir })).stderr).toContain('hint: quote the value');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
