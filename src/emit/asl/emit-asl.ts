// IR + config → an Amazon States Language state machine (or a CloudFormation template holding it). Pure and
// synchronous (src/emit/types.ts): names from names.ts, states from build-states.ts, then asl-validator and
// the size quota, all reported as diagnostics.
import type { DagcConfig } from '../../config/types.js';
import type { Node, Pipeline } from '../../ir/types.js';
import { ASL_NAME_RULES, assignBackendNames } from '../../ir/names.js';
import { walk } from '../../ir/walk.js';
import type { Diagnostic } from '../../core/diagnostics.js';
import { hasErrors } from '../../core/diagnostics.js';
import { UserError } from '../../core/errors.js';
import { runLogS3Settings } from '../../services/run-log/s3.js';
import type { EmitOptions, EmitResult } from '../types.js';
import type { AslConfig } from './asl-config.js';
import { readAslConfig } from './asl-config.js';
import type { State, StateMachine } from './asl-types.js';
import { ROLE, START_RECORDER, WRAPPER, buildStateMachineStates, isDistributed, statePaths } from './build-states.js';
import type { AslSplitLimits, SplitMachine } from './split.js';
import { DEFAULT_ASL_LIMITS, FIRST_SPLIT, nextSplit, splitMachine, splitStack } from './split.js';
import { DEFINITION_LIMIT, HISTORY_LIMIT, deployedBytes, estimateHistory, historyOfState, indentedBytes, writtenDefinition, writtenStateBytes } from './limits.js';

/** CloudFormation's TemplateBody quota (AWS docs, "CloudFormation quotas"); from S3 a template may be 1 MB. */
export const TEMPLATE_BODY_LIMIT = 51_200;
/** Resources a CloudFormation template may declare (AWS docs, "CloudFormation quotas"). */
export const STACK_RESOURCE_LIMIT = 500;
import { validateDefinition } from './validate-asl.js';
import { bundledWorker, startPartsCheck, startPartsWorker, stopPartsWorker, streamPartsCheck } from './parts-check.js';
import type { PartsWorker } from './parts-check.js';
import { cloudFormationDefinitionBytes, cloudFormationTemplate } from './cloudformation.js';
import type { JobDefinitionRegistry } from './job-definitions.js';
import { createJobDefinitionRegistry } from './job-definitions.js';
import { regenerateFlags } from '../regenerate.js';
import type { SettingsPlace } from './aws-rules.js';
import { awsRules } from './aws-rules.js';

export interface AslEmitMode {
  /** Distributed Maps for maps declared wider than the inline limit (default true). */
  readonly distributedMaps?: boolean;
  /** Skip asl-validator (the benchmark times it separately). */
  readonly skipValidation?: boolean;
  /** asl-validator over a split machine's parts left to `deferred` (EmitOptions.deferChecks). */
  readonly deferValidation?: boolean;
}

export interface AslRendered {
  readonly definition?: StateMachine;
  /** The child machines of a split definition (split.ts); `definition` is then their parent. */
  readonly parts?: readonly StateMachine[];
  /** With `parts`: a JSON text of the parent, then of each part (the written one, else JSON.stringify's). */
  readonly texts?: readonly string[];
  /** The text written for the definition (and, with `parts`, then for each part), where json-text.ts laid it
   * out while measuring it: written as it is, not laid out again. */
  readonly written?: readonly (string | undefined)[];
  /** dot path (or role path) → state name. */
  readonly names: ReadonlyMap<string, string>;
  readonly config?: AslConfig;
  /** The Batch job definitions the CloudFormation wrapper must declare (none without it). */
  readonly jobDefinitions?: JobDefinitionRegistry;
  readonly diagnostics: Diagnostic[];
  /** asl-validator over the parts, when mode.deferValidation left it undone (parts-check.ts). */
  readonly deferred?: () => { finish(): Promise<Diagnostic[]> };
}

export function storeOf(config: DagcConfig, file: string): { store?: { bucket: string; prefix: string }; diagnostics: Diagnostic[] } {
  const section = config.run_log_store;
  if (section.type === 's3') {
    try {
      const s = runLogS3Settings(section.config ?? {});
      return { store: { bucket: s.bucket, prefix: s.prefix }, diagnostics: [] };
    } catch (error) {
      if (!(error instanceof UserError)) throw error;
      return { diagnostics: [{ code: 'DAGC-ASL-STORE', severity: 'error', message: error.message, hint: error.hint, file, start: { line: 1, column: 1 } }] };
    }
  }
  return {
    diagnostics: [
      {
        code: 'DAGC-ASL-STORE',
        severity: 'error',
        message: `the asl target needs run_log_store: {type: s3} (Batch and ECS jobs share no disk), not "${section.type}"`,
        hint: 'add run_log_store: {type: s3, config: {bucket: …, prefix: …}} and catalog: {type: s3, …} to the config',
        file,
        start: { line: 1, column: 1 },
      },
    ],
  };
}

