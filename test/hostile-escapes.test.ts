// Escapes from the project (issue 19): a run log folder or catalog folder set to `../…`, or a catalog folder that
// is a symbolic link to elsewhere, is refused (exit 2, before any run record or step) by `dagc run` and by the
// rendered bash script's start (`dagc fan open`); an absolute folder is taken as meant. A dag_definition outside
// the project is refused at its location and never read, so no diagnostic quotes it. Oracles: what exists in a
// folder outside the project after each command, the exit codes, and the text printed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';

const PIPELINE = `dag:
  start_at: a
  steps:
    a:
      type: task
      command_type: shell
      command: mkdir -p data && echo x > data/f.txt && echo ran >> "$COUNT_FILE"
      catalog:
        put: [f.txt]
      next: success
    success: {type: success}
    fail: {type: fail}
`;

function setUp() {
  const root = mkdtempSync(path.join(tmpdir(), 'dagc-escapes-'));
  const dir = path.join(root, 'project');
  const outside = path.join(root, 'outside');
  mkdirSync(dir);
  mkdirSync(outside);
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  return { dir, outside, env: { COUNT_FILE: path.join(root, 'count') }, count: path.join(root, 'count') };
}

const CASES: Record<string, (dir: string, outside: string) => string> = {
  'log_folder ../outside/logs': (dir) => {
    writeFileSync(path.join(dir, 'c.yaml'), 'run_log_store:\n  type: chunked-fs\n  config: {log_folder: ../outside/logs}\n');
    return 'run_log_store.config.log_folder';
  },
  'file-system log_folder ../outside': (dir) => {
    writeFileSync(path.join(dir, 'c.yaml'), 'run_log_store:\n  type: file-system\n  config: {log_folder: ../outside}\n');
    return 'run_log_store.config.log_folder';
  },
  'catalog_location ../outside/cat': (dir) => {
    writeFileSync(path.join(dir, 'c.yaml'), 'catalog:\n  type: file-system\n  config: {catalog_location: ../outside/cat}\n');
    return 'catalog.config.catalog_location';
  },
  '.catalog a symbolic link out of the project': (dir, outside) => {
    writeFileSync(path.join(dir, 'c.yaml'), 'catalog:\n  type: file-system\n');
    symlinkSync(outside, path.join(dir, '.catalog'));
    return 'catalog.config.catalog_location ".catalog"';
  },
  'compute data folder a symbolic link out of the project': (dir, outside) => {
    writeFileSync(path.join(dir, 'c.yaml'), 'catalog:\n  type: file-system\n  config: {compute_data_folder: data}\n');
    symlinkSync(outside, path.join(dir, 'data'));
    return 'catalog.config.compute_data_folder';
  },
};

describe('folders that lead outside the project', () => {
  it.each(Object.keys(CASES))('dagc run refuses %s (exit 2, nothing written outside, nothing run)', async (name) => {
    const { dir, outside, env, count } = setUp();
    const key = CASES[name]!(dir, outside);
    const ran = await runCli(['run', 'pipeline.yaml', '-c', 'c.yaml', '--run-id', 'r'], { cwd: dir, env });
    expect(ran.status, ran.stderr).toBe(2);
    expect(ran.stderr).toContain(key);
    expect(ran.stderr).toContain('leads outside the project');
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(count)).toBe(false);
  });

  it('the bash script refuses at its start (dagc fan open), before any step', async () => {
    const { dir, outside, env, count } = setUp();
    CASES['log_folder ../outside/logs']!(dir, outside);
    const compiled = await runCli(['compile', 'pipeline.yaml', '-c', 'c.yaml', '--target', 'bash', '-o', 'p.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const ran = spawnSync('bash', ['p.sh', 'r'], { cwd: dir, env: { ...process.env, ...env, DAGC_BIN: `${process.execPath} ${BIN}` }, encoding: 'utf8' });
    expect(ran.status, ran.stderr).toBe(2);
    expect(ran.stderr).toContain('leads outside the project');
    expect(readdirSync(outside)).toEqual([]);
    expect(existsSync(count)).toBe(false);
  });

  it('an absolute folder is taken as meant', async () => {
    const { dir, outside, env } = setUp();
    writeFileSync(path.join(dir, 'c.yaml'), `run_log_store:\n  type: chunked-fs\n  config: {log_folder: ${JSON.stringify(path.join(outside, 'logs'))}}\n`);
    const ran = await runCli(['run', 'pipeline.yaml', '-c', 'c.yaml', '--run-id', 'r'], { cwd: dir, env });
    expect(ran.status, ran.stderr).toBe(0);
    expect(readdirSync(path.join(outside, 'logs'))).toEqual(['r']);
  });
});

describe('a dag_definition outside the project', () => {
  it.each(['../outside/secret.yaml', '/etc/passwd'])('%s is refused at its location and never quoted', async (ref) => {
    const { dir, outside } = setUp();
    writeFileSync(path.join(outside, 'secret.yaml'), 'TOP_SECRET_LINE: hunter2\n');
    writeFileSync(
      path.join(dir, 'pipeline.yaml'),
      `dag:\n  start_at: d\n  steps:\n    d:\n      type: dag\n      dag_definition: ${ref}\n      next: success\n    success: {type: success}\n    fail: {type: fail}\n`,
    );
    const checked = await runCli(['validate', 'pipeline.yaml'], { cwd: dir });
    expect(checked.status).toBe(2);
    expect(checked.stderr).toMatch(/pipeline\.yaml:6:23 error DAGC-DAG-DEFINITION-OUTSIDE/);
    expect(checked.stderr).not.toMatch(/hunter2|TOP_SECRET|root:x:/);
  });
});
