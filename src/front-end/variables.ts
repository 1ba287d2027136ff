// Variables for `$name` / `${name}` placeholders (magnus-spec.md §1.8). Two historical sources, both kept:
// the 2022 `--var-file` YAML mappings, and the 49937f7+ `MAGNUS_VAR_<name>` environment variables (plus our
// `DAGC_VAR_<name>`). Substitution is Python's `string.Template.safe_substitute`, quirks included, because it
// runs before the dag hash (§3.9) and magnus users' files must hash the same.
import { readFile } from '../core/fs-async.js';
import path from 'node:path';
import { LineCounter, isAlias, isMap, isScalar, parseDocument } from 'yaml';
import type { Node as YamlNode } from 'yaml';
import type { Diagnostic, Severity } from '../core/diagnostics.js';
import { fileDiagnostic } from '../core/diagnostics.js';
import { pythonFloatRepr } from './hash.js';

const ENV_PREFIXES = ['MAGNUS_VAR_', 'DAGC_VAR_'] as const;

/**
 * Python 3.11 `string.Template.pattern` (delimiter `$`, idpattern `(?a:[_a-z][_a-z0-9]*)` with IGNORECASE,
 * i.e. ASCII letters of either case). Alternatives in Python's order: escaped `$$`, named, braced, invalid
 * (a lone `$`, matched empty so scanning resumes right after it).
 */
const TEMPLATE_PATTERN = /\$(?:(\$)|([_a-zA-Z][_a-zA-Z0-9]*)|\{([_a-zA-Z][_a-zA-Z0-9]*)\}|())/g;

/** A name that a placeholder can refer to; anything else can be defined but never used. */
const IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

/**
 * Python `string.Template(text).safe_substitute(**variables)`: `$$` → `$` always (quirk §10.6, kept because
 * it changes the hash), known names replaced, unknown names and stray `$` left as written. Replacements are
 * not rescanned.
 */
export function substitute(text: string, variables: Readonly<Record<string, string>>): string {
  if (!text.includes('$')) return text;
  return text.replace(TEMPLATE_PATTERN, (match, escaped?: string, named?: string, braced?: string) => {
    const name = named ?? braced;
    if (name !== undefined) return Object.hasOwn(variables, name) ? (variables[name] as string) : match;
    if (escaped !== undefined) return '$';
    return match;
  });
}

/**
 * Gathers the variables: entries of the var files (later files win), then `MAGNUS_VAR_*`, then `DAGC_VAR_*`
 * from the environment (env wins over files; DAGC over MAGNUS). Never throws on bad input: problems come
 * back as diagnostics.
 */
export async function loadVariables(
  env: Readonly<Record<string, string | undefined>>,
  varFiles: readonly string[],
  cwd: string,
): Promise<{ variables: Record<string, string>; diagnostics: Diagnostic[] }> {
  // A Map, turned into an object at the end with Object.fromEntries, so a name like `__proto__` is an
  // ordinary own property and never touches the prototype.
  const variables = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const file of varFiles) {
    const result = await loadVarFile(file, cwd);
    diagnostics.push(...result.diagnostics);
    for (const [k, v] of result.variables) variables.set(k, v);
  }
  for (const prefix of ENV_PREFIXES) {
    // Sorted so the result does not depend on the order the OS lists the environment in.
    const names = Object.keys(env)
      .filter((k) => k.startsWith(prefix) && k.length > prefix.length)
      .sort();
    for (const key of names) {
      const value = env[key];
      if (value !== undefined) variables.set(key.slice(prefix.length), value);
    }
  }
  return { variables: Object.fromEntries(variables), diagnostics };
}

