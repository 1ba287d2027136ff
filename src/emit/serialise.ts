// The one place compiled documents become text (shared/STYLE.md §6.2): JSON/YAML in the key order the compiler
// built, laid out as prettier does, so the same input gives the same bytes.
import { stringify } from 'yaml';
import type { OutputFile } from './types.js';
import { JsonWriter } from './json-text.js';

export async function serialiseOutput(file: OutputFile): Promise<string> {
  if (file.format === 'text') return file.body.endsWith('\n') ? file.body : file.body + '\n';
  if (file.text !== undefined) return file.text;
  // prettier's layout without prettier (json-text.ts): the same bytes, linear in the document, and prettier's
  // ~0.7 MB stays unloaded; prettier prints what that writer leaves to it.
  if (file.format === 'json') {
    const text = new JsonWriter().write(file.body);
    if (text !== undefined) return text;
  }
  // prettier's standalone build with only the json and yaml printers: bundled into compile's chunk (~0.7 MB
  // instead of the 12 MB package as a runtime dependency); same bytes as the full package (checked over every
  // conformance golden when this changed).
  const [prettier, babel, estree, yamlPlugin] = await Promise.all([
    import('prettier/standalone'),
    import('prettier/plugins/babel'),
    import('prettier/plugins/estree'),
    import('prettier/plugins/yaml'),
  ]);
  const plugins = [babel, estree, yamlPlugin];
  if (file.format === 'json') return prettier.format(JSON.stringify(file.body), { parser: 'json', plugins });
  // Static import: the bundle inlines yaml (CommonJS), whose dynamic import only has a default export.
  return prettier.format(stringify(file.body, { lineWidth: 0 }), { parser: 'yaml', plugins });
}
