// Every runnable magnus example in ../shared/spec/magnus-examples that test/magnus-reference.test.ts does not
// already compare with a magnus run log runs under `dagc run`, each in its own temp working dir, with the
// outcome magnus documents (magnus-spec.md §8 and each pipeline's description): run status and exit code, the
// exact order of step internal names at every level, each step's status and attempts, final parameters and,
// where the example is about data, catalog entries. Step functions are ours (test/magnus/examples/), written
// from the pipelines' descriptions and linked into the temp dirs; shared files are only linked, never copied.
// The three 2022 config files and the two argo configs are checked too. Skips with a notice without ../shared.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import type { RunLog, StepLog } from '../src/services/run-log/types.js';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { ROOT, SHARED, sharedOrSkipNotice } from './helpers/paths.js';

const HAVE = sharedOrSkipNotice('magnus examples run with dagc run');
const EX = path.join(SHARED, 'spec', 'magnus-examples');
const OURS = path.join(ROOT, 'test', 'magnus', 'examples');
const example = (name: string) => path.join(EX, name);

/**
 * Parameters and variables in the test runner's own environment would become initial parameters (spec §4.1,
 * 2023) or change the dag hash (§1.8): none reach dagc. Bytecode caches stay out of the linked folders.
 */
const ENV: Record<string, string | undefined> = {
  PYTHONDONTWRITEBYTECODE: '1',
  ...Object.fromEntries(
    Object.keys(process.env)
      .filter((k) => /^(MAGNUS|DAGC)_(PRM|VAR)_/.test(k))
      .map((k) => [k, undefined]),
  ),
};

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const EMPTY = sha256('');
const STACK_FRAME = /^\s+at .*\.(ts|js|mjs|cjs):\d+/m;

/** magnus's dag_hash of each example (magnus-reference/dag-hashes.txt): dagc records the same one. */
function referenceHash(file: string): string {
  const text = readFileSync(path.join(SHARED, 'spec', 'magnus-reference', 'dag-hashes.txt'), 'utf8');
  const line = text.split('\n').find((l) => l.endsWith(` ${file}`));
  if (!line) throw new Error(`no reference dag_hash for ${file}`);
  return line.slice(0, 40);
}

/**
 * magnus's examples were written for its shared working folder (a step reads what an earlier one left there), so
 * they run with dagc's shared_workspace: a dagc-config.yaml default, which a test's own -c config does not
 * override unless it names an executor. Under dagc's isolated default they fail as they would on a cluster
 * (test/isolation.test.ts holds that side).
 */
const SHARED_FOLDER_DEFAULTS = 'defaults:\n  executor:\n    type: local\n    config:\n      shared_workspace: true\n';

function workDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-magnus-run-'));
  writeFileSync(path.join(dir, 'dagc-config.yaml'), SHARED_FOLDER_DEFAULTS);
  return dir;
}

/** Links one of our step-function files into `dir` at `rel` (real folders around it, so caches stay there). */
function linkOurs(dir: string, rel: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  symlinkSync(path.join(OURS, path.relative('examples', rel)), path.join(dir, rel));
}

/** The a7d649c scenarios name their sub-dags and data as tests/scenarios/…, relative to the working dir. */
function scenarioTree(dir: string): void {
  mkdirSync(path.join(dir, 'tests', 'scenarios', 'test_data'), { recursive: true });
  writeFileSync(path.join(dir, 'tests', 'scenarios', 'test_data', 'only_for_testing.dat'), '');
  for (const name of ['test_dag_as_is', 'test_dag_parallel_as_is'])
    symlinkSync(example(`a7d649c-tests-scenarios-${name}.yaml`), path.join(dir, 'tests', 'scenarios', `${name}.yaml`));
}

/**
 * magnus 0.5 (a452f9c) resolves catalog patterns against compute_data_folder "." (its defaults.py
 * COMPUTE_DATA_FOLDER = "."), which is why its examples write `data/hello.txt`, `another/world.txt` and
 * `**\/*`: paths relative to the working directory. dagc keeps the 2022 default "data" (spec §2.2), under
 * which those patterns would look for data/data/hello.txt: nothing would be put, and the gets would fail. So
 * the catalog examples run with the config magnus 0.5 implied (examples/configs/fs-catalog*.yaml name only
 * the provider): a file-system catalog over ".", and a file-system run log as fs-catalog-run_log.yaml has.
 */
