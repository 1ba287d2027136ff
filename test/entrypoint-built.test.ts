// Issue 16: the run's built pipeline. `dagc fan open` (the first call of a rendered script) keeps the IR and the
// resolved config with the run; a later `dagc exec` whose inputs are the same bytes reads it and runs neither
// YAML parser's full front end, nor the schema validators, nor the IR builder (seen from the functions V8 ran,
// through NODE_V8_COVERAGE, named by the bundle's source maps; the entry is one file, so which of its sources
// ran is what tells); a changed pipeline file is loaded again and the changed dag hash is said; a run without
// the record (an older run) is loaded from the files and gets one.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN } from './helpers/paths.js';
import type { RunLog } from '../src/services/run-log/types.js';

const PIPELINE = [
  'dag:',
  '  start_at: hello',
  '  steps:',
  '    hello:',
  '      type: task',
  '      command_type: shell',
  '      command: echo "greeting=hello" >> "$DAGC_OUTPUT"',
  '      next: success',
  '    success: {type: success}',
  '    fail: {type: fail}',
  '',
].join('\n');

function sandbox(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-built-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  return dir;
}

const coverageDir = (dir: string) => path.join(tmpdir(), `${path.basename(dir)}-coverage`);

function dagc(dir: string, args: string[], opts: { trace?: boolean } = {}) {
  rmSync(coverageDir(dir), { recursive: true, force: true });
  // The code cache is left out of a traced call: V8 then compiles what it runs, as coverage expects.
  const trace = opts.trace ? { NODE_V8_COVERAGE: coverageDir(dir), DAGC_NO_CODE_CACHE: '1' } : {};
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...trace } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Coverage {
  result: { url: string; functions: { ranges: { startOffset: number; count: number }[] }[] }[];
}

/** bin/dagc.js's wrapper line, newline included. */
const WRAPPER = '(function (exports, require, module, __filename, __dirname, __dagcImport) {\n';

/**
 * The source files (per the source maps) of the code the last traced call ran: of a file with a map, the sources
 * of the functions that ran; of a package file without one, its path from node_modules/. bin/dagc.js compiles
 * the entry bundle behind a one-line wrapper, so the bundle's line N is the script's line N + 1.
 */
