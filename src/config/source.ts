// Where a service section was written, so that readers which see only values (the argo and asl config
// readers, the providers) can still report a problem at the key's line:col. Kept beside the values in a
// WeakMap rather than in them: sections are written verbatim into every run log (run_config) and compared
// with toEqual in tests, so they must stay plain data.
import type { Diagnostic, Severity } from '../core/diagnostics.js';
import type { YamlDocument } from '../front-end/load.js';
import { joinPointer } from '../core/pointer.js';
import type { ServiceSection } from './types.js';

interface Source {
  readonly doc: YamlDocument;
  /** The section's pointer in its file, e.g. '/executor' or '/mode'. */
  readonly pointer: string;
}

const sources = new WeakMap<object, Source>();

/** Records that `section` was read from `doc` at `pointer`. */
export function rememberSource(section: ServiceSection, doc: YamlDocument, pointer: string): void {
  sources.set(section, { doc, pointer });
}

export interface ConfigDiagnosticOptions {
  readonly severity?: Severity;
  /** Point at the key rather than its value (an unknown or refused key). */
  readonly part?: 'key' | 'value';
  /** Where to report when the section has no source (a default section): the config file, or ''. */
  readonly fallbackFile?: string;
}

/**
 * A diagnostic at `path` below the section's `config` (e.g. ['schedules'] or ['overrides', 'big', 'image']).
 * A path that is not written (a missing key) falls back to its nearest written parent; a section that was
 * never written (a default) to line 1 of `fallbackFile`.
 */
export function sectionDiagnostic(
  section: ServiceSection,
  path: readonly (string | number)[],
  code: string,
  message: string,
  hint: string | undefined,
  options: ConfigDiagnosticOptions = {},
): Diagnostic {
  const source = sources.get(section);
  if (!source)
    return {
      code,
      severity: options.severity ?? 'error',
      message,
      ...(hint !== undefined ? { hint } : {}),
      file: options.fallbackFile ?? '',
      start: { line: 1, column: 1 },
    };
  const pointer = ['config', ...path].reduce<string>((p, seg) => joinPointer(p, seg), source.pointer);
  return source.doc.at(pointer, code, message, hint, {
    ...(options.severity ? { severity: options.severity } : {}),
    part: options.part ?? 'key',
  });
}
