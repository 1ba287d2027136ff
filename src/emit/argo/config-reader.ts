// A small typed reader over a plain config mapping that collects a Diagnostic per bad value, each naming the
// key by its full path (`executor.config.resources.limits.cpu`) and, for the config file's own section, at
// that key's line:col (src/config/source.ts keeps the positions). The config file's keys and types are
// checked by schemas/config.schema.json before this runs; what is left here are the rules a schema cannot
// say (which keys go together) and a 2022-style `mode_config: {argo: {...}}` written in the pipeline, which
// the config schema never sees (reported at its node).
import type { Diagnostic, Severity } from '../../core/diagnostics.js';
import { didYouMean } from '../../core/suggest.js';
import type { ServiceSection } from '../../config/types.js';
import { sectionDiagnostic } from '../../config/source.js';

/** 'executor.config.persistent_volumes[1].name' → ['persistent_volumes', 1, 'name'] (below the section's config). */
function configPath(key: string): (string | number)[] | undefined {
  const prefix = 'executor.config';
  if (key !== prefix && !key.startsWith(`${prefix}.`)) return undefined;
  const out: (string | number)[] = [];
  for (const part of key.slice(prefix.length + 1).split('.')) {
    if (!part) continue;
    const m = /^([^[]*)((\[\d+\])*)$/.exec(part);
    if (!m) return undefined;
    if (m[1]) out.push(m[1]);
    for (const index of m[2]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

export type Plain = Readonly<Record<string, unknown>>;

export function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class ConfigReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    /** The config file as the user named it ('' when every section is a default). */
    private readonly file: string,
    /** The executor section being read, when it came from a file: diagnostics go to its keys. */
    private readonly section?: ServiceSection,
  ) {}

  private push(severity: Severity, key: string, message: string, hint: string | undefined): void {
    const path = this.section ? configPath(key) : undefined;
    this.diagnostics.push(
      this.section && path
        ? sectionDiagnostic(this.section, path, 'DAGC-ARGO-CONFIG', `${key}: ${message}`, hint, { severity, fallbackFile: this.file })
        : { code: 'DAGC-ARGO-CONFIG', severity, message: `${key}: ${message}`, hint, file: this.file, start: { line: 1, column: 1 } },
    );
  }

  error(key: string, message: string, hint?: string): void {
    this.push('error', key, message, hint);
  }

  warn(key: string, message: string, hint?: string): void {
    this.push('warning', key, message, hint);
  }

  /** Unknown keys are errors (magnus 0.5 forbade extra keys too), with the closest known key as a hint. */
  checkKeys(section: Plain, known: readonly string[], path: string): void {
    for (const key of Object.keys(section)) {
      if (known.includes(key)) continue;
      const guess = didYouMean(key, known);
      this.error(`${path}.${key}`, 'is not a setting of the argo executor', guess ? `did you mean "${guess}"?` : `known settings: ${known.join(', ')}`);
    }
  }

  string(section: Plain, key: string, path: string): string | undefined {
    const v = section[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    this.error(`${path}.${key}`, `must be a string, not ${describe(v)}`);
    return undefined;
  }

  positiveInt(section: Plain, key: string, path: string): number | undefined {
    const v = section[key];
    if (v === undefined || v === null) return undefined;
    const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && n > 0) return n;
    this.error(`${path}.${key}`, `must be a whole number greater than 0, not ${describe(v)}`);
    return undefined;
  }

  boolean(section: Plain, key: string, path: string): boolean | undefined {
    const v = section[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 'true' || v === 'false') return v === 'true';
    this.error(`${path}.${key}`, `must be true or false, not ${describe(v)}`);
    return undefined;
  }

  mapping(section: Plain, key: string, path: string): Plain | undefined {
    const v = section[key];
    if (v === undefined || v === null) return undefined;
    if (isPlain(v)) return v;
    this.error(`${path}.${key}`, `must be a mapping, not ${describe(v)}`);
    return undefined;
  }

  /** A mapping of strings to strings (labels, annotations, node selectors); numbers and booleans are stringified. */
  stringMap(section: Plain, key: string, path: string): Record<string, string> | undefined {
    const m = this.mapping(section, key, path);
    if (!m) return undefined;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      else this.error(`${path}.${key}.${k}`, `must be a string, not ${describe(v)}`);
    }
    return out;
  }

  list(section: Plain, key: string, path: string): readonly unknown[] | undefined {
    const v = section[key];
    if (v === undefined || v === null) return undefined;
    if (Array.isArray(v)) return v;
    this.error(`${path}.${key}`, `must be a list, not ${describe(v)}`);
    return undefined;
  }

  oneOf<T extends string>(section: Plain, key: string, path: string, allowed: readonly T[]): T | undefined {
    const v = this.string(section, key, path);
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    const guess = didYouMean(v, allowed);
    this.error(`${path}.${key}`, `must be one of ${allowed.join(', ')}, not "${v}"`, guess ? `did you mean "${guess}"?` : undefined);
    return undefined;
  }
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `"${v}"`;
  return String(v);
}