function loadedSources(dir: string): string[] {
  const sources = new Set<string>();
  for (const name of readdirSync(coverageDir(dir))) {
    for (const script of (JSON.parse(readFileSync(path.join(coverageDir(dir), name), 'utf8')) as Coverage).result) {
      const file = script.url.startsWith('file:') ? fileURLToPath(script.url) : script.url;
      if (!path.isAbsolute(file)) continue;
      if (!existsSync(`${file}.map`)) {
        if (file.includes('/node_modules/')) sources.add(file.slice(file.indexOf('node_modules/')));
        continue;
      }
      const map = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')));
      const wrapped = /[\\/]entry[\\/]entry\.cjs$/.test(file) ? 1 : 0;
      const text = readFileSync(file, 'utf8');
      const lineStarts = [0];
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lineStarts.push(i + 1);
      // Where each line of the script V8 ran starts (its offsets are the script's).
      const scriptStarts = wrapped ? [0, ...lineStarts.map((start) => start + WRAPPER.length)] : lineStarts;
      for (const fn of script.functions) {
        const range = fn.ranges[0];
        if (!range || range.count === 0) continue;
        let line = scriptStarts.length - 1;
        while (line > 0 && scriptStarts[line]! > range.startOffset) line--;
        if (line < wrapped) continue; // the wrapper itself
        const entry = map.findEntry(line - wrapped, range.startOffset - scriptStarts[line]!) as { originalSource?: string };
        if (entry.originalSource) sources.add(entry.originalSource.replace(/^(file:\/\/)?.*?(src|node_modules)\//, '$2/'));
      }
    }
  }
  return [...sources];
}

const FRONT_END = [/node_modules\/yaml\//, /front-end\/schema\.ts$/, /front-end\/precompiled/, /front-end\/load-pipeline\.ts$/, /ir\/build\.ts$/, /node_modules\/ajv/, /node_modules\/tinyglobby/];

describe("the run's built pipeline (issue 16)", () => {
  it('fan open keeps it; exec then loads no front end, and records the same run log', () => {
    const dir = sandbox();
    expect(dagc(dir, ['fan', 'open', 'r1', '-f', 'pipeline.yaml']).status).toBe(0);
    expect(existsSync(path.join(dir, '.run_log_store', 'r1', 'pipeline.json'))).toBe(true);

    const ran = dagc(dir, ['exec', 'r1', 'hello', '-f', 'pipeline.yaml'], { trace: true });
    expect(ran.stderr).toContain('hello SUCCESS');
    expect(ran.status).toBe(0);
    const sources = loadedSources(dir);
    expect(sources.some((s) => s.endsWith('runtime/exec-node.ts'))).toBe(true); // the hook saw the bundle
    for (const heavy of FRONT_END) expect(sources.filter((s) => heavy.test(s)), String(heavy)).toEqual([]);
    expect(sources.filter((s) => /node_modules\/js-yaml/.test(s))).toEqual([]); // no -c: no YAML at all

    // The same step with the files loaded (the path every call took before) records the same thing.
    expect(dagc(dir, ['exec', 'r1', 'success', '-f', 'pipeline.yaml']).status).toBe(0);
    const log = JSON.parse(dagc(dir, ['runs', 'show', 'r1', '--json']).stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    expect(log.parameters).toEqual({ greeting: 'hello' });
    expect(Object.keys(log.steps)).toEqual(['hello', 'success']);
  });

  it('with a config file, finds the store through js-yaml alone', () => {
    const dir = sandbox();
    writeFileSync(path.join(dir, 'config.yaml'), 'run_log_store:\n  type: chunked-fs\n  config:\n    log_folder: elsewhere\n');
    expect(dagc(dir, ['fan', 'open', 'r2', '-f', 'pipeline.yaml', '-c', 'config.yaml']).status).toBe(0);
    expect(existsSync(path.join(dir, 'elsewhere', 'r2', 'pipeline.json'))).toBe(true);
    const ran = dagc(dir, ['exec', 'r2', 'hello', '-f', 'pipeline.yaml', '-c', 'config.yaml'], { trace: true });
    expect(ran.status).toBe(0);
    const sources = loadedSources(dir);
    for (const heavy of FRONT_END) expect(sources.filter((s) => heavy.test(s)), String(heavy)).toEqual([]);
  });

  it("a config of the same bytes at another path (each pod's own /tmp) uses it; other bytes do not", () => {
    const dir = sandbox();
    const config = 'run_log_store:\n  type: chunked-fs\n  config:\n    log_folder: elsewhere\n';
    mkdirSync(path.join(dir, 'pod-a'));
    mkdirSync(path.join(dir, 'pod-b'));
    writeFileSync(path.join(dir, 'argo.yaml'), config);
    writeFileSync(path.join(dir, 'pod-a', 'dagc-config.json'), config);
    writeFileSync(path.join(dir, 'pod-b', 'dagc-config.json'), config.replace('chunked-fs', 'chunked-fs # another comment'));
    expect(dagc(dir, ['fan', 'open', 'r5', '-f', 'pipeline.yaml', '-c', 'argo.yaml']).status).toBe(0);
    const ran = dagc(dir, ['exec', 'r5', 'hello', '-f', 'pipeline.yaml', '-c', path.join(dir, 'pod-a', 'dagc-config.json')], { trace: true });
    expect(ran.status, ran.stderr).toBe(0);
    for (const heavy of FRONT_END) expect(loadedSources(dir).filter((s) => heavy.test(s)), String(heavy)).toEqual([]);
    // One byte more (a comment): the files are loaded again.
    const other = dagc(dir, ['exec', 'r5', 'success', '-f', 'pipeline.yaml', '-c', path.join('pod-b', 'dagc-config.json')], { trace: true });
    expect(other.status, other.stderr).toBe(0);
    expect(loadedSources(dir).some((s) => /front-end\/load-pipeline\.ts$/.test(s))).toBe(true);
    const log = JSON.parse(dagc(dir, ['runs', 'show', 'r5', '--json', '-c', 'argo.yaml']).stdout) as RunLog;
    expect(log.status).toBe('SUCCESS');
    expect(Object.keys(log.steps)).toEqual(['hello', 'success']);
  });

  it('a pipeline file changed since the run was created is loaded again, and the new dag hash is said', () => {
    const dir = sandbox();
    expect(dagc(dir, ['fan', 'open', 'r3', '-f', 'pipeline.yaml']).status).toBe(0);
    const created = (JSON.parse(readFileSync(path.join(dir, '.run_log_store', 'r3', 'run.json'), 'utf8')) as { dag_hash: string }).dag_hash;
    writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE.replace('greeting=hello', 'greeting=changed'));
    const ran = dagc(dir, ['exec', 'r3', 'hello', '-f', 'pipeline.yaml'], { trace: true });
    expect(ran.status).toBe(0);
    expect(ran.stderr).toMatch(new RegExp(`the pipeline changed since run "r3" was created \\(dag hash ${created} then, [0-9a-f]{40} now\\)`));
    expect(loadedSources(dir).some((s) => /front-end\/load-pipeline\.ts$/.test(s))).toBe(true);
    const log = JSON.parse(dagc(dir, ['runs', 'show', 'r3', '--json']).stdout) as RunLog;
    expect(log.parameters).toEqual({ greeting: 'changed' }); // the step ran as the file says now, as before
    // Every later call of this run is told too: the record stays the one the run was created from.
    const again = dagc(dir, ['exec', 'r3', 'success', '-f', 'pipeline.yaml']);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('the pipeline changed since run "r3"');
  });

  it('a run without it (made before it was kept) is run from the files and gets it', () => {
    const dir = sandbox();
    expect(dagc(dir, ['fan', 'open', 'r4', '-f', 'pipeline.yaml']).status).toBe(0);
    const built = path.join(dir, '.run_log_store', 'r4', 'pipeline.json');
    rmSync(built);
    const ran = dagc(dir, ['exec', 'r4', 'hello', '-f', 'pipeline.yaml'], { trace: true });
    expect(ran.status).toBe(0);
    expect(ran.stderr).not.toContain('changed');
    expect(loadedSources(dir).some((s) => /front-end\/load-pipeline\.ts$/.test(s))).toBe(true);
    expect(existsSync(built)).toBe(true);
    dagc(dir, ['exec', 'r4', 'success', '-f', 'pipeline.yaml'], { trace: true });
    expect(loadedSources(dir).some((s) => /front-end\/load-pipeline\.ts$/.test(s))).toBe(false);
  });
});