/** From this many nodes a pipeline is likely to split into parts that are validated on two threads. */
export const EARLY_PARTS_WORKER_NODES = 1000;

/** The state machine, its names and the settings it was built with. */
export function renderAsl(ir: Pipeline, config: DagcConfig, options: EmitOptions, mode: AslEmitMode = {}): AslRendered {
  const nodes = [...walk(ir.root)].map((l) => l.node);
  // A pipeline this large is likely to split, and its parts to be validated on two threads (parts-check.ts):
  // the worker is started now, to be ready when the parts are (~0.1 s later otherwise). Unused, it is stopped.
  const early =
    mode.deferValidation === true && !mode.skipValidation && nodes.length >= EARLY_PARTS_WORKER_NODES ? startPartsWorker(bundledWorker()) : undefined;
  let claimed = false;
  try {
    const rendered = renderNodes(ir, nodes, config, options, mode, early);
    claimed = rendered.deferred !== undefined && !hasErrors(rendered.diagnostics);
    return rendered;
  } finally {
    if (!claimed) stopPartsWorker(early);
  }
}

function renderNodes(ir: Pipeline, nodes: Node[], config: DagcConfig, options: EmitOptions, mode: AslEmitMode, early: PartsWorker | undefined): AslRendered {
  const read = readAslConfig(config, { pipelineFile: options.source, defaultTimeout: ir.root.maxTime, nodes });
  const diagnostics = [...read.diagnostics];
  const store = storeOf(config, config.file ?? options.source);
  diagnostics.push(...store.diagnostics);
  if (!read.config || !store.store) return { names: new Map(), diagnostics };

  const aslConfig = read.config;
  const distributedMaps = mode.distributedMaps ?? true;
  const paths = statePaths(ir.root, (node) => isDistributed({ config: aslConfig, distributedMaps }, node));
  const { names, diagnostics: nameDiagnostics } = assignBackendNames(paths, ASL_NAME_RULES, { file: options.source });
  diagnostics.push(...nameDiagnostics);
  if (hasErrors(diagnostics)) return { names, diagnostics };

  const cfn = aslConfig.machine.cloudformation;
  const jobDefinitions = createJobDefinitionRegistry({
    vcpus: aslConfig.global.vcpus,
    memory: aslConfig.global.memory,
    timeoutSeconds: aslConfig.global.timeoutSeconds,
    ...(cfn?.tags ? { tags: cfn.tags } : {}),
    ...(cfn?.platform ? { platform: cfn.platform } : {}),
    ...(cfn?.assignPublicIp !== undefined ? { assignPublicIp: cfn.assignPublicIp } : {}),
  });
  const built = buildStateMachineStates(ir.root, {
    config: aslConfig,
    stateName: (path) => {
      const name = names.get(path);
      if (name === undefined) throw new Error(`no state name for "${path}" (statePaths and buildStateMachineStates disagree)`);
      return name;
    },
    files: options.files,
    store: store.store,
    distributedMaps,
    jobDefinitionOf: (settings) => jobDefinitions.jobDefinitionOf(settings),
  });
  const definition: StateMachine = {
    Comment: `Generated by dagc ${options.dagcVersion} from ${options.source}; dag_hash: ${ir.dagHash}. Do not edit: re-generate with dagc compile ${options.source} --target asl${regenerateFlags(options.files)}.`,
    StartAt: built.startAt,
    States: built.states,
    TimeoutSeconds: aslConfig.machine.timeoutSeconds ?? ir.root.maxTime,
  };
  // Over a quota (the definition's bytes, the history of one execution): child machines (split.ts).
  const limits = aslLimits(config);
  // Each part's text (compactSize's, kept for the stack's files and the deferred check) is made as the part is,
  // and with a worker started early each part is given to it then, to be validated while the rest are made.
  const defer = !mode.skipValidation && mode.deferValidation === true;
  const stream = defer && early !== undefined ? streamPartsCheck(early, options.source) : undefined;
  const partTexts: string[] = [];
  const partWritten: (string | undefined)[] = [];
  const told: StateMachine[] = [];
  const onPart = (part: StateMachine, k: number, written: string | undefined) => {
    if (k !== partTexts.length + 1) throw new Error(`split: part ${k} was made after part ${partTexts.length}`);
    const text = written ?? JSON.stringify(part);
    told.push(part);
    partTexts.push(text);
    partWritten.push(written);
    stream?.add(k, part, text);
  };
  // The whole machine's written text, when split.ts measured it (it fits, or nearly): the file's text.
  let whole: { readonly text: string | undefined; readonly bytes: number } | undefined;
  // In the cloudformation: wrapper the machine is never split (DAGC-ASL-SPLIT): what counts is the Definition
  // object as CloudFormation writes it out (cloudFormationDefinitionBytes).
  // A parent's `${dagcPartK}` are counted as the ARNs CloudFormation puts there (deployedBytes).
  const measure = cfn
    ? (m: StateMachine) => cloudFormationDefinitionBytes(m, jobDefinitions.resources())
    : (m: StateMachine) => {
        if (m === definition) return (whole ??= writtenDefinition(m)).bytes;
        const w = writtenDefinition(m);
        return deployedBytes(w.bytes, w.text ?? JSON.stringify(m));
      };
  const run = names.get(WRAPPER.run) ?? WRAPPER.run;
  let split = splitMachine(definition, run, limits, SPLIT_MAP_WIDTH, onPart, measure);
  // A parent over a limit (it holds a start, a route and an entry per part) is split in turn, and so on up: its
  // parts start the parts below them. Each level's parts are told once it is kept: one that did not make the
  // parent smaller (fewer parts than the level below had) is dropped, and the parent is reported as it is.
  for (let level = FIRST_SPLIT, below = split?.parts.length ?? 0; split !== undefined; ) {
    level = nextSplit(level, split.parts.length);
    const made: [StateMachine, number, string | undefined][] = [];
    const above: SplitMachine | undefined = splitMachine(split.parent, run, limits, SPLIT_MAP_WIDTH, (part, k, text) => made.push([part, k, text]), measure, level);
    if (above === undefined || above.parts.length >= below) break;
    for (const [part, k, text] of made) onPart(part, k, text);
    below = above.parts.length;
    split = { parent: above.parent, parts: [...split.parts, ...above.parts] };
  }
  if (!mode.skipValidation && !split) diagnostics.push(...validateDefinition(definition, options.source));
  const places: SettingsPlace[] = [{ settings: aslConfig.global, key: [] }];
  for (const node of nodes) {
    const settings = aslConfig.forNode(node);
    if (settings !== aslConfig.global)
      places.push({ settings, key: [], node: { name: node.internalName, file: node.source.file, line: node.source.start.line, column: node.source.start.column } });
  }
  diagnostics.push(...awsRules(config, aslConfig, definition, places, config.file ?? options.source));
  if (split) {
    const where = firstStep(ir, options.source);
    if (cfn)
      diagnostics.push({ code: 'DAGC-ASL-SPLIT', severity: 'error', message: `the state machine is split into ${split.parts.length} child machines, which the cloudformation: wrapper does not declare yet`, hint: 'drop executor.config.cloudformation: the split writes the definitions and a stack that wires them', ...where });
    // A part over a limit points at the step whose state is the largest in it (by bytes, or by history events).
    const culprits = limitCulprits(ir, names, options.source);
    const all = [split.parent, ...split.parts];
    // The stack that wires them (split.ts splitStack) declares one resource per machine.
    if (all.length > STACK_RESOURCE_LIMIT)
      diagnostics.push({
        code: 'DAGC-ASL-STACK-RESOURCES',
        severity: 'warning',
        message: `the machine is split into ${split.parts.length} child machines, and the stack that wires them declares ${all.length} state machines; a CloudFormation template declares at most ${STACK_RESOURCE_LIMIT} resources`,
        hint: 'raise executor.config.limits (fewer, larger parts), or split the pipeline into sub-pipelines deployed apart',
        ...where,
      });
    // split.ts told every part as it made it; the parent is checked last.
    if (told.length !== split.parts.length || told.some((p, i) => p !== split.parts[i])) throw new Error('split: the parts it told are not the parts it returned');
    const parentWritten = writtenDefinition(split.parent);
    const written = [parentWritten.text, ...partWritten];
    const texts = [parentWritten.text ?? JSON.stringify(split.parent), ...partTexts];
    stream?.add(0, split.parent, texts[0]!);
    for (const [i, part] of all.entries()) {
      if (!mode.skipValidation && !defer) diagnostics.push(...validateDefinition(part, options.source));
      const bytes = deployedBytes(i === 0 ? parentWritten.bytes : writtenBytes(part, written[i]), texts[i]!);
      const events = estimateHistory(part, { mapWidth: SPLIT_MAP_WIDTH }).events;
      const byBytes = () => culprits.of(part, run, 'bytes');
      const byEvents = () => culprits.of(part, run, 'events');
      if (bytes > DEFINITION_LIMIT) {
        const c = byBytes();
        diagnostics.push({ code: 'DAGC-ASL-TOO-LARGE', severity: 'error', message: `${i ? `part ${i}` : 'the parent machine'} is ${bytes.toLocaleString('en-US')} bytes even split${c.note}; Step Functions accepts at most ${DEFINITION_LIMIT.toLocaleString('en-US')}`, hint: c.note || i ? 'one state is too large alone: move repeated steps into a map or a sub-pipeline' : PARENT_HINT, ...c.where });
      }
      // Within Step Functions' quotas but over the lower limits the config asks for: said, not refused.
      const what = i ? `part ${i}` : 'the parent machine';
      if (bytes <= DEFINITION_LIMIT && bytes > limits.definitionBytes) {
        const c = byBytes();
        diagnostics.push({ code: 'DAGC-ASL-OVER-LIMIT', severity: 'warning', message: `${what} is ${bytes.toLocaleString('en-US')} bytes even split${c.note}, over executor.config.limits.definition_bytes (${limits.definitionBytes.toLocaleString('en-US')}); Step Functions accepts it`, hint: c.note || i ? 'one state is larger than the limit alone: raise the limit, or move repeated steps into a map or a sub-pipeline' : PARENT_HINT, ...c.where });
      }
      if (events <= HISTORY_LIMIT && events > limits.historyEvents) {
        const c = byEvents();
        diagnostics.push({ code: 'DAGC-ASL-OVER-LIMIT', severity: 'warning', message: `${what} may write ${events.toLocaleString('en-US')} history events even split${c.note}, over executor.config.limits.history_events (${limits.historyEvents.toLocaleString('en-US')}); Step Functions accepts it`, hint: 'one state is larger than the limit alone: raise the limit, or move repeated steps into a map or a sub-pipeline', ...c.where });
      }
      if (events > HISTORY_LIMIT) {
        const c = byEvents();
        diagnostics.push({ code: 'DAGC-ASL-HISTORY', severity: 'error', message: `${i ? `part ${i}` : 'the parent machine'} may write ${events.toLocaleString('en-US')} history events even split${c.note} (maps ${SPLIT_MAP_WIDTH} wide, every retry used); an execution holds at most ${HISTORY_LIMIT.toLocaleString('en-US')}`, hint: 'one state is too large alone: move repeated steps into a map or a sub-pipeline', ...c.where });
      }
    }
    const deferred = stream
      ? () => ({ finish: async () => (await stream.finish()).diagnostics })
      : defer
        ? () => {
            const check = startPartsCheck(all, texts, options.source, { worker: bundledWorker(), prepared: early });
            return { finish: async () => (await check.finish()).diagnostics };
          }
        : undefined;
    return { definition: split.parent, parts: split.parts, texts, written, names, config: aslConfig, jobDefinitions, diagnostics, ...(deferred ? { deferred } : {}) };
  }
  // Not split: it fits, or it cannot be split (then it is over the quota, as written). In the cloudformation:
  // wrapper it is the `Definition` object, which CloudFormation writes out as Jackson's pretty printer does, with
  // the job definitions' ARNs put in (cloudformation.ts): that text is the one Step Functions counts.
  const size = whole ?? writtenDefinition(definition);
  const counted = cfn ? cloudFormationDefinitionBytes(definition, jobDefinitions.resources()) : size.bytes;
  if (counted > DEFINITION_LIMIT) {
    const c = limitCulprits(ir, names, options.source).of(definition, names.get(WRAPPER.run) ?? WRAPPER.run, 'bytes');
    diagnostics.push({
      code: 'DAGC-ASL-TOO-LARGE',
      severity: 'error',
      message: `the state machine is ${counted.toLocaleString('en-US')} bytes ${cfn ? 'as CloudFormation passes it on' : 'as written'} (UTF-8)${c.note}; Step Functions accepts at most ${DEFINITION_LIMIT.toLocaleString('en-US')}`,
      hint: cfn
        ? 'drop executor.config.cloudformation (a machine over the quota is then split into child machines), or split the pipeline into sub-pipelines'
        : 'split the pipeline into sub-pipelines, or move repeated steps into a map; `dagc check --target asl` shows the budget',
      ...c.where,
    });
  }
  return { definition, written: [size.text], names, config: aslConfig, jobDefinitions, diagnostics };
}

