// The first reader of yaml-fast.ts: block YAML of the usual shape read a line at a time (issue 16). js-yaml
// reads a file character by character through functions that are still being interpreted when a process
// reads its one pipeline: ~200 million instructions (counted with callgrind) for a 47 KB, 500-step pipeline,
// nearly half of what Node spends on starting. Here each line is cut with native string searches.
//
// It reads only what it cannot read differently from js-yaml (with yaml-fast's schema): block mappings and
// sequences indented with spaces, plain scalars on one line, quoted scalars on one line (double-quoted without
// escapes), `|` and `|-` literal scalars, one-line flow lists and mappings of plain scalars, comments and blank
// lines. Anything else, and
// anything that would be an error, gives up (UNHANDLED), and js-yaml reads the file as before: anchors, aliases,
// tags, other flow collections, folded scalars, multi-line plain scalars, document markers, tabs, carriage returns,
// control and non-BMP characters, keys that are not text, duplicate keys. Its result is js-yaml's, value for
// value (src/front-end/yaml-lines.test.ts compares the two on every YAML file of the project and on generated
// documents).

import { setOwn } from '../core/set-own.js';

/** What the reader returns when js-yaml must read the text. */
export const UNHANDLED: unique symbol = Symbol('unhandled');

/** A plain scalar's value: a string, or the boxed null, bool, int or float of yaml-fast's schema. */
export type ResolvePlain = (text: string) => unknown;

// Characters a plain scalar (or key) may not start with; "-", "?" and ":" may start one when a non-space follows.
const INDICATOR = new Set([...',[]{}#&*!|>\'"%@`']);
// Anything js-yaml could read otherwise or refuse: tabs, CR, C0/C1 controls, DEL, BOM, lone or paired surrogates,
// the non-characters U+FFFE and U+FFFF; and the spaces other than " " that String#trimStart removes (YAML
// indents with " " only), so that a line's indentation is its length less its trimStart's.
const UNUSUAL =
  /[^\n\x20-\x7e\xa1-\u167f\u1681-\u1fff\u200b-\u2027\u202a-\u202e\u2030-\u205e\u2060-\u2fff\u3001-\ud7ff\ue000-\ufefe\uff00-\ufffd]/;

class GiveUp extends Error {}
const giveUp = (): never => {
  throw new GiveUp();
};

/** Reads `text` as one block mapping, or returns UNHANDLED. */
export function readBlockYaml(text: string, plain: ResolvePlain, maxDepth: number): unknown {
  if (UNUSUAL.test(text)) return UNHANDLED;
  const lines = text.split('\n');
  try {
    return new Reader(lines, plain, maxDepth).document();
  } catch (error) {
    // GiveUp, or a RangeError from nesting too deep for the stack: js-yaml decides.
    if (error instanceof GiveUp || error instanceof RangeError) return UNHANDLED;
    throw error;
  }
}

class Reader {
  /** The line being read, and where its content starts (a compact mapping in a sequence starts after "- "). */
  private at = 0;
  private indent = 0;
  private content = '';
  private done = false;

  constructor(
    private readonly lines: readonly string[],
    private readonly plain: ResolvePlain,
    private readonly maxDepth: number,
  ) {}

  document(): unknown {
    for (const line of this.lines) {
      // Directives and document markers: several documents, or a marker js-yaml reads its own way.
      if (line.startsWith('%') || line.startsWith('---') || line.startsWith('...')) giveUp();
    }
    this.seek(0);
    // Blank lines and comments only: js-yaml tells an empty file (undefined) from one of comments (null).
    if (this.done) giveUp();
    if (this.isItem()) giveUp(); // a top level that is a list: yaml-fast refuses it anyway
    const value = this.mapping(this.indent, 0);
    if (!this.done) giveUp(); // a line indented less than the top level
    return value;
  }

  /** Moves to the first line at or after `from` that is neither blank nor a comment. */
  private seek(from: number): void {
    for (let i = from; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      const content = line.trimStart();
      if (content === '' || content.charCodeAt(0) === 35 /* # */) continue;
      this.at = i;
      this.indent = line.length - content.length;
      this.content = content;
      return;
    }
    this.at = this.lines.length;
    this.done = true;
  }

