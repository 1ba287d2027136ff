// Defaults from the working directory (issue 15): magnus read `magnus-config.yaml` there (its USER_CONFIG_FILE)
// and took each service section from its `defaults:` block when neither the -c config file nor (2022) the
// pipeline file gave it (magnus-spec.md §2.1; the code reads `defaults:`, not the top-level sections the docs
// show, quirk §10.10). dagc reads `dagc-config.yaml` the same way, and its sections win over magnus-config's.
// Precedence per section: config file > pipeline file (2022) > dagc-config.yaml > magnus-config.yaml > built-in.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from '../core/diagnostics.js';
import { displayPath } from '../core/display.js';
import { readYamlFile } from '../front-end/load.js';
import type { YamlDocument } from '../front-end/load.js';
import { checkSchema } from '../front-end/schema.js';
import { readSections } from './sections.js';
import type { ServiceName, ServiceSection } from './types.js';

/** Read in this order; a later file's section yields to an earlier one's. */
export const DEFAULTS_FILES = ['dagc-config.yaml', 'magnus-config.yaml'] as const;

/** `doc`'s value at `prefix`, as a document of its own whose diagnostics still point into `doc`. */
function subDocument(doc: YamlDocument, prefix: string, data: unknown, hash: unknown): YamlDocument {
  return {
    file: doc.file,
    text: doc.text,
    data,
    hash,
    locate: (pointer, part) => doc.locate(prefix + pointer, part),
    at: (pointer, code, message, hint, options) => doc.at(prefix + pointer, code, message, hint, options),
  };
}

export async function loadUserDefaults(cwd: string): Promise<{
  sections: Partial<Record<ServiceName, ServiceSection>>;
  diagnostics: Diagnostic[];
}> {
  const sections: Partial<Record<ServiceName, ServiceSection>> = {};
  const diagnostics: Diagnostic[] = [];
  for (const name of DEFAULTS_FILES) {
    const abs = path.join(cwd, name);
    if (!existsSync(abs)) continue;
    const parsed = await readYamlFile(abs, displayPath(abs, cwd), { what: `defaults file (${name})`, allowEmpty: true });
    diagnostics.push(...parsed.diagnostics);
    const doc = parsed.doc;
    if (!doc || doc.data === undefined) continue;
    const data = doc.data as Record<string, unknown>;
    for (const key of Object.keys(data).filter((k) => k !== 'defaults'))
      diagnostics.push(
        doc.at(`/${key}`, 'DAGC-DEFAULTS-UNKNOWN-KEY', `${name} holds "${key}", but only its "defaults:" block is read`, 'put the service sections under defaults: (as magnus read them)', { part: 'key', severity: 'warning' }),
      );
    if (data.defaults === undefined || data.defaults === null) continue;
    const sub = subDocument(doc, '/defaults', data.defaults, (doc.hash as Record<string, unknown>).defaults);
    const problems = await checkSchema(sub, 'config');
    diagnostics.push(...problems);
    if (problems.some((d) => d.severity === 'error')) continue;
    const read = readSections(sub);
    diagnostics.push(...read.diagnostics);
    for (const [service, section] of Object.entries(read.sections) as [ServiceName, ServiceSection][])
      sections[service] ??= section;
  }
  return { sections, diagnostics };
}