const FS_CATALOG_DOT = 'run_log_store:\n  type: file-system\ncatalog:\n  type: file-system\n  config:\n    compute_data_folder: "."\n';

interface Ran {
  dir: string;
  result: CliResult;
  log: RunLog;
}

/** `dagc run` in `dir`, then the run log through `dagc runs show --json` (with the same config). */
async function runIn(dir: string, pipeline: string, runId: string, args: string[] = []): Promise<Ran> {
  const result = await runCli(['run', pipeline, '--run-id', runId, ...args], { cwd: dir, env: ENV });
  expect(result.stderr, result.stderr).not.toMatch(STACK_FRAME);
  const configArgs = args.includes('-c') ? ['-c', args[args.indexOf('-c') + 1] as string] : [];
  const shown = await runCli(['runs', 'show', runId, '--json', ...configArgs], { cwd: dir, env: ENV });
  expect(shown.status, shown.stderr).toBe(0);
  return { dir, result, log: JSON.parse(shown.stdout) as RunLog };
}

/**
 * The run log as lines, in run-log order, one per step and branch: internal name, step type, status, `mock`,
 * attempts as number:status ('-' for none), the message when there is one; with `catalog`, each data catalog
 * entry under its step. Compared with toEqual, this pins names, order and outcome at every level at once.
 * Keys must equal internal names, and a step's internal name must be its branch's name plus its own.
 */
function outline(log: RunLog, opts: { catalog?: boolean } = {}): string[] {
  const lines: string[] = [];
  const visit = (steps: Record<string, StepLog>, parent: string, indent: string) => {
    for (const [key, s] of Object.entries(steps)) {
      expect(s.internal_name).toBe(key);
      expect(s.internal_name).toBe(parent ? `${parent}.${s.name}` : s.name);
      const attempts = s.attempts.map((a) => `${a.attempt_number}:${a.status}`).join(',') || '-';
      const message = s.message ? ` (${s.message})` : '';
      lines.push(`${indent}${key} [${s.step_type}] ${s.status}${s.mock ? ' mock' : ''} attempts=${attempts}${message}`);
      if (opts.catalog)
        for (const c of s.data_catalog) lines.push(`${indent}  ${c.stage} ${c.name} @ ${c.catalog_relative_path} ${c.data_hash}`);
      for (const [bk, b] of Object.entries(s.branches)) {
        expect(b.internal_name).toBe(bk);
        lines.push(`${indent}  branch ${bk} ${b.status}`);
        visit(b.steps, bk, `${indent}    `);
      }
    }
  };
  visit(log.steps, '', '');
  return lines;
}

/** Shares one run between the tests that look at it (describe.concurrent starts them together). */
function once<T>(make: () => Promise<T>): () => Promise<T> {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
}

const step = (name: string, type: string, status = 'SUCCESS', extra = '') =>
  `${name} [${type}] ${status} attempts=${type === 'parallel' || type === 'map' || type === 'dag' ? '-' : `1:${status === 'FAIL' ? 'FAIL' : 'SUCCESS'}`}${extra}`;
const ok = (name: string, type: string) => step(name, type);
const terminal = (name: string, type: 'success' | 'fail' = 'success') => `${name} [${type}] SUCCESS attempts=1:SUCCESS`;

/** What our map.py's process_chunk prints for one chunk (its captured output is catalogued per branch). */
const chunkOutput = (start: number) => `processing files ${start} to ${start + 9}\n`;

