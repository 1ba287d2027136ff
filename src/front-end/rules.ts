// Graph rules (magnus-spec.md §1.2–§1.4), for every graph and sub-graph, every problem at once and each
// one located: targets of next/on_failure exist, no cycles, start_at is a step, exactly one success and one
// fail step, step names without "." or "%", sane map names, commands that can run, dag_definition files that
// exist and are themselves valid. The checks read the data view defensively: a value of the wrong type was
// already reported by the schema, so it is skipped here rather than reported twice.
import { existsSync, realpathSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import type { YamlDocument } from './load.js';
import { joinPointer } from '../core/pointer.js';
import { didYouMean } from '../core/suggest.js';
import { reachableFrom } from '../core/graph.js';
import { displayPath } from '../core/display.js';
import { PROVIDER_ALIASES } from '../config/sections.js';

/** A file of the pipeline: the pipeline file itself or a dag_definition file. */
export interface SourceFile {
  readonly doc: YamlDocument;
  /** Absolute path. */
  readonly abs: string;
}

export interface RulesOptions {
  cwd: string;
  /** Reads and schema-checks a dag_definition file (called once per file). */
  loadFile(abs: string): Promise<{ file?: SourceFile; diagnostics: Diagnostic[] }>;
}

export interface RulesResult {
  diagnostics: Diagnostic[];
  /** dag_definition resolutions: `${including abs}\0${reference}` → the file it names. */
  subFiles: Map<string, SourceFile>;
}

/** More expanded steps than this (dag_definition files included once per use) is refused. */
export const MAX_EXPANDED_STEPS = 200_000;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PYTHON_FUNCTION = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

type Data = Record<string, unknown>;
const isObject = (v: unknown): v is Data => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** A map step's `iterate_as` seen from inside its branch. */
interface MapScope {
  readonly name: string;
  readonly step: string;
}

/** Where a graph sits, for messages. */
interface GraphPlace {
  readonly pointer: string;
  readonly label: string;
}

/** A dag step found while checking a file's graphs. */
interface SubDagUse {
  readonly ref: string;
  readonly pointer: string;
  readonly step: string;
  readonly maps: readonly MapScope[];
}

export function listNames(names: readonly string[], max = 12): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … and ${names.length - max} more`;
}

/**
 * Checks the graphs of one file (its `dag` and all the graphs nested in it), not following dag_definition
 * files: those are returned, with the map names in scope where they are used.
 */
export function checkFileGraphs(
  doc: YamlDocument,
  maps: readonly MapScope[] = [],
): { diagnostics: Diagnostic[]; uses: SubDagUse[]; steps: number } {
  const out: Diagnostic[] = [];
  const uses: SubDagUse[] = [];
  let steps = 0;
  const data = doc.data;
  if (!isObject(data) || !isObject(data.dag)) return { diagnostics: out, uses, steps };

  const checkGraph = (graph: Data, place: GraphPlace, scope: readonly MapScope[]) => {
    const stepsData = graph.steps;
    if (!isObject(stepsData)) return;
    const names = Object.keys(stepsData);
    const n = names.length;
    steps += n;
    const stepsPtr = joinPointer(place.pointer, 'steps');
    const ptr = (name: string) => joinPointer(stepsPtr, name);
    // Steps by index, edges as two arrays (next, on_failure; -1 for none): a 10,000-step graph is checked
    // in one pass over plain arrays, which matters because the CLI runs this code cold.
    const index = new Map<string, number>();
    for (let i = 0; i < n; i++) index.set(names[i] as string, i);
    const next = new Int32Array(n).fill(-1);
    const onFailure = new Int32Array(n).fill(-1);
    const successes: number[] = [];
    const fails: number[] = [];
    let dangling = false;

    for (let i = 0; i < n; i++) {
      const name = names[i] as string;
      if (name.includes('.') || name.includes('%') || name.includes('\u0000')) checkName(name, () => ptr(name), 'step');
      const step = stepsData[name];
      if (!isObject(step)) continue;
      const type = str(step.type);
      // success and fail go nowhere: a next or on_failure on them is the schema's error, not an edge.
      if (type === 'success' || type === 'fail') {
        (type === 'success' ? successes : fails).push(i);
        continue;
      }
      for (const field of ['next', 'on_failure'] as const) {
        const target = str(step[field]);
        if (target === undefined) {
          if (field === 'next') dangling = true;
          continue;
        }
        const to = index.get(target);
        if (to !== undefined) {
          (field === 'next' ? next : onFailure)[i] = to;
          continue;
        }
        dangling = true;
        const guess = didYouMean(
          target,
          names.filter((other) => other !== name),
        );
        out.push(
          doc.at(
            joinPointer(ptr(name), field),
            field === 'next' ? 'DAGC-GRAPH-UNKNOWN-NEXT' : 'DAGC-GRAPH-UNKNOWN-ON-FAILURE',
            `step "${name}" goes to "${target}"${field === 'on_failure' ? ' on failure' : ''}, which does not exist`,
            `${guess ? `did you mean "${guess}"? ` : ''}steps here: ${listNames(names)}`,
          ),
        );
      }
      if (type === 'task' || type === 'parallel' || type === 'map' || type === 'dag')
        checkStep(name, step, ptr(name), scope);
      else checkOverrides(name, step, () => ptr(name));
    }

    // Exactly one success and one fail step (magnus graph.py `success_node_validation`).
    const extra = new Set<number>();
    for (const [terminal, found] of [
      ['success', successes],
      ['fail', fails],
    ] as const) {
      if (found.length === 0)
        out.push(
          doc.at(
            stepsPtr,
            terminal === 'success' ? 'DAGC-GRAPH-NO-SUCCESS' : 'DAGC-GRAPH-NO-FAIL',
            `${place.label} has no ${terminal} step`,
            `add one: "${terminal}:" with "type: ${terminal}" under "steps:" (a graph needs exactly one ${terminal} step)`,
            { part: 'key' },
          ),
        );
      const quoted = found.map((i) => `"${names[i]}"`).join(', ');
      for (const i of found.slice(1)) {
        extra.add(i);
        out.push(
          doc.at(
            ptr(names[i] as string),
            terminal === 'success' ? 'DAGC-GRAPH-MANY-SUCCESS' : 'DAGC-GRAPH-MANY-FAIL',
            `${place.label} has ${found.length} ${terminal} steps (${quoted}); a graph has exactly one`,
            `keep "${names[found[0] as number]}" and point the steps that go to "${names[i]}" at it`,
            { part: 'key' },
          ),
        );
      }
    }

    const startAt = str(graph.start_at);
    const start = startAt === undefined ? undefined : index.get(startAt);
    if (startAt !== undefined && start === undefined) {
      const guess = didYouMean(startAt, names);
      out.push(
        doc.at(
          joinPointer(place.pointer, 'start_at'),
          'DAGC-GRAPH-UNKNOWN-START',
          `${place.label} starts at "${startAt}", which is not one of its steps`,
          `${guess ? `did you mean "${guess}"? ` : ''}steps here: ${listNames(names)}`,
        ),
      );
    }

    for (const cycle of cyclesOf(n, next, onFailure)) {
      const last = cycle[cycle.length - 1] as number;
      const first = cycle[0] as number;
      const field = next[last] === first ? 'next' : 'on_failure';
      out.push(
        doc.at(
          joinPointer(ptr(names[last] as string), field),
          'DAGC-GRAPH-CYCLE',
          cycle.length === 1
            ? `step "${names[first]}" goes to itself`
            : `steps ${[...cycle, first].map((i) => `"${names[i]}"`).join(' → ')} form a cycle in ${place.label}`,
          'a pipeline only moves forward: point one of these next/on_failure at a later step',
        ),
      );
    }

    // With a missing or dangling next the reachable set is a guess: fixing that usually answers it.
    if (start !== undefined && !dangling) {
      // Over step indices: the IR (src/ir/routes.ts `reachable`) does not exist yet at this point.
      const edge = (to: number) => (to >= 0 ? to : undefined);
      const seen = reachableFrom([start], (i) => [edge(next[i] as number), edge(onFailure[i] as number)]);
      for (let i = 0; i < n; i++) {
        // A failure without on_failure goes to the fail step, so it is always reachable in effect; an extra
        // success or fail step is already an error.
        if (seen.has(i) || extra.has(i) || fails[0] === i) continue;
        out.push(
          doc.at(
            ptr(names[i] as string),
            'DAGC-GRAPH-UNREACHABLE',
            `step "${names[i]}" is never reached from start_at "${startAt}"`,
            'point a next or on_failure at it, or remove it',
            { part: 'key', severity: 'warning' },
          ),
        );
      }
    }
  };

  const checkName = (name: string, pointer: () => string, what: 'step' | 'branch') => {
    for (const [char, why] of [
      ['.', 'dots separate the parts of internal names (step.branch.step)'],
      ['%', '"%" stands for a space when names are passed on command lines'],
      // A NUL cannot be part of a process argument or an environment variable: the step could never start.
      ['\u0000', 'a NUL byte cannot be passed to a process (names are arguments of dagc exec)'],
    ] as const)
      if (name.includes(char))
        out.push(
          doc.at(
            pointer(),
            'DAGC-NODE-NAME',
            `${what} name "${name.split('\u0000').join('\\0')}" contains "${char === '\u0000' ? '\\0' : char}"`,
            `rename it without "${char === '\u0000' ? '\\0' : char}": ${why} (magnus-spec.md §1.2)`,
            { part: 'key' },
          ),
        );
  };

  // Catalog patterns are relative to the compute data folder: one that is absolute or climbs out with `..` would
  // read or write outside it (and outside the project); the catalog refused it only when the step ran (issue 19).
  const checkCatalogPatterns = (name: string, catalog: Data, pointer: string) => {
    for (const stage of ['get', 'put'] as const) {
      const list = catalog[stage];
      if (!Array.isArray(list)) continue;
      list.forEach((pattern, i) => {
        if (typeof pattern !== 'string') return;
        const absolute = pattern.startsWith('/') || pattern.startsWith('\\') || /^[A-Za-z]:/.test(pattern);
        const climbs = pattern.split(/[/\\]/).includes('..');
        if (!absolute && !climbs) return;
        out.push(
          doc.at(
            joinPointer(joinPointer(pointer, stage), String(i)),
            'DAGC-CATALOG-PATTERN',
            `catalog ${stage} pattern "${pattern}" of step "${name}" ${absolute ? 'is an absolute path' : 'climbs out with ".."'}`,
            'write it relative to the compute data folder (e.g. "prepared/*.csv"): the catalog only moves files inside that folder',
          ),
        );
      });
    }
  };

  const checkStep = (name: string, step: Data, pointer: string, scope: readonly MapScope[]) => {
    const type = str(step.type);
    if (type === 'task') checkCommand(name, step, pointer);
    if (isObject(step.catalog)) checkCatalogPatterns(name, step.catalog, joinPointer(pointer, 'catalog'));
    checkOverrides(name, step, () => pointer);
    if (type === 'parallel' && isObject(step.branches)) {
      for (const [branch, graph] of Object.entries(step.branches)) {
        const bp = joinPointer(joinPointer(pointer, 'branches'), branch);
        checkName(branch, () => bp, 'branch');
        if (isObject(graph))
          checkGraph(graph, { pointer: bp, label: `branch "${branch}" of step "${name}"` }, scope);
      }
    }
    if (type === 'map') {
      const inner = checkMap(name, step, pointer, scope);
      if (isObject(step.branch))
        checkGraph(
          step.branch,
          { pointer: joinPointer(pointer, 'branch'), label: `the branch of map step "${name}"` },
          inner,
        );
    }
    if (type === 'dag') {
      const ref = str(step.dag_definition);
      if (ref !== undefined && ref !== '')
        uses.push({ ref, pointer: joinPointer(pointer, 'dag_definition'), step: name, maps: scope });
    }
  };

  const checkCommand = (name: string, step: Data, pointer: string) => {
    const command = str(step.command);
    if (command === undefined || command === '') return;
    const commandType = step.command_type ?? 'python';
    const at = joinPointer(pointer, 'command');
    // The command reaches the child as an argument (bash -c) or a file: a NUL byte in it makes the spawn throw.
    if (command.includes('\u0000'))
      out.push(
        doc.at(
          at,
          'DAGC-TASK-COMMAND-NUL',
          `the command of step "${name}" contains a NUL byte (\\0)`,
          'remove it: no process can take a NUL byte in its arguments or environment (a stray "\\0" escape in a double-quoted YAML string writes one)',
        ),
      );
    if (commandType === 'python' && !PYTHON_FUNCTION.test(command))
      out.push(
        doc.at(
          at,
          'DAGC-TASK-PYTHON-COMMAND',
          `the command of python step "${name}" must be module.function, not "${shorten(command)}"`,
          'name the function to call, e.g. "my_package.train.fit"; for a shell command add "command_type: shell"',
        ),
      );
    if (commandType === 'python-lambda') {
      if (!/^\s*lambda\b/.test(command))
        out.push(
          doc.at(
            at,
            'DAGC-TASK-LAMBDA-COMMAND',
            `the command of python-lambda step "${name}" is not a lambda expression`,
            'write it as a lambda, e.g. "lambda x: {\'y\': x + 1}"',
          ),
        );
      else if (command.includes('_'))
        out.push(
          doc.at(
            at,
            'DAGC-TASK-LAMBDA-COMMAND',
            `the command of python-lambda step "${name}" contains "_"`,
            'magnus refuses "_" in an eval\'d lambda (it keeps __import__ tricks out); use a python step (module.function) instead',
          ),
        );
    }
    if (commandType === 'notebook' && !command.trimEnd().endsWith('.ipynb'))
      out.push(
        doc.at(
          at,
          'DAGC-TASK-NOTEBOOK-COMMAND',
          `the command of notebook step "${name}" must be a path ending in .ipynb, not "${shorten(command)}"`,
          'give the notebook file, e.g. "notebooks/train.ipynb"',
        ),
      );
  };

  // mode_config / executor_config / overrides name the same thing three ways (magnus 2022, 2023, 0.5);
  // two of them for one executor would leave it unclear which applies.
  const checkOverrides = (name: string, step: Data, pointer: () => string) => {
    if (step.mode_config === undefined && step.executor_config === undefined && step.overrides === undefined)
      return;
    const seen = new Map<string, string>();
    for (const field of ['mode_config', 'executor_config', 'overrides']) {
      const value = step[field];
      if (!isObject(value)) continue;
      for (const executor of Object.keys(value)) {
        const canonical = PROVIDER_ALIASES[executor] ?? executor;
        const first = seen.get(canonical);
        if (first !== undefined)
          out.push(
            doc.at(
              joinPointer(joinPointer(pointer(), field), executor),
              'DAGC-NODE-OVERRIDES-CONFLICT',
              `step "${name}" sets its ${canonical} executor config twice, in ${first} and in ${field}`,
              'keep one: mode_config (magnus 2022), executor_config (2023) and overrides (0.5) are three spellings of the same setting',
              { part: 'key' },
            ),
          );
        else seen.set(canonical, field);
      }
    }
  };

  const checkMap = (
    name: string,
    step: Data,
    pointer: string,
    scope: readonly MapScope[],
  ): readonly MapScope[] => {
    for (const field of ['iterate_on', 'iterate_as'] as const) {
      const value = str(step[field]);
      if (value === undefined || value === '' || IDENTIFIER.test(value)) continue;
      out.push(
        doc.at(
          joinPointer(pointer, field),
          'DAGC-MAP-NAME',
          `${field} of map step "${name}" is "${value}", which is not a usable parameter name`,
          `use letters, digits and "_" only, not starting with a digit: the name becomes a python keyword argument and the environment variable DAGC_PRM_<name>`,
        ),
      );
    }
    const as = str(step.iterate_as);
    if (as === undefined || as === '') return scope;
    const outer = scope.find((s) => s.name === as);
    if (outer)
      out.push(
        doc.at(
          joinPointer(pointer, 'iterate_as'),
          'DAGC-MAP-ITERATE-AS-REUSED',
          `map step "${name}" iterates as "${as}", like the enclosing map step "${outer.step}"`,
          `choose another name: inside both maps "${as}" would have to hold two items at once`,
        ),
      );
    return [...scope, { name: as, step: name }];
  };

  checkGraph(data.dag, { pointer: '/dag', label: 'the dag' }, maps);
  return { diagnostics: out, uses, steps };
}

function shorten(s: string): string {
  const line = s.split('\n')[0] as string;
  return line.length > 60 || s.includes('\n') ? `${line.slice(0, 57)}...` : line;
}

/**
 * Elementary cycles worth reporting, over the steps' next and on_failure edges (-1: none): one per strongly
 * connected component (Tarjan, iterative so a 10,000-step chain does not exhaust the stack), as a shortest
 * cycle from the component's first step in file order, listed in file order.
 */
export function cyclesOf(n: number, next: Int32Array, onFailure: Int32Array): number[][] {
  const out = (v: number, k: number) => (k === 0 ? (next[v] as number) : (onFailure[v] as number));
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack: number[] = [];
  const work: number[] = []; // pairs: node, next edge to look at (0, 1; 2 = done)
  const components: number[][] = [];
  let counter = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    index[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = 1;
    work.push(root, 0);
    while (work.length) {
      const v = work[work.length - 2] as number;
      const k = work[work.length - 1] as number;
      if (k < 2) {
        work[work.length - 1] = k + 1;
        const w = out(v, k);
        if (w < 0) continue;
        if (index[w] === -1) {
          index[w] = low[w] = counter++;
          stack.push(w);
          onStack[w] = 1;
          work.push(w, 0);
        } else if (onStack[w]) low[v] = Math.min(low[v] as number, index[w] as number);
        continue;
      }
      work.length -= 2;
      if (work.length) {
        const parent = work[work.length - 2] as number;
        low[parent] = Math.min(low[parent] as number, low[v] as number);
      }
      if (low[v] === index[v]) {
        const component: number[] = [];
        let w: number;
        do {
          w = stack.pop() as number;
          onStack[w] = 0;
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || next[v] === v || onFailure[v] === v) components.push(component);
      }
    }
  }
  return components
    .map((component) => ({ start: component.reduce((a, b) => Math.min(a, b)), members: new Set(component) }))
    .sort((a, b) => a.start - b.start)
    .map(({ start, members }) => shortestCycle(start, members, out));
}

/** A shortest path from `start` back to itself inside one component (breadth first). */
function shortestCycle(start: number, members: Set<number>, out: (v: number, k: number) => number): number[] {
  const previous = new Map<number, number>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as number;
    for (let k = 0; k < 2; k++) {
      const to = out(node, k);
      if (to < 0 || !members.has(to)) continue;
      if (to === start) {
        const path = [node];
        while (path[path.length - 1] !== start)
          path.push(previous.get(path[path.length - 1] as number) as number);
        return path.reverse();
      }
      if (!previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start];
}

/**
 * Checks the pipeline file's graphs and, through dag_definition, every file it includes (resolved against
 * the working directory as magnus did, else against the including file's folder). Each file's own
 * problems are reported once; problems that depend on where a file is used (map names in scope) are
 * reported per use and deduplicated by the caller.
 */
export async function checkRules(root: SourceFile, options: RulesOptions): Promise<RulesResult> {
  const diagnostics: Diagnostic[] = [];
  const subFiles = new Map<string, SourceFile>();
  const loaded = new Map<string, { file?: SourceFile; diagnostics: Diagnostic[] }>();
  const explored = new Map<string, number>();
  // The pipeline file's folder as named and, where the file is a link, the folder it really lives in: a project
  // whose pipeline is a link (to a shared checkout, as test/hash-vectors links magnus's scenarios) includes the
  // files beside it there.
  const projectRoots = [realpath(options.cwd), realpath(path.dirname(root.abs)), path.dirname(realpath(root.abs))];

  // Each file is read once, and its own problems reported once, however often it is included.
  const load = async (abs: string) => {
    let result = loaded.get(abs);
    if (!result) {
      result = await options.loadFile(abs);
      loaded.set(abs, result);
      diagnostics.push(...result.diagnostics);
    }
    return result;
  };

  /** Returns the number of steps the file expands to (its own plus its sub-dags', once per use). */
  const visit = async (
    file: SourceFile,
    maps: readonly MapScope[],
    stack: readonly string[],
  ): Promise<number> => {
    const memoKey = `${file.abs}\0${maps
      .map((m) => m.name)
      .sort()
      .join(',')}`;
    const memo = explored.get(memoKey);
    if (memo !== undefined) return memo;
    const checked = checkFileGraphs(file.doc, maps);
    diagnostics.push(...checked.diagnostics);
    let total = checked.steps;
    for (const use of checked.uses) {
      const abs = resolveDagDefinition(use.ref, options.cwd, path.dirname(file.abs));
      if (abs === undefined) {
        const looked = [
          ...new Set(
            dagDefinitionCandidates(use.ref, options.cwd, path.dirname(file.abs)).map((c) =>
              displayPath(c, options.cwd),
            ),
          ),
        ];
        diagnostics.push(
          file.doc.at(
            use.pointer,
            'DAGC-DAG-DEFINITION-MISSING',
            `dag step "${use.step}" includes "${use.ref}", which does not exist`,
            `dagc looked for ${looked.join(' and ')} (from the working directory, as magnus did, then from the folder of ${file.doc.file}); check the path`,
          ),
        );
        continue;
      }
      const real = realpath(abs);
      // A file outside the project (neither under the working directory nor under the pipeline file's folder,
      // links resolved) is not read at all, so no diagnostic can quote it (issue 19: /etc/passwd's first line).
      if (!projectRoots.some((r) => real === r || real.startsWith(r.endsWith(path.sep) ? r : r + path.sep))) {
        diagnostics.push(
          file.doc.at(
            use.pointer,
            'DAGC-DAG-DEFINITION-OUTSIDE',
            `dag step "${use.step}" includes "${use.ref}", which is outside the project (the working directory and the pipeline file's folder); it is not read`,
            'keep dag_definition files inside the project, beside the pipeline file or below it',
          ),
        );
        continue;
      }
      if (stack.includes(real)) {
        const chain = [...stack.slice(stack.indexOf(real)), real].map((p) => path.basename(p));
        diagnostics.push(
          file.doc.at(
            use.pointer,
            'DAGC-DAG-DEFINITION-CYCLE',
            `dag step "${use.step}" includes "${use.ref}", which includes this file again (${chain.join(' → ')})`,
            'a pipeline cannot contain itself: remove the dag step or point it at another file',
          ),
        );
        continue;
      }
      const result = await load(abs);
      if (!result.file) continue;
      subFiles.set(`${file.abs}\0${use.ref}`, result.file);
      total += await visit(result.file, use.maps, [...stack, real]);
    }
    explored.set(memoKey, total);
    return total;
  };

  const total = await visit(root, [], [realpath(root.abs)]);
  if (total > MAX_EXPANDED_STEPS)
    diagnostics.push(
      root.doc.at(
        '/dag',
        'DAGC-PIPELINE-TOO-LARGE',
        `the pipeline expands to ${total} steps (dag_definition files count once per use), over the ${MAX_EXPANDED_STEPS} limit`,
        'include big sub-pipelines fewer times, or split the pipeline into several runs',
        { part: 'key' },
      ),
    );
  return { diagnostics, subFiles };
}

/** magnus reads dag_definition relative to the working directory; a path relative to the including file is a fallback. */
export function resolveDagDefinition(ref: string, cwd: string, includingDir: string): string | undefined {
  for (const candidate of dagDefinitionCandidates(ref, cwd, includingDir)) {
    try {
      if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
    } catch {
      // unreadable: try the next place, then report it as missing
    }
  }
  return undefined;
}

function dagDefinitionCandidates(ref: string, cwd: string, includingDir: string): string[] {
  return [path.resolve(cwd, ref), path.resolve(includingDir, ref)];
}

function realpath(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