/** What to do about a parent machine over a limit with no step's state in it: its size is the number of parts. */
const PARENT_HINT = 'the parent holds a start and a route for each part: raise executor.config.limits (fewer, larger parts), or split the pipeline into sub-pipelines';

/** The text a compiled file is written as, where json-text.ts laid it out already (OutputFile's `text`). */
const laidOut = (text: string | undefined): { text?: string } => (text !== undefined ? { text } : {});

/** A definition's bytes as written: its text's, else an upper bound (where prettier lays it out). */
const writtenBytes = (definition: unknown, text: string | undefined) =>
  text !== undefined ? Buffer.byteLength(text, 'utf8') : indentedBytes(definition, 0) + 1;

/** What counts against the definition quota for a machine compiled to `text` (AslRendered.written; undefined:
 * prettier lays it out): its bytes as written, with the parts' ARNs in. */
export function machineBytes(definition: unknown, text: string | undefined): number {
  return deployedBytes(writtenBytes(definition, text), text ?? JSON.stringify(definition));
}

/** Items per map assumed when deciding a split by history events (the budget of `dagc check` takes --map-width). */
const SPLIT_MAP_WIDTH = 10;

/** executor.config.limits (types checked by the config's schema), else Step Functions' quotas. */
export function aslLimits(config: DagcConfig): AslSplitLimits {
  const raw = (config.executor.config as Record<string, unknown> | undefined)?.limits as { definition_bytes?: number; history_events?: number } | undefined;
  return {
    definitionBytes: raw?.definition_bytes ?? DEFAULT_ASL_LIMITS.definitionBytes,
    historyEvents: raw?.history_events ?? DEFAULT_ASL_LIMITS.historyEvents,
  };
}

