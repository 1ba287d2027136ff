// A small typed reader over a plain config mapping that collects a Diagnostic per bad value, each naming the
// key by its full path (`executor.config.resources.limits.cpu`), so a config error says where to look even
// though the emitter only sees values, not source positions (the config loader keeps those).
import type { Diagnostic } from '../../core/diagnostics.js';
import { didYouMean } from '../../core/suggest.js';

export type Plain = Readonly<Record<string, unknown>>;

export function isPlain(value: unknown): value is Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export class ConfigReader {
  readonly diagnostics: Diagnostic[] = [];

  constructor(
    /** The config file as the user named it ('' when every section is a default). */
    private readonly file: string,
  ) {}

  error(key: string, message: string, hint?: string): void {
    this.diagnostics.push({
      code: 'DAGC-ARGO-CONFIG',
      severity: 'error',
      message: `${key}: ${message}`,
      hint,
      file: this.file,
      start: { line: 1, column: 1 },
    });
  }

  warn(key: string, message: string, hint?: string): void {
    this.diagnostics.push({
      code: 'DAGC-ARGO-CONFIG',
      severity: 'warning',
      message: `${key}: ${message}`,
      hint,
      file: this.file,
      start: { line: 1, column: 1 },
    });
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
