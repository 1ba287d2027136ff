// What a step sets, in any language (DESIGN.md §4): parameters through exported `DAGC_PRM_<name>` /
// `MAGNUS_PRM_<name>` or lines in `$DAGC_OUTPUT`; metrics through `DAGC_TRACK_<name>` / `MAGNUS_TRACK_<name>`
// or `$DAGC_METRICS`. Keys are lower-cased: magnus reads `MAGNUS_PRM_X` back as `x` (magnus-spec.md §4.1 step 3,
// quirk §10.5, kept for compatibility), and `MAGNUS_TRACK_<step>_<key>` simply yields `<step>_<key>` (§3.4).
import { parseJson } from '../../core/py-float.js';

export interface Captured {
  parameters: Record<string, unknown>;
  metrics: Record<string, unknown>;
}

/** A step wrote something we cannot read: the attempt fails with this message. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

/**
 * Sets an own property even for a key like `__proto__` (a plain assignment would change the prototype instead:
 * parameter names come from user code).
 */
export function setKey(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** JSON when it parses, the raw string otherwise (magnus: `json.loads` with a raw fallback, §4.1 step 3). */
export function parseValue(raw: string): unknown {
  try {
    return parseJson(raw);
  } catch {
    return raw;
  }
}

// The DAGC_ spelling is listed first so that, when a step changed both spellings of one name, DAGC_ wins.
const PARAMETER_PREFIXES = ['DAGC_PRM_', 'MAGNUS_PRM_'] as const;
const METRIC_PREFIXES = ['DAGC_TRACK_', 'MAGNUS_TRACK_'] as const;

// magnus sets MAGNUS_PRM_MAP_VARIABLE for the map's duration and deletes it before collecting parameters
// (§4.3), so the map variable never becomes a run parameter even if a step rewrote it.
const NEVER_CAPTURED = new Set(['map_variable']);

function changedWithPrefixes(
  prefixes: readonly string[],
  before: Readonly<Record<string, string | undefined>>,
  after: Readonly<Record<string, string | undefined>>,
  skip: ReadonlySet<string>,
): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  for (const prefix of prefixes) {
    for (const [name, value] of Object.entries(after)) {
      if (value === undefined || !name.startsWith(prefix) || name.length === prefix.length) continue;
      // Only what the step changed or added counts: everything we passed in is already in the run log.
      if (before[name] === value) continue;
      const key = name.slice(prefix.length).toLowerCase();
      if (skip.has(key) || Object.hasOwn(found, key)) continue;
      setKey(found, key, parseValue(value));
    }
  }
  return found;
}

/** Parameters and metrics a step set by exporting variables: `after` differs from `before` (what we passed). */
export function captureFromEnv(
  before: Readonly<Record<string, string | undefined>>,
  after: Readonly<Record<string, string | undefined>>,
): Captured {
  return {
    parameters: changedWithPrefixes(PARAMETER_PREFIXES, before, after, NEVER_CAPTURED),
    metrics: changedWithPrefixes(METRIC_PREFIXES, before, after, new Set()),
  };
}

/**
 * Reads `$DAGC_OUTPUT` / `$DAGC_METRICS`: one JSON object, or `$GITHUB_OUTPUT`-style lines, `name=value` or
 * `name<<DELIMITER` … `DELIMITER` for multi-line values. Later lines win. Throws CaptureError on malformed
 * content, naming the file (`label`) and line.
 */
export function parseOutputFile(text: string, label: string): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  if (text.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = parseJson(text);
    } catch (error) {
      throw new CaptureError(`${label} is not a valid JSON object: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new CaptureError(`${label} must hold one JSON object`);
    }
    for (const [key, value] of Object.entries(parsed)) setKey(found, key.toLowerCase(), value);
    return found;
  }
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  if (lines.at(-1) === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (heredoc !== -1 && (eq === -1 || heredoc < eq)) {
      const name = line.slice(0, heredoc).trim();
      const delimiter = line.slice(heredoc + 2);
      if (name === '' || delimiter === '') {
        throw new CaptureError(`${label} line ${i + 1}: expected name<<DELIMITER`);
      }
      const start = i + 1;
      let end = start;
      while (end < lines.length && lines[end] !== delimiter) end++;
      if (end >= lines.length) {
        throw new CaptureError(
          `${label} line ${i + 1}: "${name}<<${delimiter}" is never closed by a "${delimiter}" line`,
        );
      }
      setKey(found, name.toLowerCase(), parseValue(lines.slice(start, end).join('\n')));
      i = end;
      continue;
    }
    const name = eq === -1 ? '' : line.slice(0, eq).trim();
    if (name === '') {
      throw new CaptureError(
        `${label} line ${i + 1}: expected name=value, name<<DELIMITER or one JSON object`,
      );
    }
    setKey(found, name.toLowerCase(), parseValue(line.slice(eq + 1)));
  }
  return found;
}

/** Merges captures in increasing precedence (later wins per key). */
export function mergeCaptured(...layers: readonly Captured[]): Captured {
  const out: Captured = { parameters: {}, metrics: {} };
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer.parameters)) setKey(out.parameters, k, v);
    for (const [k, v] of Object.entries(layer.metrics)) setKey(out.metrics, k, v);
  }
  return out;
}