type Place = { file: string; start: { line: number; column: number }; pointer?: string };

/** Where a step is written; the position is looked up only when a diagnostic is made of it (a re-parse). */
function stepPlace(node: Node): Place {
  return {
    file: node.source.file,
    get start() {
      return node.source.start;
    },
    pointer: node.source.pointer,
  };
}

/** The step a limit diagnostic points at, and what its message says about it (`note`, after the total). */
interface Culprit {
  readonly where: Place;
  readonly note: string;
}

/**
 * Which step is responsible for a machine over a limit: its state with the most bytes (as written, as split.ts
 * counts them) or the most history events (limits.ts counts each state's events on its own, and a
 * machine's are their sum plus 2), among the pipeline's own states (the branch of dagc.run in a parent or a
 * whole machine; a part's own states in a child). A state maps back to its step through `names` (dot path →
 * state name): a node's state, or a role state (`<path>.<role>`) of it. States dagc adds alone (the wrapper,
 * dagc.cause and dagc.abort, a part's entry Choice and exits, the parent's context, routes and the Tasks that
 * start the children) are skipped: the parent of a split holds only those unless a wide Parallel stayed in it,
 * and its size is the number of parts (one start Task each, all alike), which no one step is responsible for.
 * No state of a step: the pipeline's first step, as before.
 */
