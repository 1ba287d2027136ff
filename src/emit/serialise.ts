// The one place compiled documents become text (shared/STYLE.md §6.2): JSON/YAML in the key order the compiler
// built, formatted by prettier, so the same input gives the same bytes.
import { stringify } from 'yaml';
import type { OutputFile } from './types.js';

export async function serialiseOutput(file: OutputFile): Promise<string> {
  if (file.format === 'text') return file.body.endsWith('\n') ? file.body : file.body + '\n';
  const prettier = await import('prettier');
  if (file.format === 'json') return prettier.format(JSON.stringify(file.body), { parser: 'json' });
  // Static import: the bundle inlines yaml (CommonJS), whose dynamic import only has a default export.
  return prettier.format(stringify(file.body, { lineWidth: 0 }), { parser: 'yaml' });
}