/** Both map examples (concepts/map and executors/argo-map-sequential) must record the same run. */
function expectMapRun(ran: Ran, runId: string, file: string): void {
  expect(ran.result.status, ran.result.stdout + ran.result.stderr).toBe(0);
  expect(ran.log.status).toBe('SUCCESS');
  expect(ran.log.dag_hash).toBe(referenceHash(file));
  expect(outline(ran.log)).toEqual([
    ok('chunk files', 'task'),
    ok('iterate and execute', 'map'),
    ...[0, 10, 20].flatMap((i) => [
      `  branch iterate and execute.${i} SUCCESS`,
      `    ${ok(`iterate and execute.${i}.execute`, 'task')}`,
      `    ${terminal(`iterate and execute.${i}.success`)}`,
    ]),
    terminal('success'),
  ]);
  // chunks and stride from chunk_files; integers stay integers (the branch names are their String()).
  expect(ran.log.parameters).toEqual({ num_files: 30, stride: 10, chunks: [0, 10, 20] });
  expect(Object.keys(ran.log.parameters)).toEqual(['num_files', 'stride', 'chunks']);
  // Each branch's process_chunk got its own start_index (and asserted both arrive as ints).
  for (const i of [0, 10, 20])
    expect(readFileSync(path.join(ran.dir, '.catalog', runId, `execute_${i}`), 'utf8')).toBe(chunkOutput(i));
}

