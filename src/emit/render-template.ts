// Fills a Handlebars template from templates/ with a view-model. Templates only loop and print; their one
// helper that matters is `quote`, which makes any string a single bash word (nothing in it is ever code).
import Handlebars from 'handlebars';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../core/package-root.js';

/** POSIX single-quoting: 'it'\''s' — safe for quotes, $(…), backticks, ;, |, newlines and any Unicode. */
export function shellQuote(value: unknown): string {
  const s = String(value);
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * Text for a `#` comment: one line whatever it holds (a newline in a step name must not end the comment and
 * turn the rest into code), control characters written as escapes.
 */
export function shellComment(value: unknown): string {
  const json = JSON.stringify(String(value));
  const inner = json.slice(1, -1).replace(/\\"/g, '"');
  return inner;
}

let hb: typeof Handlebars | undefined;
const cache = new Map<string, Handlebars.TemplateDelegate>();

function handlebars(): typeof Handlebars {
  if (!hb) {
    hb = Handlebars.create();
    hb.registerHelper('quote', (v: unknown) => shellQuote(v));
    hb.registerHelper('comment', (v: unknown) => shellComment(v));
    hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  }
  return hb;
}

export function renderTemplate(name: string, view: object): string {
  let template = cache.get(name);
  if (!template) {
    const file = path.join(packageRoot(), 'templates', `${name}.hbs`);
    template = handlebars().compile(readFileSync(file, 'utf8'), { noEscape: true, strict: false });
    cache.set(name, template);
  }
  return template(view);
}
