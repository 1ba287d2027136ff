// The cases of the differential suite: every pipeline among the shared magnus examples (read from ../shared at
// test time, never copied) and every conformance fixture (fixtures/conformance). Each case says how to lay out
// a working directory for it — the same layout for magnus and for dagc — and which runs to make there.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, SHARED } from '../helpers/paths.js';

export const EXAMPLES = path.join(SHARED, 'spec', 'magnus-examples');
const OURS = path.join(ROOT, 'test', 'magnus');
/** Stand-ins written the way magnus 0.5's own examples are (pydantic models in and out), for this suite. */
const STEPS_05 = path.join(ROOT, 'test', 'magnus-diff', 'steps');
/** Pipelines of this suite itself (floats, casting): no shared example covers them. */
const OWN = path.join(ROOT, 'test', 'magnus-diff', 'pipelines');
const CONFORMANCE = path.join(ROOT, 'fixtures', 'conformance');

export interface DiffRun {
  runId: string;
  /** Extra CLI arguments, the same spelling for magnus and dagc (e.g. --use-cached OLD). */
  args?: string[];
  env?: Record<string, string>;
  /** Changes the working directory before this run (e.g. the fix between a failed run and its re-run). */
  before?: (dir: string) => void;
  /** Run only this root-level step: `magnus execute_step NAME`, `dagc run --step NAME`. */
  step?: string;
}

export interface DiffCase {
  /** `example:<file>` or `fixture:<name>`: what exceptions.yaml names. */
  id: string;
  /** The pipeline file, absolute or relative to the working directory. */
  pipeline: string;
  /** Lays out the working directory (step code, data, parameters.yaml, config.yaml). */
  setup: (dir: string) => void;
  runs: DiffRun[];
}

/** Links one of our stand-in step files (test/magnus/… or, absolute, elsewhere) into `dir` at `rel`. */
function link(dir: string, from: string, rel: string): void {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  symlinkSync(path.isAbsolute(from) ? from : path.join(OURS, from), path.join(dir, rel));
}

const link05 = (rel: string) => (dir: string) => link(dir, path.join(STEPS_05, rel), rel);

/** The a7d649c scenarios name their sub-dags, step code and data as tests/scenarios/… (from the working dir). */
function scenarioTree(dir: string): void {
  mkdirSync(path.join(dir, 'tests', 'scenarios', 'test_data'), { recursive: true });
  writeFileSync(path.join(dir, 'tests', 'scenarios', '__init__.py'), '');
  writeFileSync(path.join(dir, 'tests', '__init__.py'), '');
  writeFileSync(path.join(dir, 'tests', 'scenarios', 'test_data', 'only_for_testing.dat'), '');
  for (const name of ['test_dag_as_is', 'test_dag_within_dag_as_is', 'test_dag_parallel_as_is'])
    symlinkSync(path.join(EXAMPLES, `a7d649c-tests-scenarios-${name}.yaml`), path.join(dir, 'tests', 'scenarios', `${name}.yaml`));
  link(dir, 'scenarios/only_for_testing.py', 'tests/scenarios/only_for_testing.py');
  writeFileSync(path.join(dir, 'parameters.yaml'), 'x: 3\n');
}

const nothing = (): void => {};

/** Per example: what its working directory needs beside the pipeline (step code, data, parameters). */
const EXAMPLE_SETUP: Record<string, (dir: string) => void> = {
  'a452f9c-examples-concepts-catalog.yaml': (dir) => link(dir, 'examples/concepts/catalog.py', 'examples/concepts/catalog.py'),
  'a452f9c-examples-concepts-map.yaml': link05('examples/concepts/map.py'),
  'a452f9c-examples-executors-argo-map-sequential.yaml': link05('examples/concepts/map.py'),
  'a452f9c-examples-concepts-task_shell_parameters.yaml': (dir) =>
    writeFileSync(path.join(dir, 'parameters.yaml'), 'spam: "Hello"\neggs:\n  ham: "Yes, please!!"\n'),
  'a452f9c-examples-python-tasks.yaml': (dir) => {
    link05('examples/functions.py')(dir);
    writeFileSync(path.join(dir, 'parameters.yaml'), 'simple: 1\ninner:\n  x: 10\n  y: hello\n');
  },
  'a7d649c-tests-scenarios-test_dag_notebook.yaml': (dir) => {
    scenarioTree(dir);
    const cell = { cell_type: 'code', metadata: { tags: ['parameters'] }, source: ['x = 1\n'], outputs: [], execution_count: null };
    writeFileSync(
      path.join(dir, 'tests', 'scenarios', 'input.ipynb'),
      JSON.stringify({ cells: [cell], metadata: {}, nbformat: 4, nbformat_minor: 5 }),
    );
  },
};

/** Shared files that are configs, not pipelines: they have no run log of their own. */
export const CONFIG_FILES = /-(configs-|tests-scenarios-local)/;

function exampleCase(file: string): DiffCase {
  const setup = EXAMPLE_SETUP[file] ?? (file.startsWith('a7d649c-') ? scenarioTree : nothing);
  const runs: DiffRun[] = [{ runId: 'first' }];
  if (file === 'a452f9c-examples-retry-fail.yaml') {
    // The example's own story (its description): the third step reads a file that does not exist; once it
    // exists, a re-run with --use-cached takes the two steps that succeeded.
    runs.push({
      runId: 'second',
      args: ['--use-cached', 'first'],
      before: (dir) => writeFileSync(path.join(dir, 'data', 'hello1.txt'), 'the file Retrieve Content reads\n'),
    });
  }
  return { id: `example:${file}`, pipeline: path.join(EXAMPLES, file), setup, runs };
}

interface FixtureSpec {
  runs: { runId?: string; args?: string[]; env?: Record<string, string> }[];
}

function fixtureCase(name: string): DiffCase {
  const spec = JSON.parse(readFileSync(path.join(CONFORMANCE, name, 'case.json'), 'utf8')) as FixtureSpec;
  return {
    id: `fixture:${name}`,
    pipeline: 'pipeline.yaml',
    setup: (dir) =>
      cpSync(path.join(CONFORMANCE, name), dir, {
        recursive: true,
        filter: (src) => !src.split(path.sep).includes('expected') && path.basename(src) !== 'case.json',
      }),
    runs: spec.runs.map((run, i) => ({
      runId: run.runId ?? `run-${i + 1}`,
      ...(run.args ? { args: run.args } : {}),
      ...(run.env ? { env: run.env } : {}),
    })),
  };
}

export function exampleCases(): DiffCase[] {
  return readdirSync(EXAMPLES)
    .filter((f) => f.endsWith('.yaml') && !CONFIG_FILES.test(f))
    .sort()
    .map(exampleCase);
}

export function fixtureCases(): DiffCase[] {
  return readdirSync(CONFORMANCE).sort().map(fixtureCase);
}

/** This suite's own pipelines (test/magnus-diff/pipelines/<name>: pipeline.yaml, parameters.yaml, code). */
export function ownCases(): DiffCase[] {
  return readdirSync(OWN)
    .sort()
    .map((name) => ({
      id: `own:${name}`,
      pipeline: 'pipeline.yaml',
      setup: (dir: string) =>
        cpSync(path.join(OWN, name), dir, { recursive: true, filter: (src) => path.basename(src) !== 'runs.json' }),
      // runs.json, when present: [{runId, step?}]
      runs: existsSync(path.join(OWN, name, 'runs.json'))
        ? (JSON.parse(readFileSync(path.join(OWN, name, 'runs.json'), 'utf8')) as DiffRun[])
        : [{ runId: 'first' }],
    }));
}