function limitCulprits(ir: Pipeline, names: ReadonlyMap<string, string>, source: string) {
  let stepOfState: Map<string, Node> | undefined;
  const stepOf = (state: string): Node | undefined => {
    if (!stepOfState) {
      stepOfState = new Map();
      const byPath = new Map([...walk(ir.root)].map((l) => [l.node.internalName, l.node]));
      const roles = new Set<string>(Object.values(ROLE));
      const dagcOnly = new Set<string>([...Object.values(WRAPPER), START_RECORDER]);
      for (const [path, name] of names) {
        if (dagcOnly.has(path) || /(^|\.)dagc\.(abort|cause)$/.test(path)) continue;
        let node = byPath.get(path);
        const dot = path.lastIndexOf('.');
        if (!node && dot > 0 && roles.has(path.slice(dot + 1))) node = byPath.get(path.slice(0, dot));
        if (node) stepOfState.set(name, node);
      }
    }
    return stepOfState.get(state);
  };
  const measures = {
    bytes: (name: string, state: State) => writtenStateBytes(name, state),
    events: (_name: string, state: State) => historyOfState(state, { mapWidth: SPLIT_MAP_WIDTH }),
  };
  const unit = { bytes: (n: number) => `is ${n.toLocaleString('en-US')} bytes`, events: (n: number) => `may write ${n.toLocaleString('en-US')}` };
  return {
    of(machine: StateMachine, run: string, by: 'bytes' | 'events'): Culprit {
      const holder = machine.States[run];
      const states = holder?.Type === 'Parallel' && holder.Branches.length === 1 ? holder.Branches[0]!.States : machine.States;
      const ranked = Object.entries(states)
        .map(([name, state], order) => ({ name, order, amount: measures[by](name, state) }))
        .sort((a, b) => b.amount - a.amount || a.order - b.order);
      for (const [rank, { name, amount }] of ranked.entries()) {
        const node = stepOf(name);
        if (!node) continue;
        const which = rank === 0 ? 'its largest state, step' : 'the largest state of a step in it,';
        return { where: stepPlace(node), note: ` (${which} "${node.name}", ${unit[by](amount)})` };
      }
      return { where: firstStep(ir, source), note: '' };
    },
  };
}

