// The entrypoint's two ways to its pipeline (issue 16). Fast: the run's built pipeline from the run log store
// (src/runtime/built.ts), when every input the front end would read is byte for byte what it was built from;
// then no YAML parser (beyond js-yaml for the config's run_log_store section, to find the store), no schema
// and no IR building is loaded. Otherwise the files are loaded as before, and the built pipeline is kept for
// the calls after this one (a run created before it was kept gets it from its first such call).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { DagcConfig, ServiceSection } from '../config/types.js';
import { DEFAULT_CONFIG, DEFAULT_SECTIONS } from '../config/types.js';
import type { InputFiles } from '../config/inputs.js';
import type { Pipeline } from '../ir/types.js';
import type { RunLogStore } from '../services/run-log/types.js';
import type { EventSink } from '../runtime/events.js';
import type { BuildInputs } from '../runtime/built.js';
import { BUILT_FORMAT, builtFrom, builtText, contentsOf, fingerprintOf, parseBuilt, sourcePaths, sourcesOf } from '../runtime/built.js';
import { VERSION } from '../version.js';

export function buildInputsOf(files: InputFiles): BuildInputs {
  return {
    version: VERSION,
    cwd: files.cwd,
    pipelineFile: files.pipelineFile,
    configFile: files.configFile,
    varFiles: files.varFiles ?? [],
    magnus: files.magnus,
    env: files.env,
  };
}

/** Raised inside the fast path when the config is not plain enough to find the store without the loader. */
class NotPlain extends Error {}

/**
 * The executor and run log store sections as the config file writes them, read with the fast YAML reader; or
 * undefined when finding them needs the full loader (plugins, variables, a defaults file in the folder, YAML
 * the fast reader gives up on). Finding the wrong store is harmless: the built pipeline found there must match
 * the fingerprint of these very inputs, which only the run that built it from them wrote.
 */
async function plainSections(files: InputFiles): Promise<{ executor: ServiceSection; store: ServiceSection } | undefined> {
  // Synchronous: a few small files, read once per step (issue 16); fs/promises took a thread-pool trip each.
  for (const name of ['dagc-config.yaml', 'magnus-config.yaml']) if (existsSync(path.join(files.cwd, name))) return undefined;
  if (files.configFile === undefined) return { executor: DEFAULT_SECTIONS.executor, store: DEFAULT_SECTIONS.run_log_store };
  let text: string;
  try {
    text = readFileSync(path.resolve(files.cwd, files.configFile), 'utf8');
  } catch {
    return undefined;
  }
  const { parseFast } = await import('../front-end/yaml-fast.js');
  const parsed = parseFast(text, (s) => s, 64);
  if (!parsed) return undefined;
  if (parsed.empty || parsed.data === null) return { executor: DEFAULT_SECTIONS.executor, store: DEFAULT_SECTIONS.run_log_store };
  if (typeof parsed.data !== 'object' || Array.isArray(parsed.data)) return undefined;
  const data = parsed.data as Record<string, unknown>;
  if (data.plugins !== undefined && data.plugins !== null && !(Array.isArray(data.plugins) && data.plugins.length === 0)) return undefined;
  const { toServiceSection } = await import('../config/sections.js');
  const pick = (service: 'executor' | 'run_log_store', keys: string[]): ServiceSection | undefined => {
    const present = keys.filter((k) => data[k] !== undefined);
    if (present.length > 1) throw new NotPlain();
    if (present.length === 0) return undefined;
    const value = data[present[0]!];
    if (!value || typeof value !== 'object' || typeof (value as { type?: unknown }).type !== 'string') throw new NotPlain();
    if (JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)).includes('${')) throw new NotPlain();
    return toServiceSection(service, value as { type: string; config?: unknown });
  };
  try {
    return {
      executor: pick('executor', ['executor', 'mode']) ?? DEFAULT_SECTIONS.executor,
      store: pick('run_log_store', ['run_log_store']) ?? DEFAULT_SECTIONS.run_log_store,
    };
  } catch (error) {
    if (error instanceof NotPlain) return undefined;
    throw error;
  }
}

/** The run's built pipeline and config, when they were built from exactly these inputs; else undefined. */
export async function readBuilt(files: InputFiles, runId: string): Promise<{ pipeline: Pipeline; config: DagcConfig } | undefined> {
  const sections = await plainSections(files);
  if (!sections) return undefined;
  const [{ configureServices }, { createRunLogStore }] = await Promise.all([import('../integrations/configured.js'), import('../services/run-log/index.js')]);
  const config: DagcConfig = { ...DEFAULT_CONFIG, executor: sections.executor, run_log_store: sections.store };
  let store: RunLogStore;
  try {
    store = createRunLogStore(configureServices(config, 'entrypoint').run_log_store, { cwd: files.cwd });
  } catch {
    return undefined; // a section only the full loader makes sense of
  }
  const text = await store.getBuiltPipeline?.(runId).catch(() => undefined);
  if (text === undefined) return undefined;
  const built = parseBuilt(text);
  if (!built) return undefined;
  if (!(await builtFrom(built, buildInputsOf(files)))) return undefined;
  // Built from the same bytes, maybe at another path (built.ts CONFIG_SOURCE): the config names this call's file.
  const named = built.config.file === undefined || files.configFile === undefined ? built.config : { ...built.config, file: files.configFile };
  return { pipeline: built.pipeline, config: named };
}

/**
 * After a call that loaded the files: says when the pipeline changed since the run was created (its dag hash;
 * this call runs the pipeline as the files say now, as it always did), and keeps the built pipeline for the
 * next calls when the run has none and this is the pipeline it was created from.
 */
export async function keepBuilt(store: RunLogStore, runId: string, files: InputFiles, pipeline: Pipeline, config: DagcConfig, events: EventSink): Promise<void> {
  const run = await store.getRun(runId);
  if (run.dag_hash && run.dag_hash !== pipeline.dagHash) {
    events({
      kind: 'warning',
      message: `the pipeline changed since run "${runId}" was created (dag hash ${run.dag_hash} then, ${pipeline.dagHash} now)`,
      hint: 'this step runs as the pipeline file says now; steps are matched by name',
    });
    return;
  }
  if (!store.getBuiltPipeline || !store.putBuiltPipeline) return;
  // One the run has is kept, unless this dagc cannot read it (another version's format).
  const existing = await store.getBuiltPipeline(runId);
  if (existing !== undefined && parseBuilt(existing) !== undefined) return;
  const inputs = buildInputsOf(files);
  const sources = sourcesOf(pipeline, inputs);
  const text = builtText({ format: BUILT_FORMAT, fingerprint: fingerprintOf(inputs, sources), sources, contents: await contentsOf(sourcePaths(sources, inputs)), pipeline, config });
  if (text !== undefined) await store.putBuiltPipeline(runId, text);
}