async function loadVarFile(
  file: string,
  cwd: string,
): Promise<{ variables: Map<string, string>; diagnostics: Diagnostic[] }> {
  const variables = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  let text: string;
  try {
    text = await readFile(path.resolve(cwd, file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      diagnostics.push(
        fileDiagnostic(
          file,
          'DAGC-VAR-FILE-MISSING',
          `the var file "${file}" does not exist`,
          `check the path given to --var-file; relative paths are read from ${cwd}`,
        ),
      );
    else
      diagnostics.push(
        fileDiagnostic(
          file,
          'DAGC-VAR-FILE-UNREADABLE',
          `the var file "${file}" cannot be read (${code ?? (error as Error).message})`,
          '--var-file takes a readable YAML file holding a mapping of names to values',
        ),
      );
    return { variables, diagnostics };
  }

  const lineCounter = new LineCounter();
  // prettyErrors off: we report positions ourselves and want the one-sentence message, not yaml's code frame.
  const doc = parseDocument(text, { intAsBigInt: true, lineCounter, prettyErrors: false });
  const at = (
    code: string,
    message: string,
    range: readonly number[] | undefined,
    hint?: string,
    pointer?: string,
    severity: Severity = 'error',
  ): Diagnostic => {
    const start = lineCounter.linePos(range?.[0] ?? 0);
    const end = range?.[1] !== undefined ? lineCounter.linePos(range[1]) : undefined;
    return {
      code,
      severity,
      message,
      ...(hint ? { hint } : {}),
      file,
      start: { line: start.line, column: start.col },
      ...(end ? { end: { line: end.line, column: end.col } } : {}),
      ...(pointer !== undefined ? { pointer } : {}),
    };
  };

  if (doc.errors.length) {
    for (const e of doc.errors)
      diagnostics.push(at('DAGC-VAR-FILE-YAML', e.message, e.pos, 'fix the YAML syntax of the var file'));
    return { variables, diagnostics };
  }
  const root = doc.contents;
  if (root === null || (isScalar(root) && root.value === null)) {
    diagnostics.push(
      fileDiagnostic(file, 'DAGC-VAR-FILE-EMPTY', `the var file "${file}" is empty`, undefined, 'warning'),
    );
    return { variables, diagnostics };
  }
  if (!isMap(root)) {
    diagnostics.push(
      at(
        'DAGC-VAR-FILE-NOT-MAPPING',
        'a var file must hold a mapping of variable names to values',
        root.range,
        'write one `name: value` per line',
        '',
      ),
    );
    return { variables, diagnostics };
  }

  for (const pair of root.items) {
    const keyNode = pair.key as YamlNode | null;
    const keyRange = keyNode?.range ?? undefined;
    if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
      // Python's `safe_substitute(**vars)` only takes str keys; magnus would crash with a TypeError.
      diagnostics.push(
        at('DAGC-VAR-NAME', 'a variable name must be a string', keyRange, 'quote the name, e.g. "1": value'),
      );
      continue;
    }
    const name = keyNode.value;
    const pointer = '/' + name.replace(/~/g, '~0').replace(/\//g, '~1');
    let valueNode = pair.value as YamlNode | null;
    if (isAlias(valueNode)) valueNode = (valueNode.resolve(doc) ?? null) as YamlNode | null;
    if (valueNode !== null && !isScalar(valueNode)) {
      diagnostics.push(
        at(
          'DAGC-VAR-NOT-SCALAR',
          `variable "${name}" must be a scalar (text, number, boolean), not a ${isMap(valueNode) ? 'mapping' : 'list'}`,
          valueNode.range ?? keyRange,
          'placeholders are replaced by text: give the value as one scalar',
          pointer,
        ),
      );
      continue;
    }
    if (!IDENTIFIER.test(name))
      diagnostics.push(
        at(
          'DAGC-VAR-UNUSABLE-NAME',
          `variable "${name}" can never be used: placeholders are $name or \${name} with name made of letters, digits and _ (not starting with a digit)`,
          keyRange,
          `rename it, e.g. "${name.replace(/[^_a-zA-Z0-9]/g, '_').replace(/^(?=[0-9])/, '_')}"`,
          pointer,
          'warning',
        ),
      );
    variables.set(name, pythonStr(valueNode === null ? null : valueNode.value));
  }
  return { variables, diagnostics };
}

/**
 * Python `str()` of a YAML scalar: magnus substituted `str(value)`, so `1.0` stays "1.0" and `true` becomes
 * "True" (JS String() would give "1" and "true", and a different text and dag hash than magnus).
 */
function pythonStr(value: unknown): string {
  if (value === null || value === undefined) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') {
    const repr = pythonFloatRepr(value);
    // json writes Infinity/NaN, but Python's str(float) writes inf/nan.
    return repr === 'Infinity' ? 'inf' : repr === '-Infinity' ? '-inf' : repr === 'NaN' ? 'nan' : repr;
  }
  return String(value);
}