/** Where a limit error points when no state is a step's: the pipeline's first step. */
function firstStep(ir: Pipeline, source: string): { file: string; start: { line: number; column: number }; pointer?: string } {
  const first = ir.root.nodes.find((n) => n.name === ir.root.startAt);
  if (!first) return { file: source, start: { line: 1, column: 1 } };
  // Looked up only when an error is reported: the position re-parses the pipeline (a second on 2,000 steps).
  return {
    file: first.source.file,
    get start() {
      return first.source.start;
    },
    pointer: first.source.pointer,
  };
}

export function emitAsl(ir: Pipeline, config: DagcConfig, options: EmitOptions): EmitResult {
  const rendered = renderAsl(ir, config, options, { deferValidation: options.deferChecks === true });
  if (!rendered.definition || !rendered.config || hasErrors(rendered.diagnostics)) return { files: [], diagnostics: rendered.diagnostics };
  if (rendered.parts) {
    // A split machine: the parent, its parts, and the stack that creates them and gives the parent their ARNs.
    const stem = options.outputName.replace(/(\.asl)?\.json$/i, '');
    const partFile = (k: number) => `${stem}.part-${k}.asl.json`;
    return {
      files: [
        { path: options.outputName, format: 'json', body: rendered.definition, ...laidOut(rendered.written?.[0]) },
        ...rendered.parts.map((p, i) => ({ path: partFile(i + 1), format: 'json' as const, body: p, ...laidOut(rendered.written?.[i + 1]) })),
        { path: `${stem}.stack.json`, format: 'json', body: splitStack(ir.dagHash, [options.outputName, ...rendered.parts.map((_, i) => partFile(i + 1))], rendered.texts!) },
      ],
      diagnostics: rendered.diagnostics,
      ...(rendered.deferred ? { deferred: rendered.deferred } : {}),
    };
  }
  const cfn = rendered.config.machine.cloudformation;
  const body = cfn ? cloudFormationTemplate(rendered.definition, cfn, ir.dagHash, rendered.jobDefinitions?.resources() ?? {}) : rendered.definition;
  const diagnostics = [...rendered.diagnostics];
  // `aws cloudformation deploy` sends the template file as it is written.
  const template = cfn ? writtenDefinition(body) : undefined;
  const templateBytes = template?.bytes ?? 0;
  if (templateBytes > TEMPLATE_BODY_LIMIT)
    diagnostics.push({
      code: 'DAGC-ASL-TEMPLATE-SIZE',
      severity: 'warning',
      message: `the CloudFormation template is ${templateBytes.toLocaleString('en-US')} bytes; a template passed inline (TemplateBody) may have at most ${TEMPLATE_BODY_LIMIT.toLocaleString('en-US')}`,
      hint: 'deploy it from S3: aws cloudformation deploy --s3-bucket BUCKET … (or create-stack --template-url), which takes up to 1 MB',
      file: options.source,
      start: { line: 1, column: 1 },
    });
  return { files: [{ path: options.outputName, format: 'json', body, ...laidOut(template ? template.text : rendered.written?.[0]) }], diagnostics };
}