  private isItem(): boolean {
    return this.content === '-' || this.content.startsWith('- ');
  }

  private mapping(indent: number, depth: number): Record<string, unknown> {
    if (depth > this.maxDepth) giveUp();
    const out: Record<string, unknown> = {};
    while (!this.done && this.indent === indent) {
      if (this.isItem()) giveUp(); // a list item among the keys
      const { key, rest } = this.entry(this.content) ?? giveUp();
      if (Object.hasOwn(out, key)) giveUp(); // duplicate: js-yaml refuses it, `yaml` says where
      let value: unknown;
      if (rest === '' || rest.startsWith('#')) {
        const line = this.at;
        this.seek(line + 1);
        if (!this.done && this.indent > indent) value = this.node(this.indent, depth + 1);
        // A list may sit at its key's own indentation.
        else if (!this.done && this.indent === indent && this.isItem())
          value = this.sequence(indent, depth + 1);
        else value = this.plain('');
      } else value = this.inline(rest, indent);
      setOwn(out, key, value);
    }
    if (!this.done && this.indent > indent) giveUp();
    return out;
  }

  private sequence(indent: number, depth: number): unknown[] {
    if (depth > this.maxDepth) giveUp();
    const out: unknown[] = [];
    while (!this.done && this.indent === indent && this.isItem()) {
      const after = this.content.slice(1);
      const rest = after.trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.seek(this.at + 1);
        if (!this.done && this.indent > indent) out.push(this.node(this.indent, depth + 1));
        else out.push(this.plain(''));
      } else if (rest === '-' || rest.startsWith('- '))
        giveUp(); // a list in a list on one line
      else if (this.entry(rest) !== undefined) {
        // A mapping that starts on the item's line: its keys line up with the first one.
        this.indent += 1 + after.length - rest.length;
        this.content = rest;
        out.push(this.mapping(this.indent, depth + 1));
      } else out.push(this.inline(rest, indent));
    }
    if (!this.done && this.indent > indent) giveUp();
    return out;
  }

  private node(indent: number, depth: number): unknown {
    return this.isItem() ? this.sequence(indent, depth) : this.mapping(indent, depth);
  }

  /** A mapping entry's key and what follows its colon, or undefined when the content is no `key:` line. */
  private entry(content: string): { key: string; rest: string } | undefined {
    let key: string;
    let after: number;
    const first = content.charAt(0);
    if (first === '"' || first === "'") {
      const quoted = this.quoted(content);
      if (quoted === undefined || content.charAt(quoted.end) !== ':') return undefined;
      key = quoted.value;
      after = quoted.end + 1;
    } else {
      let colon = content.indexOf(': ');
      if (colon < 0) {
        if (!content.endsWith(':')) return undefined;
        colon = content.length - 1;
      }
      key = content.slice(0, colon);
      after = colon + 1;
      if (!this.plainText(key)) return undefined;
      // A key must be text: `1:`, `true:`, `null:` or `:` are keys yaml-fast gives up on.
      if (typeof this.plain(key) !== 'string') giveUp();
    }
    if (after < content.length && content.charCodeAt(after) !== 32) return undefined;
    return { key, rest: content.slice(after).trimStart() };
  }

  /** Whether `s` can be read as a plain scalar on its own: no indicator first, no comment, no `: `, no space at the end. */
  private plainText(s: string): boolean {
    if (s === '') return false;
    const first = s.charAt(0);
    if (INDICATOR.has(first)) return false;
    if ((first === '-' || first === '?' || first === ':') && (s.length === 1 || s.charCodeAt(1) === 32))
      return false;
    if (s.includes(' #') || s.includes(': ') || s.endsWith(':') || s.endsWith(' ')) return false;
    return true;
  }

  /**
   * A value on the line of its key or item (content of the current line from `rest`), then on to the next line,
   * which must not be indented more than `indent` (a plain scalar going on over lines, or an error).
   */
  private inline(rest: string, indent: number): unknown {
    let value: unknown;
    const first = rest.charAt(0);
    if (first === '|') {
      value = this.literal(rest, indent);
      return value; // literal() has moved on
    }
    if (first === '"' || first === "'") {
      const quoted = this.quoted(rest) ?? giveUp();
      if (!endsLine(rest.slice(quoted.end))) giveUp();
      value = quoted.value;
    } else {
      const text = stripComment(rest);
      if (first === '[' || first === '{') value = this.flow(text);
      else if (this.plainText(text)) value = this.plain(text);
      else giveUp();
    }
    this.seek(this.at + 1);
    if (!this.done && this.indent > indent) giveUp();
    return value;
  }

  /**
   * A flow list or mapping on one line, of plain scalars only: `[a, b]`, `{k: v, k2: v2}`, `[]`, `{}`. Nothing
   * nested, quoted, empty or with a colon in it (`[a: b]` is a mapping in a list).
   */
  private flow(text: string): unknown {
    const close = text.charAt(0) === '[' ? ']' : '}';
    if (text.charAt(text.length - 1) !== close) giveUp();
    const inner = text.slice(1, -1);
    if (/[[\]{}"']/.test(inner)) giveUp();
    if (inner.trim() === '') return close === ']' ? [] : {};
    const items = inner.split(',').map((item) => item.trim());
    if (close === ']')
      return items.map((item) => (this.plainText(item) && !item.includes(':') ? this.plain(item) : giveUp()));
    const out: Record<string, unknown> = {};
    for (const item of items) {
      const colon = item.indexOf(': ');
      const key = item.slice(0, colon);
      const value = item.slice(colon + 2).trimStart();
      if (
        colon < 0 ||
        !this.plainText(key) ||
        !this.plainText(value) ||
        key.includes(':') ||
        value.includes(':')
      )
        giveUp();
      if (typeof this.plain(key) !== 'string' || Object.hasOwn(out, key)) giveUp();
      setOwn(out, key, this.plain(value));
    }
    return out;
  }

  /** A quoted scalar that closes on its line: its value and the index just after its closing quote. */
  private quoted(s: string): { value: string; end: number } | undefined {
    if (s.charAt(0) === '"') {
      const close = s.indexOf('"', 1);
      if (close < 0) return undefined;
      const value = s.slice(1, close);
      return value.includes('\\') ? undefined : { value, end: close + 1 };
    }
    let value = '';
    let from = 1;
    for (;;) {
      const close = s.indexOf("'", from);
      if (close < 0) return undefined;
      value += s.slice(from, close);
      if (s.charAt(close + 1) !== "'") return { value, end: close + 1 };
      value += "'";
      from = close + 2;
    }
  }

  /** `|` or `|-` and the lines indented under it (js-yaml loader.js readBlockScalar, clip and strip chomping). */
  private literal(header: string, indent: number): string {
    const mode = header.startsWith('|-') ? 'strip' : 'clip';
    if (!endsLine(header.slice(mode === 'strip' ? 2 : 1))) giveUp(); // `|+`, `|2`, or text after the header
    const body: string[] = [];
    let blockIndent = -1;
    let i = this.at + 1;
    for (; i < this.lines.length; i++) {
      const line = this.lines[i]!;
      let n = 0;
      while (line.charCodeAt(n) === 32) n++;
      if (n === line.length) {
        // An all-space line: empty content, unless it holds more spaces than the block's indentation.
        if (blockIndent >= 0 ? n > blockIndent : false) giveUp();
        body.push('');
        continue;
      }
      if (blockIndent < 0) {
        if (n <= indent) break;
        blockIndent = n;
        // Leading all-space lines longer than the indentation found: an error in YAML.
        if (body.some((_, k) => this.lines[this.at + 1 + k]!.length > blockIndent)) giveUp();
      } else if (n < blockIndent) break;
      body.push(line.slice(blockIndent));
    }
    while (body.length && body[body.length - 1] === '') body.pop();
    this.seek(i);
    if (!this.done && this.indent > indent) giveUp();
    if (body.length === 0) return '';
    const text = body.join('\n');
    return mode === 'strip' ? text : `${text}\n`;
  }
}

/** The text before a comment (one that follows a space), without the spaces before it. */
function stripComment(s: string): string {
  const hash = s.indexOf(' #');
  return (hash < 0 ? s : s.slice(0, hash)).trimEnd();
}

/** Whether what follows a scalar on its line is only spaces and a comment. */
function endsLine(s: string): boolean {
  const t = s.trimStart();
  return t === '' || (t.startsWith('#') && t.length < s.length);
}