describe.runIf(HAVE).concurrent('magnus examples under dagc run', () => {
  it('a452f9c default-fail: FAIL at step 2, traversal goes to fail, step 3 never runs (exit 1)', async () => {
    const ran = await runIn(workDir(), example('a452f9c-examples-default-fail.yaml'), 'default-fail');
    expect(ran.result.status, ran.result.stderr).toBe(1);
    expect(ran.log.status).toBe('FAIL');
    expect(outline(ran.log)).toEqual([
      ok('step 1', 'stub'),
      step('step 2', 'task', 'FAIL', ' (command exited with code 1)'),
      terminal('fail', 'fail'),
    ]);
    expect(ran.log.parameters).toEqual({});
  });

  it('a452f9c on-failure: step 1 fails, on_failure goes to step 3, step 2 is skipped, the run is SUCCESS', async () => {
    const ran = await runIn(workDir(), example('a452f9c-examples-on-failure.yaml'), 'on-failure');
    expect(ran.result.status, ran.result.stderr).toBe(0);
    expect(ran.log.status).toBe('SUCCESS');
    expect(outline(ran.log)).toEqual([
      step('step 1', 'task', 'FAIL', ' (command exited with code 1)'),
      ok('step 3', 'stub'),
      terminal('success'),
    ]);
  });

  it('a452f9c parallel-fail: branch_a fails, branch_b succeeds, step 2 and the run FAIL, step 3 never runs', async () => {
    const ran = await runIn(workDir(), example('a452f9c-examples-parallel-fail.yaml'), 'parallel-fail');
    expect(ran.result.status, ran.result.stderr).toBe(1);
    expect(ran.log.status).toBe('FAIL');
    expect(outline(ran.log)).toEqual([
      ok('step 1', 'stub'),
      'step 2 [parallel] FAIL attempts=- (branches not successful: step 2.branch_a)',
      '  branch step 2.branch_a FAIL',
      `    ${step('step 2.branch_a.step 1', 'task', 'FAIL', ' (command exited with code 1)')}`,
      `    ${terminal('step 2.branch_a.fail', 'fail')}`,
      '  branch step 2.branch_b SUCCESS',
      `    ${ok('step 2.branch_b.step 1', 'stub')}`,
      `    ${ok('step 2.branch_b.step 2', 'stub')}`,
      `    ${terminal('step 2.branch_b.success')}`,
      terminal('fail', 'fail'),
    ]);
  });

  it('a452f9c retry-fail: FAIL on the wrong file; fixed, a --use-cached re-run takes Setup and Create Content and succeeds', async () => {
    const dir = workDir();
    writeFileSync(path.join(dir, 'config.yaml'), FS_CATALOG_DOT);
    const pipeline = example('a452f9c-examples-retry-fail.yaml');
    const hello = sha256('Hello from magnus\n');
    const first = await runIn(dir, pipeline, 'wrong-file-name', ['-c', 'config.yaml']);
    expect(first.result.status, first.result.stderr).toBe(1);
    expect(first.log.status).toBe('FAIL');
    const missing = 'cat: data/hello1.txt: No such file or directory\n';
    expect(outline(first.log, { catalog: true })).toEqual([
      ok('Setup', 'task'),
      `  put Setup @ wrong-file-name/Setup ${EMPTY}`,
      ok('Create Content', 'task'),
      `  put Create_Content @ wrong-file-name/Create_Content ${EMPTY}`,
      `  put data/hello.txt @ wrong-file-name/data/hello.txt ${hello}`,
      step('Retrieve Content', 'task', 'FAIL', ` (command exited with code 1: ${missing.trim()})`),
      `  get data/hello.txt @ data/hello.txt ${hello}`,
      `  put Retrieve_Content @ wrong-file-name/Retrieve_Content ${sha256(missing)}`,
      terminal('fail', 'fail'),
    ]);

    // The fix: the file the step reads now exists. Create Content appends, so re-running it would put two
    // lines; the re-run must take it (and Setup) from the failed run and only retrieve.
    const fixed = 'the file Retrieve Content reads\n';
    writeFileSync(path.join(dir, 'data', 'hello1.txt'), fixed);
    const rerun = await runIn(dir, pipeline, 'fixed', ['-c', 'config.yaml', '--use-cached', 'wrong-file-name']);
    expect(rerun.result.status, rerun.result.stderr).toBe(0);
    expect(rerun.log.status).toBe('SUCCESS');
    expect(rerun.log.use_cached).toBe(true);
    expect(rerun.log.original_run_id).toBe('wrong-file-name');
    expect(rerun.log.dag_hash).toBe(first.log.dag_hash);
    const skipped = ' (Node execution successful in previous run, skipping it)';
    expect(outline(rerun.log, { catalog: true })).toEqual([
      `Setup [task] SUCCESS mock attempts=-${skipped}`,
      `Create Content [task] SUCCESS mock attempts=-${skipped}`,
      ok('Retrieve Content', 'task'),
      // The get reads the failed run's catalog, copied into this run's (spec §3.11 step 3).
      `  get data/hello.txt @ data/hello.txt ${hello}`,
      `  put Retrieve_Content @ fixed/Retrieve_Content ${sha256(fixed)}`,
      terminal('success'),
    ]);
    expect(readFileSync(path.join(dir, 'data', 'hello.txt'), 'utf8')).toBe('Hello from magnus\n');
    expect(readFileSync(path.join(dir, '.catalog', 'fixed', 'data', 'hello.txt'), 'utf8')).toBe('Hello from magnus\n');
  });

  it('a452f9c concepts/catalog: put from two folders, delete one, a "**/*" get restores both', async () => {
    const dir = workDir();
    writeFileSync(path.join(dir, 'config.yaml'), FS_CATALOG_DOT);
    linkOurs(dir, 'examples/concepts/catalog.py');
    const ran = await runIn(dir, example('a452f9c-examples-concepts-catalog.yaml'), 'catalog', ['-c', 'config.yaml']);
    expect(ran.result.status, ran.result.stdout + ran.result.stderr).toBe(0);
    expect(ran.log.status).toBe('SUCCESS');
    expect(ran.log.dag_hash).toBe(referenceHash('a452f9c-examples-concepts-catalog.yaml'));
    // What our catalog.py writes (and retrieve_content_from_both prints back).
    const hello = 'Hello from data folder!!\n';
    const world = 'Hello from another folder!!\n';
    const put = (name: string, hash: string) => `  put ${name} @ catalog/${name} ${hash}`;
    const get = (name: string, hash: string) => `  get ${name} @ ${name} ${hash}`;
    expect(outline(ran.log, { catalog: true })).toEqual([
      ok('create_content_in_data_folder', 'task'),
      put('create_content_in_data_folder', EMPTY),
      put('data/hello.txt', sha256(hello)),
      ok('create_content_in_another_folder', 'task'),
      put('create_content_in_another_folder', EMPTY),
      put('another/world.txt', sha256(world)),
      ok('delete_another_folder', 'task'),
      put('delete_another_folder', EMPTY),
      ok('retrieve_content_from_both', 'task'),
      // '**/*' over the whole run catalog (compute folder "."): both files, and the earlier steps' captured
      // outputs, which dagc catalogues beside them; sorted by path.
      get('another/world.txt', sha256(world)),
      get('create_content_in_another_folder', EMPTY),
      get('create_content_in_data_folder', EMPTY),
      get('data/hello.txt', sha256(hello)),
      get('delete_another_folder', EMPTY),
      put('retrieve_content_from_both', sha256(hello + world)),
      terminal('success'),
    ]);
    // The deleted folder is back, with its content.
    expect(readFileSync(path.join(dir, 'another', 'world.txt'), 'utf8')).toBe(world);
    expect(readFileSync(path.join(dir, 'data', 'hello.txt'), 'utf8')).toBe(hello);
  });

  it('a452f9c concepts/map: chunk_files sets chunks and stride, one branch per chunk runs process_chunk', async () => {
    const dir = workDir();
    linkOurs(dir, 'examples/concepts/map.py');
    const file = 'a452f9c-examples-concepts-map.yaml';
    expectMapRun(await runIn(dir, example(file), 'map'), 'map', file);
  });

  it('a452f9c executors/argo-map-sequential runs locally with a7d649c local.yaml (argo overrides ignored, sequential, file-system log)', async () => {
    const dir = workDir();
    linkOurs(dir, 'examples/concepts/map.py');
    // local.yaml: `mode: local` (the 2022 key), enable_parallel as the string "False", a file-system run log.
    const file = 'a452f9c-examples-executors-argo-map-sequential.yaml';
    const config = example('a7d649c-tests-scenarios-local.yaml');
    const ran = await runIn(dir, example(file), 'argo-map-local', ['-c', config]);
    expectMapRun(ran, 'argo-map-local', file);
    // The file-system store writes one <run_id>.json (spec §3.6), not chunked-fs's folder per run.
    expect(existsSync(path.join(dir, '.run_log_store', 'argo-map-local.json'))).toBe(true);
    expect(existsSync(path.join(dir, '.run_log_store', 'argo-map-local'))).toBe(false);
    // enable_parallel "False": each branch starts after the previous one ended (an order, not a duration).
    const branches = Object.values(ran.log.steps['iterate and execute']!.branches);
    for (let i = 1; i < branches.length; i++) {
      const previousEnd = Object.values(branches[i - 1]!.steps).at(-1)!.attempts.at(-1)!.end_time;
      const start = Object.values(branches[i]!.steps)[0]!.attempts[0]!.start_time;
      expect(Date.parse(start)).toBeGreaterThanOrEqual(Date.parse(previousEnd));
    }
  });

  it('a452f9c concepts/nesting: a shell step exports [0, 1]; map > parallel > map runs every combination', async () => {
    const ran = await runIn(workDir(), example('a452f9c-examples-concepts-nesting.yaml'), 'nesting');
    expect(ran.result.status, ran.result.stderr).toBe(0);
    expect(ran.log.status).toBe('SUCCESS');
    // Integers, as the shell step's JSON said (spec §3.5: names use String(value)).
    expect(ran.log.parameters).toEqual({ array: [0, 1] });
    const outer = 'outer most map';
    expect(outline(ran.log)).toEqual([
      ok('generate_list', 'task'),
      ok(outer, 'map'),
      ...[0, 1].flatMap((x) => {
        const par = `${outer}.${x}.nested parallel`;
        return [
          `  branch ${outer}.${x} SUCCESS`,
          `    ${ok(par, 'parallel')}`,
          ...['a', 'b'].flatMap((b) => {
            const inner = `${par}.${b}.inner most map`;
            return [
              `      branch ${par}.${b} SUCCESS`,
              `        ${ok(inner, 'map')}`,
              ...[0, 1].flatMap((y) => [
                `          branch ${inner}.${y} SUCCESS`,
                `            ${ok(`${inner}.${y}.executable`, 'stub')}`,
                `            ${terminal(`${inner}.${y}.success`)}`,
              ]),
              `        ${terminal(`${par}.${b}.success`)}`,
            ];
          }),
          `    ${terminal(`${outer}.${x}.success`)}`,
        ];
      }),
      terminal('success'),
    ]);
  });

  it('a452f9c concepts/parallel: stub branches end at their custom-named success nodes', async () => {
    const ran = await runIn(workDir(), example('a452f9c-examples-concepts-parallel.yaml'), 'parallel');
    expect(ran.result.status, ran.result.stderr).toBe(0);
    expect(ran.log.status).toBe('SUCCESS');
    expect(outline(ran.log)).toEqual([
      ok('Get Features', 'stub'),
      ok('Train Models', 'parallel'),
      '  branch Train Models.XGBoost SUCCESS',
      `    ${ok('Train Models.XGBoost.Prepare for XGBoost', 'stub')}`,
      `    ${ok('Train Models.XGBoost.Train XGBoost', 'stub')}`,
      `    ${terminal('Train Models.XGBoost.XGBoost success')}`,
      '  branch Train Models.RF model SUCCESS',
      `    ${ok('Train Models.RF model.Train RF Model', 'stub')}`,
      `    ${terminal('Train Models.RF model.RF Model Success')}`,
      ok('Ensemble Modelling', 'stub'),
      ok('Run Inference', 'stub'),
      terminal('success'),
    ]);
  });

  describe('a452f9c concepts/task_shell_parameters', () => {
    const run = once(async () => {
      const dir = workDir();
      writeFileSync(path.join(dir, 'parameters.yaml'), 'spam: "Hello"\neggs:\n  ham: "Yes, please!!"\n');
      return runIn(dir, example('a452f9c-examples-concepts-task_shell_parameters.yaml'), 'shell-params', ['-p', 'parameters.yaml']);
    });

    it('shell steps read MAGNUS_PRM_* and their exports become the parameters', async () => {
      const ran = await run();
      expect(ran.result.status, ran.result.stderr).toBe(0);
      expect(ran.log.status).toBe('SUCCESS');
      expect(outline(ran.log)).toEqual([
        ok('access initial', 'task'),
        ok('modify initial', 'task'),
        ok('display again', 'task'),
        terminal('success'),
      ]);
      expect(ran.log.parameters).toEqual({ spam: 'Universe', eggs: { ham: 'Maybe, one more..' } });
      expect(Object.keys(ran.log.parameters)).toEqual(['spam', 'eggs']);
      // Each step started with what the previous one exported.
      const initial = { spam: 'Hello', eggs: { ham: 'Yes, please!!' } };
      const modified = { spam: 'World', eggs: { ham: 'No, Thank you!!' } };
      expect(Object.values(ran.log.steps).map((s) => s.attempts[0]!.parameters)).toEqual([
        initial,
        initial,
        modified,
        ran.log.parameters,
      ]);
    });

    it('the env values are json.dumps text, as the example documents (MAGNUS_PRM_eggs={"ham": "Yes, please!!"})', async () => {
      // magnus exports every parameter as MAGNUS_PRM_<key>=json.dumps(value) (spec §4.1 step 2): separators
      // ", " and ": ". The example's comments show what `env | grep` prints; the captured outputs hold it.
      const ran = await run();
      const printed = (name: string) =>
        readFileSync(path.join(ran.dir, '.catalog', 'shell-params', name), 'utf8').split('\n').filter(Boolean).sort();
      expect(printed('access_initial')).toEqual(['MAGNUS_PRM_eggs={"ham": "Yes, please!!"}', 'MAGNUS_PRM_spam="Hello"']);
      expect(printed('display_again')).toEqual(['MAGNUS_PRM_eggs={"ham": "No, Thank you!!"}', 'MAGNUS_PRM_spam="World"']);
    });
  });

  it('a7d649c test_dag_as_is_wrong_catalog: a get before any put fails step1 with a clear message; FAIL, exit 1, no stack trace', async () => {
    const dir = workDir();
    scenarioTree(dir);
    const id = 'wrong-catalog';
    const ran = await runIn(dir, example('a7d649c-tests-scenarios-test_dag_as_is_wrong_catalog.yaml'), id);
    // magnus aborted the whole process here (spec §5, §8); dagc fails the step and ends the run normally.
    expect(ran.result.status, ran.result.stderr).toBe(1);
    expect(ran.log.status).toBe('FAIL');
    const message = `catalog get failed: nothing in .catalog/${id}/tests/scenarios/test_data matches "*" (the catalog of run ${id}): an earlier step must put it there`;
    expect(outline(ran.log, { catalog: true })).toEqual([
      `step1 [as-is] FAIL attempts=- (${message})`,
      terminal('fail', 'fail'),
    ]);
    expect(ran.result.stderr).toContain(message);
  });

  it('a7d649c test_dag_parallel_as_is: SUCCESS with branches step2.branch_1 and step2.branch_2', async () => {
    const ran = await runIn(workDir(), example('a7d649c-tests-scenarios-test_dag_parallel_as_is.yaml'), 'parallel-as-is');
    expect(ran.result.status, ran.result.stderr).toBe(0);
    expect(ran.log.status).toBe('SUCCESS');
    expect(outline(ran.log)).toEqual([
      ok('step1', 'as-is'),
      ok('step2', 'parallel'),
      ...['branch_1', 'branch_2'].flatMap((b) => [
        `  branch step2.${b} SUCCESS`,
        `    ${ok(`step2.${b}.step_1`, 'as-is')}`,
        `    ${terminal(`step2.${b}.success`)}`,
      ]),
      terminal('success'),
    ]);
  });

  it('a7d649c test_dag_within_dag_as_is: SUCCESS; the sub-dag runs as step2.dag.* and moves its data', async () => {
    const dir = workDir();
    scenarioTree(dir);
    const id = 'within-dag';
    const ran = await runIn(dir, example('a7d649c-tests-scenarios-test_dag_within_dag_as_is.yaml'), id);
    expect(ran.result.status, ran.result.stderr).toBe(0);
    expect(ran.log.status).toBe('SUCCESS');
    const dat = 'tests/scenarios/test_data/only_for_testing.dat';
    expect(outline(ran.log, { catalog: true })).toEqual([
      ok('step1', 'as-is'),
      ok('step2', 'dag'),
      '  branch step2.dag SUCCESS',
      `    ${ok('step2.dag.step1', 'as-is')}`,
      `      put ${dat} @ ${id}/${dat} ${EMPTY}`,
      `    ${ok('step2.dag.step2', 'as-is')}`,
      `      get only_for_testing.dat @ only_for_testing.dat ${EMPTY}`,
      `      put ${dat} @ ${id}/${dat} ${EMPTY}`,
      `    ${terminal('step2.dag.success')}`,
      terminal('success'),
    ]);
  });

  it('a7d649c test_dag_notebook: the notebook step fails with the "needs papermill" message; FAIL, exit 1', async (ctx) => {
    const python = process.env.DAGC_PYTHON || 'python3';
    const [executable, hasPapermill] = execFileSync(
      python,
      ['-c', 'import importlib.util, sys; print(sys.executable); print(importlib.util.find_spec("papermill") is not None)'],
      { encoding: 'utf8' },
    ).trim().split('\n');
    if (hasPapermill === 'True') {
      console.warn(`[skip] test_dag_notebook: papermill is importable by ${executable}, so the step would run`);
      ctx.skip();
    }
    const dir = workDir();
    // A valid notebook where the scenario names one, so only papermill can be missing.
    mkdirSync(path.join(dir, 'tests', 'scenarios'), { recursive: true });
    const cell = { cell_type: 'code', metadata: { tags: ['parameters'] }, source: ['x = 1\n'], outputs: [], execution_count: null };
    writeFileSync(
      path.join(dir, 'tests', 'scenarios', 'input.ipynb'),
      JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
    const ran = await runIn(dir, example('a7d649c-tests-scenarios-test_dag_notebook.yaml'), 'notebook');
    expect(ran.result.status, ran.result.stderr).toBe(1);
    expect(ran.log.status).toBe('FAIL');
    const message = `notebook tasks need papermill: pip install papermill ipykernel (not importable by ${executable})`;
    expect(outline(ran.log)).toEqual([step('step1', 'task', 'FAIL', ` (${message})`), terminal('fail', 'fail')]);
  });

  describe('the 2022 config files', () => {
    async function runWith(name: string) {
      const dir = workDir();
      symlinkSync(example('a7d649c-tests-scenarios-test_dag_parallel_as_is.yaml'), path.join(dir, 'pipeline.yaml'));
      const config = example(`a7d649c-tests-scenarios-${name}.yaml`);
      const result = await runCli(['run', 'pipeline.yaml', '-c', config], { cwd: dir, env: ENV });
      return { dir, result };
    }

    it('local_demo_render.yaml: dagc run refuses a rendering executor with exit 2 and a hint, before creating anything', async () => {
      const { dir, result } = await runWith('local_demo_render');
      expect(result.status).toBe(2);
      // demo-renderer is dagc's bash target (spec §6.3).
      expect(result.stderr).toBe(
        `dagc run: the config's executor is "bash", which renders the pipeline for an engine; dagc run traverses it here (local or local-container)\n` +
          'hint: use `dagc execute -f pipeline.yaml -c <config>` to let the config\'s executor decide, or a config with executor: {type: local}\n',
      );
      expect(result.stdout).toBe('');
      expect(existsSync(path.join(dir, '.run_log_store'))).toBe(false);
    });

    it('local_container.yaml: a pipeline of as-is steps runs no container, so it needs neither magnus_app nor an engine', async () => {
      const { result } = await runWith('local_container');
      expect(result.stderr).not.toMatch(/podman|docker|image/);
      expect(result.status, result.stderr).toBe(0);
    });
  });

  describe('the argo configs', () => {
    // argo-config-sequential.yaml has `image: $argo_docker_image`, resolved from MAGNUS_VAR_argo_docker_image
    // (spec §1.8); argo-config.yaml names magnus:demo itself. Nothing runs on Argo here.
    const env = { ...ENV, MAGNUS_VAR_argo_docker_image: 'magnus:demo' };
    const config = (name: string) => example(`a452f9c-examples-configs-${name}.yaml`);

    /** validate (exit 0, magnus's dag_hash), then the rendered manifest, which shows where the image went. */
    async function validateAndCompile(file: string, configName: string): Promise<void> {
      const dir = workDir();
      const validated = await runCli(['validate', example(file), '-c', config(configName)], { cwd: dir, env });
      expect(validated.stderr).toBe('');
      expect(validated.status).toBe(0);
      expect(validated.stdout).toBe(`${example(file)}: valid, 3 steps (a map runs its steps once per item), dag_hash ${referenceHash(file)}\n`);
      const compiled = await runCli(['compile', example(file), '--target', 'argo', '-c', config(configName)], { cwd: dir, env });
      expect(compiled.stderr).toBe('');
      expect(compiled.status).toBe(0);
      const manifest = parseYaml(compiled.stdout) as { spec: { templates: { container?: { image?: string } }[] } };
      const images = manifest.spec.templates.flatMap((t) => (t.container ? [t.container.image] : []));
      expect(images.length).toBeGreaterThan(0);
      expect(new Set(images)).toEqual(new Set(['magnus:demo']));
      expect(compiled.stdout).not.toContain('$argo_docker_image');
    }

    it('argo-config.yaml validates and renders concepts/map with its image', async () => {
      await validateAndCompile('a452f9c-examples-concepts-map.yaml', 'argo-config');
    });

    it('argo-config-sequential.yaml validates beside argo-map-sequential and $argo_docker_image resolves', async () => {
      await validateAndCompile('a452f9c-examples-executors-argo-map-sequential.yaml', 'argo-config-sequential');
    });

    it('validate rejects argo-map-sequential with argo-config.yaml (no overrides.sequential), as compile does', async () => {
      // magnus 0.5: "No override of key: sequential found in the overrides section" (spec §2.3). compile,
      // check and execute all refuse this pair; validate must not call it valid (DESIGN.md §3 invariant 3).
      const dir = workDir();
      const args = [example('a452f9c-examples-executors-argo-map-sequential.yaml'), '-c', config('argo-config')];
      const compiled = await runCli(['compile', ...args, '--target', 'argo'], { cwd: dir, env });
      expect(compiled.status).toBe(2);
      expect(compiled.stderr).toContain('DAGC-CONFIG-UNKNOWN-OVERRIDE');
      const validated = await runCli(['validate', ...args], { cwd: dir, env });
      expect({ status: validated.status, stdout: validated.stdout, stderr: validated.stderr }).toEqual({
        status: 2,
        stdout: '',
        stderr: compiled.stderr,
      });
    });
  });
});
