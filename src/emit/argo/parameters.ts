// The pipeline's initial parameters as workflow arguments, so a run started from the Argo UI or CLI can
// change them (magnus 0.5 `expose_parameters_as_inputs`, magnus-spec.md §6.5 Parameters). The pod that
// creates the run gets them as DAGC_PRM_<name> variables, which dagc reads at run creation like every other
// initial parameter: JSON when it parses, a plain string otherwise (src/runtime/open-run.ts
// initialParameters). Values are written so that this reading gives back exactly the value in the file.
import type { Diagnostic } from '../../core/diagnostics.js';
import { stringifyJson } from '../../core/py-float.js';

/** Workflow arguments dagc itself defines. */
export const RUN_ID_PARAMETER = 'run_id';
export const USE_CACHED_PARAMETER = 'use_cached';
export const CONFIG_PARAMETER = 'dagc_config';
const RESERVED = new Set([RUN_ID_PARAMETER, USE_CACHED_PARAMETER, CONFIG_PARAMETER]);

// Names that are valid Argo parameter names (^[-a-zA-Z0-9_]+$), valid environment variable names, and
// unchanged by dagc's lower-casing of DAGC_PRM_ names (magnus-spec.md §10.5).
const EXPOSABLE = /^[a-z_][a-z0-9_]*$/;

/**
 * A scalar as written (3, true, hello); a string that would read back as something else ("3", "true",
 * "[1]") and every list or mapping as JSON.
 */
export function argumentValue(value: unknown): string {
  if (typeof value === 'string') {
    try {
      JSON.parse(value);
      return JSON.stringify(value);
    } catch {
      return value;
    }
  }
  // stringifyJson: a float stays a float (1.0, not 1), as the parameters file wrote it (issue 15).
  return stringifyJson(value) ?? 'null';
}

/**
 * A value Argo must pass through as it is. Argo substitutes `{{…}}` in workflow arguments and container fields
 * (a known variable is replaced: a config path holding `{{workflow.name}}` would change), and has no escape but
 * an expression whose result is the text: `{{='{{'}}` gives `{{` (util/template/template.go, expression tags;
 * the controller harness shows the pod receiving the original text).
 */
export function escapeArgoBraces(text: string): string {
  return text.split('{{').join("{{='{{'}}");
}

export interface ExposedParameter {
  readonly name: string;
  readonly value: string;
}

export function exposeParameters(
  parameters: Readonly<Record<string, unknown>>,
  file: string,
): { exposed: ExposedParameter[]; diagnostics: Diagnostic[] } {
  const exposed: ExposedParameter[] = [];
  const diagnostics: Diagnostic[] = [];
  const warn = (message: string, hint: string) =>
    diagnostics.push({ code: 'DAGC-ARGO-PARAMETER', severity: 'warning', message, hint, file, start: { line: 1, column: 1 } });
  for (const [name, value] of Object.entries(parameters)) {
    if (RESERVED.has(name)) {
      warn(`the parameter "${name}" is not a workflow argument: dagc uses that argument name itself`, 'its value still comes from the parameters file');
      continue;
    }
    if (!EXPOSABLE.test(name)) {
      warn(
        `the parameter "${name}" is not a workflow argument: only lower-case names of letters, digits and "_" can be`,
        'its value still comes from the parameters file, which must then be in the image',
      );
      continue;
    }
    exposed.push({ name, value: argumentValue(value) });
  }
  return { exposed, diagnostics };
}
