// Argo names from dot paths, through src/ir/names.ts (one sanitiser for every target), plus the two rules
// Argo adds for DAG task names: they must not begin with a digit when `depends` is used (a CEL rule of the
// Workflow CRD), and they are operands of the `depends` expression, which Argo evaluates with expr-lang after
// turning '-' into '_' (workflow/controller/dag.go, evaluateDependsLogic) — so a task must not be called
// like one of expr's operators or built-in functions.
import type { Diagnostic } from '../../core/diagnostics.js';
import { ARGO_NAME_RULES, toBackendName } from '../../ir/names.js';

// expr-lang keywords and built-ins (https://expr-lang.org/docs/language-definition), lower case because
// Argo names are. A step called like one of these gets a `step-` prefix.
const EXPR_WORDS = new Set([
  'in', 'not', 'and', 'or', 'true', 'false', 'nil', 'matches', 'contains', 'startswith', 'endswith', 'let', 'if', 'else',
  'all', 'none', 'any', 'one', 'filter', 'map', 'count', 'sum', 'find', 'findindex', 'findlast', 'findlastindex',
  'groupby', 'sortby', 'reduce', 'len', 'abs', 'ceil', 'floor', 'round', 'int', 'float', 'string', 'trim', 'trimprefix',
  'trimsuffix', 'upper', 'lower', 'split', 'splitafter', 'replace', 'repeat', 'indexof', 'lastindexof', 'hasprefix',
  'hassuffix', 'max', 'min', 'mean', 'median', 'first', 'last', 'take', 'keys', 'values', 'type', 'tojson', 'fromjson',
  'tobase64', 'frombase64', 'now', 'duration', 'date', 'timezone', 'get', 'concat', 'flatten', 'uniq', 'join', 'reverse',
  'sort', 'topairs', 'frompairs', 'bitand', 'bitor', 'bitxor', 'bitnand', 'bitnot', 'bitshl', 'bitshr', 'bitushr',
]);

/** A DAG task name for one step of a graph (unique within its DAG template; see assignTaskNames). */
export function taskName(stepName: string): string {
  const name = toBackendName(stepName, ARGO_NAME_RULES);
  return /^[0-9]/.test(name) || EXPR_WORDS.has(name) ? toBackendName(`step.${name}`, ARGO_NAME_RULES) : name;
}

/** Task names for the steps of one DAG, with a Diagnostic for each pair that would get the same name. */
export function assignTaskNames(
  entries: readonly { key: string; name: string; file: string }[],
  where: string,
): { names: Map<string, string>; diagnostics: Diagnostic[] } {
  const names = new Map<string, string>();
  const owner = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const { key, name, file } of entries) {
    const first = owner.get(name);
    names.set(key, name);
    if (first === undefined) owner.set(name, key);
    else
      diagnostics.push({
        code: 'DAGC-NAME-COLLISION',
        severity: 'error',
        message: `"${first}" and "${key}" in ${where} both become the Argo task name "${name}"`,
        hint: 'rename one of them: names must stay distinct once lower-cased and reduced to letters, digits and "-"',
        file,
        start: { line: 1, column: 1 },
      });
  }
  return { names, diagnostics };
}

/** A template name from a dot path (≤ 63 characters, lower case, hash-suffixed when shortened). */
export function templateName(dotPath: string): string {
  return toBackendName(dotPath, ARGO_NAME_RULES);
}
