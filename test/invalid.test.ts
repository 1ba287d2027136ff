// Every invalid input in fixtures/invalid through the real CLI: exit 2, located diagnostics with hints, no
// stack trace, and the exact stderr kept beside the input (<case>.txt, Prettier's _errors_ goldens).
// Runs in fixtures/invalid so the printed paths are short and stable. Case names say how they are used:
// config-*.yaml go to -c and params-*.yaml to -p, each beside the valid included/ok.yaml pipeline.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { ROOT } from './helpers/paths.js';

const DIR = path.join(ROOT, 'fixtures', 'invalid');
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.slice(0, -'.yaml'.length))
  .sort();

function argsFor(name: string): string[] {
  if (name.startsWith('config-')) return ['validate', 'included/ok.yaml', '-c', `${name}.yaml`];
  if (name.startsWith('params-')) return ['validate', 'included/ok.yaml', '-p', `${name}.yaml`];
  return ['validate', `${name}.yaml`];
}

// Variables from the environment would change what the files say.
const env = Object.fromEntries(
  Object.keys(process.env)
    .filter((k) => /^(DAGC|MAGNUS)_VAR_/.test(k))
    .map((k) => [k, undefined]),
);

describe('invalid inputs', () => {
  it('has enough cases to cover the front end', () => {
    expect(cases.length).toBeGreaterThanOrEqual(35);
  });

  it.each(cases)('%s', async (name) => {
    const r = await runCli(argsFor(name), { cwd: DIR, env });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^[^\s:]+\.yaml:\d+:\d+ (error|warning) DAGC-[A-Z-]+ /m);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(r.stderr).toMatch(/\n\d+ errors?(, \d+ warnings?)?\n$/);
    await expect(r.stderr).toMatchFileSnapshot(path.join(DIR, `${name}.txt`));
  });

  it('passes a pipeline that has only warnings: exit 0, the warnings on stderr, the verdict on stdout', async () => {
    const r = await runCli(['validate', 'included/warnings-only.yaml'], { cwd: DIR, env });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^included\/warnings-only\.yaml: valid, 2 steps, dag_hash [0-9a-f]{40}\n$/);
    expect(r.stderr).toBe(
      [
        'included/warnings-only.yaml:8:5 warning DAGC-GRAPH-UNREACHABLE step "forgotten" is never reached from start_at "hello"',
        '  7 |       next: success',
        '> 8 |     forgotten:',
        '    |     ^^^^^^^^^',
        'hint: point a next or on_failure at it, or remove it',
        '',
        '1 warning',
        '',
      ].join('\n'),
    );
    const json = await runCli(['validate', 'included/warnings-only.yaml', '--json'], { cwd: DIR, env });
    expect(json.status).toBe(0);
    const report = JSON.parse(json.stdout) as {
      valid: boolean;
      dag_hash: string;
      diagnostics: { severity: string }[];
    };
    expect(report.valid).toBe(true);
    expect(report.dag_hash).toMatch(/^[0-9a-f]{40}$/);
    expect(report.diagnostics.map((d) => d.severity)).toEqual(['warning']);
  });

  it('needs a pipeline file', async () => {
    const r = await runCli(['validate'], { cwd: DIR, env });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'dagc validate: missing pipeline file\nusage: dagc validate <pipeline> [-c config] [-p params] [--var-file F]... [--json]\n',
    );
  });

  it('prints the same diagnostics as JSON with --json', async () => {
    const r = await runCli(['validate', 'unknown-next.yaml', '--json'], { cwd: DIR, env });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout) as {
      valid: boolean;
      dag_hash: unknown;
      diagnostics: { code: string; file: string; start: unknown; pointer: string }[];
    };
    expect(report.valid).toBe(false);
    expect(report.dag_hash).toBeNull();
    expect(report.diagnostics.map((d) => [d.code, d.file, d.start, d.pointer])).toEqual([
      ['DAGC-GRAPH-UNKNOWN-NEXT', 'unknown-next.yaml', { line: 11, column: 13 }, '/dag/steps/train/next'],
      [
        'DAGC-GRAPH-UNKNOWN-ON-FAILURE',
        'unknown-next.yaml',
        { line: 12, column: 19 },
        '/dag/steps/train/on_failure',
      ],
    ]);
  });
});
