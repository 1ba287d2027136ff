// The command table (npm's cmd-list): names are known before anything loads; each command is imported only
// when it is the one asked for, so `dagc exec` never loads the compiler's dependencies.
import type { Command } from './types.js';

export const COMMANDS: Readonly<Record<string, () => Promise<{ command: Command }>>> = {
  validate: () => import('./validate.js'),
  hash: () => import('./hash.js'),
  graph: () => import('./graph.js'),
  run: () => import('./run.js'),
  execute: () => import('./execute.js'),
  exec: () => import('./exec.js'),
  'step-api': () => import('./step-api.js'),
  fan: () => import('./fan.js'),
  'asl-task': () => import('./asl-task.js'),
  runs: () => import('./runs.js'),
  report: () => import('./report.js'),
  compile: () => import('./compile.js'),
  emulate: () => import('./emulate.js'),
  check: () => import('./check.js'),
  image: () => import('./image.js'),
  deploy: () => import('./deploy.js'),
  submit: () => import('./submit.js'),
  watch: () => import('./watch.js'),
  logs: () => import('./logs.js'),
};

export const COMMAND_SUMMARIES: Readonly<Record<string, string>> = {
  validate: 'check a pipeline (and config) and print every problem',
  hash: "print the pipeline's dag_hash (magnus-compatible sha1)",
  graph: 'draw the pipeline as mermaid or dot',
  run: 'run the pipeline here, step by step',
  execute: "magnus's spelling: the config's executor decides whether to run or render",
  exec: 'runtime entrypoint: run one leaf node (used by rendered targets)',
  'step-api': 'runtime: what the step-side Python API calls inside a running step (secrets, catalog)',
  fan: 'runtime entrypoint: open (out) or close (in) a parallel, map or dag node',
  'asl-task': 'runtime entrypoint: what one Task state of an asl state machine runs (used by the asl target)',
  runs: 'list runs, or show one run log',
  report: 'write one run as a self-contained HTML page (graph, timeline, attempts, output)',
  compile: 'render a pipeline for an engine (bash, asl, argo)',
  emulate: 'compile, then run the rendered output here with the engine\'s semantics',
  check: 'print how much of an engine\'s limits a pipeline uses (argo)',
  image: 'write a Dockerfile for the container executors\' step image (image dockerfile)',
  deploy: 'bring the pipeline\'s resources on argo or AWS to the desired state (--dry-run, --diff, --prune)',
  submit: 'start a run of the deployed pipeline on its engine',
  watch: 'follow a run on its engine next to its run log until it ends',
  logs: 'print a step\'s output from the engine (pod) or the catalog',
};
