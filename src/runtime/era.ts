// What the magnus era (config/magnus-era.ts) changes while a node executes: how a step's captured output is
// catalogued, what a 0.5 `get` leaves out, and the hint when a put/get would have matched under the other era's
// compute data folder ("." in 0.5, "data" before): the usual sign that a pipeline runs under the wrong era.
import { stat } from '../core/fs-async.js';
import path from 'node:path';
import type { MagnusEra } from '../config/magnus-era.js';
import type { DataCatalogEntry } from '../services/run-log/types.js';
import type { RunContext } from './context.js';

// tinyglobby (~100 KB with picomatch) is loaded when a pattern is first matched, not by every `dagc exec`
// that never matches one (issue 16: the entrypoint loads only what its step needs).
const loadGlob = async () => (await import('tinyglobby')).glob;

export function eraOf(ctx: RunContext): MagnusEra | undefined {
  return ctx.config.magnusEra?.era;
}

/**
 * magnus 2022 catalogued no captured output (spec §5); 2023 did for python, shell and notebook tasks (its
 * output_to_file), not python-lambda; 0.5 has no python-lambda. dagc catalogues every task's.
 */
export function catalogsOutput(ctx: RunContext, commandType: string): boolean {
  const era = eraOf(ctx);
  return era !== '2022' && !(era === '2023' && commandType === 'python-lambda');
}

/**
 * 0.5 names a captured output `<step>.execution.log` and then `_<map value>` per enclosing map (a452f9c
 * tasks.py output_to_file); 2023 and dagc `<step>[_<map value>…]`. `base` is the name before the map values.
 */
export function outputNameForEra(era: MagnusEra | undefined, base: string, mapValues: readonly unknown[]): string {
  const values = mapValues.map((v) => `_${String(v)}`.replace(/ /g, '_').replace(/[/\\]/g, '_')).join('');
  return era === '0.5' ? `${base}.execution.log${values}` : `${base}${values}`;
}

/** A stub's catalog get/put: magnus 2022 synced it, 2023 (f81dcf8 forces `catalog: {}`) and 0.5 do not; dagc does. */
export function stubSyncsCatalog(ctx: RunContext): boolean {
  const era = eraOf(ctx);
  return era !== '2023' && era !== '0.5';
}

/** 0.5's file-system catalog `get` skips captured outputs (names ending in `.execution.log`). */
export function keepGotEntry(ctx: RunContext, entry: DataCatalogEntry): boolean {
  return !(eraOf(ctx) === '0.5' && entry.name.endsWith('.execution.log'));
}

const OTHER_FOLDER: Readonly<Record<string, string>> = { '.': 'data', data: '.' };

async function isDirectory(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

async function matches(folder: string, pattern: string): Promise<string[]> {
  if (!(await isDirectory(folder))) return [];
  return (await (await loadGlob())(pattern, { cwd: folder, onlyFiles: true, dot: true, expandDirectories: false, braceExpansion: false, extglob: false })).sort();
}

function eraAdvice(ctx: RunContext, other: string): string {
  const era = other === '.' ? 'magnus 0.5 (compute_data_folder ".")' : 'magnus 2022–23 (compute_data_folder "data")';
  const now = ctx.config.magnusEra ? ` (the era now is ${ctx.config.magnusEra.era}, from ${ctx.config.magnusEra.because})` : '';
  return `this pipeline looks written for ${era}${now}: run it with --magnus ${other === '.' ? '0.5' : '0.4'}, or set catalog.config.compute_data_folder`;
}

/**
 * For a put that matched nothing in `folder` (relative to where the step ran): the files it would have matched
 * under the other era's folder, as a warning text, or undefined.
 */
export async function putElsewhereHint(ctx: RunContext, stepDir: string, folder: string, pattern: string): Promise<string | undefined> {
  const other = OTHER_FOLDER[path.posix.normalize(folder)];
  if (other === undefined) return undefined;
  if ((await matches(path.resolve(stepDir, folder), pattern)).length > 0) return undefined;
  const found = await matches(path.resolve(stepDir, other), pattern);
  if (found.length === 0) return undefined;
  return `catalog put "${pattern}" matched nothing under compute_data_folder "${folder}", but would match ${found.slice(0, 3).join(', ')}${found.length > 3 ? ', …' : ''} under "${other}": ${eraAdvice(ctx, other)}`;
}

/** For a get that failed in `folder`: what it would have found under the other era's folder in the run's catalog. */
export async function getElsewhereHint(ctx: RunContext, folder: string, pattern: string): Promise<string | undefined> {
  const other = OTHER_FOLDER[path.posix.normalize(folder)];
  if (other === undefined || ctx.catalog.name !== 'file-system') return undefined;
  const runCatalog = path.resolve(ctx.cwd, ctx.catalog.location, ctx.runId);
  const found = await matches(path.join(runCatalog, other), pattern);
  if (found.length === 0) return undefined;
  return `under compute_data_folder "${other}" it would get ${found.slice(0, 3).join(', ')}${found.length > 3 ? ', …' : ''}: ${eraAdvice(ctx, other)}`;
}
