// YAML files in, two plain views out: the front end's first stage (shared/DESIGN.md §1).
// - The *hash view* keeps YAML 1.2 core-schema integers as bigint and floats as number, because Python's
//   json.dumps prints `1` and `1.0` differently and the dag hash depends on it (magnus-spec.md §1.1, §3.9).
// - The *data view* is plain JSON-like data (numbers only) for the schema, the rules and the IR.
// Every value is addressable by a JSON pointer, and `locate()` turns a pointer back into line:col.
//
// Two parsers, one authority. The `yaml` package is the authority: its errors, warnings and source ranges
// make the diagnostics. But it composes about 1 MB/s (a 10,000-step file costs a second of CPU), while the
// common case — a valid file — needs no positions at all. So a valid, plain file (no anchors, merge keys,
// tags beyond the core schema, non-text keys or duplicates) is read by js-yaml with a schema that mirrors
// yaml's core schema exactly; anything unusual falls back to `yaml`, which reports it. Positions of a file
// read the fast way are computed on first use, by `yaml`. load.test.ts checks that both ways give the same
// views.
import { readFile, stat } from '../core/fs-async.js';
import { LineCounter, isAlias, isMap, isScalar, isSeq, parseAllDocuments } from 'yaml';
import type { Document, Node as YamlNode, YAMLMap } from 'yaml';
import type { Diagnostic, Position, Severity } from '../core/diagnostics.js';
import { joinPointer, parentPointer } from '../core/pointer.js';
import { parseFast } from './yaml-fast.js';
import { setOwn } from '../core/set-own.js';

/** Limits against hostile input; each one is a diagnostic, never a crash or a hang. */
export const YAML_LIMITS = {
  /** Bigger files are refused before they are read. */
  maxBytes: 16 * 1024 * 1024,
  /** Nesting of mappings and lists; a pipeline nested 20 composites deep needs about 80. */
  maxDepth: 128,
  /** yaml's own measure of alias expansion (its default too): stops "billion laughs" documents. */
  maxAliasCount: 100,
} as const;

export interface Span {
  start: Position;
  end: Position;
}

export interface DiagnosticOptions {
  /** Point at the key of the value rather than the value (unknown or misplaced keys). */
  part?: 'key' | 'value';
  severity?: Severity;
}

/** A parsed YAML file: its two views and a way back from a JSON pointer to the text. */
export interface YamlDocument {
  /** The path printed in diagnostics. */
  readonly file: string;
  readonly text: string;
  /** Plain data (numbers); undefined for an empty file that was allowed to be empty. */
  readonly data: unknown;
  /** Same shape, YAML integers as bigint and floats as number (for the dag hash). */
  readonly hash: unknown;
  /** Where the value (or its key) at `pointer` is written; an unknown pointer falls back to its parent. */
  locate(pointer: string, part?: 'key' | 'value'): Span;
  /** A diagnostic located at `pointer`. */
  at(pointer: string, code: string, message: string, hint?: string, options?: DiagnosticOptions): Diagnostic;
}

export interface ParseOptions {
  /** What the file is, for messages: 'pipeline file', 'config file', … */
  what: string;
  /** Applied to every string scalar and every mapping key (variable substitution, magnus-spec.md §1.8). */
  mapString?: (text: string) => string;
  /** An empty file (or only comments) gives `data: undefined` instead of an error. */
  allowEmpty?: boolean;
  /** Hint for an empty file when it is not allowed. */
  emptyHint?: string;
  /** Skip the fast reader (tests compare both ways). */
  slowOnly?: boolean;
}

export interface ParseResult {
  doc?: YamlDocument;
  diagnostics: Diagnostic[];
}

/** Reads and parses a YAML file that must hold one mapping; every problem comes back as a diagnostic. */
export async function readYamlFile(
  absPath: string,
  file: string,
  options: ParseOptions,
): Promise<ParseResult> {
  const whole = (code: string, message: string, hint: string): ParseResult => ({
    diagnostics: [{ code, severity: 'error', message, hint, file, start: { line: 1, column: 1 } }],
  });
  let size: number;
  try {
    const info = await stat(absPath);
    if (info.isDirectory())
      return whole(
        'DAGC-FILE-UNREADABLE',
        `the ${options.what} "${file}" is a folder`,
        'give the path of a YAML file',
      );
    size = info.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR')
      return whole(
        'DAGC-FILE-MISSING',
        `the ${options.what} "${file}" does not exist`,
        'check the path; relative paths start from the working directory',
      );
    return whole(
      'DAGC-FILE-UNREADABLE',
      `the ${options.what} "${file}" cannot be read (${code ?? 'unknown error'})`,
      'check its permissions',
    );
  }
  if (size > YAML_LIMITS.maxBytes)
    return whole(
      'DAGC-YAML-TOO-LARGE',
      `the ${options.what} "${file}" is ${(size / 1024 / 1024).toFixed(1)} MiB, over the 16 MiB limit`,
      'dagc refuses larger files to stay fast and safe; split the pipeline with dag steps (dag_definition)',
    );
  let bytes: Buffer;
  try {
    bytes = await readFile(absPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return whole(
      'DAGC-FILE-UNREADABLE',
      `the ${options.what} "${file}" cannot be read (${code ?? 'unknown error'})`,
      'check its permissions',
    );
  }
  const text = decodeText(bytes);
  if (text === undefined)
    return whole(
      'DAGC-YAML-BINARY',
      `the ${options.what} "${file}" is not UTF-8 text (it looks like a binary file)`,
      'give the YAML file itself; UTF-16 files must be converted to UTF-8',
    );
  return parseYaml(text, file, options);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** UTF-8 text without a BOM, or undefined for binary data (a NUL byte or invalid UTF-8). */
export function decodeText(bytes: Uint8Array): string | undefined {
  if (bytes.includes(0)) return undefined;
  try {
    return UTF8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Parses YAML text that must hold one mapping (or nothing, with allowEmpty). */
export function parseYaml(text: string, file: string, options: ParseOptions): ParseResult {
  const mapString = options.mapString ?? identity;
  if (!options.slowOnly) {
    const fast = parseFast(text, mapString, YAML_LIMITS.maxDepth);
    if (fast !== undefined) {
      if (fast.empty) return emptyResult(text, file, options);
      let located: Locator | undefined;
      // Positions only matter once something is wrong; compute them then, with the authoritative parser.
      const locator = () => (located ??= parseSlow(text, file, { ...options, mapString }).locator);
      return { doc: makeDocument(file, text, fast.data, fast.hash, locator), diagnostics: [] };
    }
  }
  const slow = parseSlow(text, file, { ...options, mapString });
  if (slow.empty) return emptyResult(text, file, options);
  if (slow.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: slow.diagnostics };
  const locator = slow.locator;
  return {
    doc: makeDocument(file, text, slow.data, slow.hash, () => locator),
    diagnostics: slow.diagnostics,
  };
}

function emptyResult(text: string, file: string, options: ParseOptions): ParseResult {
  if (options.allowEmpty) {
    const locator = new Locator(new LineCounter());
    return { doc: makeDocument(file, text, undefined, undefined, () => locator), diagnostics: [] };
  }
  return {
    diagnostics: [
      {
        code: 'DAGC-YAML-EMPTY',
        severity: 'error',
        message: `the ${options.what} "${file}" is empty`,
        ...(options.emptyHint ? { hint: options.emptyHint } : {}),
        file,
        start: { line: 1, column: 1 },
      },
    ],
  };
}

function makeDocument(
  file: string,
  text: string,
  data: unknown,
  hash: unknown,
  locator: () => Locator,
): YamlDocument {
  return {
    file,
    text,
    data,
    hash,
    locate: (pointer, part = 'value') => locator().locate(pointer, part),
    at(pointer, code, message, hint, options = {}) {
      const span = locator().locate(pointer, options.part ?? 'value');
      return {
        code,
        severity: options.severity ?? 'error',
        message,
        ...(hint !== undefined ? { hint } : {}),
        file,
        start: span.start,
        end: span.end,
        pointer,
      };
    },
  };
}

const identity = (s: string) => s;

/** Offsets of every value (and key) by JSON pointer; line:col computed only when asked. */
class Locator {
  private readonly values = new Map<string, readonly [number, number]>();
  private readonly keys = new Map<string, readonly [number, number]>();
  constructor(private readonly lines: LineCounter) {}

  set(pointer: string, value: readonly [number, number] | undefined, key?: readonly [number, number]): void {
    if (value) this.values.set(pointer, value);
    if (key) this.keys.set(pointer, key);
  }

  locate(pointer: string, part: 'key' | 'value'): Span {
    let p: string | undefined = pointer;
    let wantKey = part === 'key';
    while (p !== undefined) {
      const range = (wantKey ? this.keys.get(p) : undefined) ?? this.values.get(p);
      if (range) return { start: this.position(range[0]), end: this.position(range[1]) };
      // A value that does not exist (a missing field) is best shown at the key of the mapping that lacks it.
      p = parentPointer(p);
      wantKey = true;
    }
    return { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } };
  }

  private position(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }
}

interface Views {
  hash: unknown;
  data: unknown;
}

interface SlowResult {
  empty: boolean;
  data: unknown;
  hash: unknown;
  locator: Locator;
  diagnostics: Diagnostic[];
}

/** yaml error codes → what to do about them. */
const SYNTAX_HINTS: Readonly<Record<string, string>> = {
  TAB_AS_INDENT: 'indent with spaces: YAML does not allow tabs for indentation',
  BAD_INDENT: 'line up the keys of one mapping (or the items of one list) at the same column',
  MISSING_CHAR: 'close the quote or bracket that is opened earlier',
  MULTILINE_IMPLICIT_KEY:
    'a key must fit on one line: is a ":" missing at the end of the line before, or a value not quoted?',
  BLOCK_AS_IMPLICIT_KEY: 'a key must fit on one line: is a ":" missing at the end of the line before?',
  UNEXPECTED_TOKEN:
    'quote the value if it contains ": ", " #", or starts with one of [ ] { } , & * ! | > % @ `',
  BAD_SCALAR_START: 'quote the value: it starts with a character that YAML reserves',
  BAD_ALIAS: 'an alias is * and the name of an anchor (&name) defined above it',
  BAD_DIRECTIVE: 'remove the % line or fix it (%YAML 1.2)',
};
/** The text of the line holding offset `at`. */
function lineText(text: string, at: number): string {
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const end = text.indexOf('\n', at);
  return text.slice(start, end < 0 ? text.length : end);
}

function syntaxHint(code: string, message: string, line = ''): string {
  if (/^Nested mappings are not allowed in compact mappings/.test(message)) {
    // `key: value` then a line indented deeper than `key`: the value has no ": " of its own, so the cause is
    // the next line's indentation, not a missing quote.
    const value = /^\s*(?:-\s+)?[^:#]+:\s+(.*)$/.exec(line)?.[1] ?? '';
    if (!/:(\s|$)/.test(value))
      return 'the next line is indented deeper than this key: line it up with the keys above, or put it under a key that ends with ":"';
    return 'quote the value: text that contains ": " must be written in quotes';
  }
  if (/^Flow (sequence|mapping)/.test(message))
    return 'close the [ or { that opens here, and indent its continuation lines more than the key';
  return SYNTAX_HINTS[code] ?? SYNTAX_HINT_DEFAULT;
}

const SYNTAX_HINT_DEFAULT =
  'fix the YAML syntax here (a missing quote, colon, or indentation is the usual cause)';

const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((t) => `tag:yaml.org,2002:${t}`),
);

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}

/** The authoritative reader: every error at once, with positions. */
function parseSlow(
  text: string,
  file: string,
  options: ParseOptions & { mapString: (s: string) => string },
): SlowResult {
  const lines = new LineCounter();
  const locator = new Locator(lines);
  const diagnostics: Diagnostic[] = [];
  const result = (empty: boolean, views?: Views): SlowResult => ({
    empty,
    data: views?.data,
    hash: views?.hash,
    locator,
    diagnostics,
  });
  const diag = (
    code: string,
    message: string,
    range: readonly number[] | undefined,
    hint?: string,
    pointer?: string,
    severity: Severity = 'error',
  ) => {
    const start = lines.linePos(range?.[0] ?? 0);
    const end = lines.linePos(range?.[1] ?? range?.[0] ?? 0);
    diagnostics.push({
      code,
      severity,
      message,
      ...(hint !== undefined ? { hint } : {}),
      file,
      start: { line: start.line, column: start.col },
      end: { line: end.line, column: end.col },
      ...(pointer !== undefined ? { pointer } : {}),
    });
  };

  // uniqueKeys is off: yaml checks it by comparing every key with every other one (quadratic: seconds for a
  // 10,000-step mapping); the walk below checks duplicates with a Set and says where the first one is.
  const docs = parseAllDocuments(text, {
    version: '1.2',
    schema: 'core',
    intAsBigInt: true,
    merge: true,
    uniqueKeys: false,
    prettyErrors: false,
    lineCounter: lines,
  });
  const all = Array.from(docs as Iterable<Document.Parsed>);
  // One syntax error often drags more along (every token after a lost bracket is "unexpected"): report the
  // first of each line, and at most MAX_SYNTAX_ERRORS.
  const syntaxLines = new Set<number>();
  let syntaxErrors = 0;
  for (const doc of all) {
    // A misplaced indentation shifts every line after it: the lines the parser then finds "not at the same
    // column" are its echo, not new mistakes. The first indentation error of a document stands for them, and
    // tab-indented lines are listed in its message instead of one error each.
    let indentError: Diagnostic | undefined;
    const tabLines: number[] = [];
    for (const e of doc.errors) {
      const deep = /Maximum call stack/.test(e.message);
      const line = lines.linePos(e.pos[0]).line;
      if (syntaxLines.has(line)) continue;
      syntaxLines.add(line);
      const indentation = e.code === 'TAB_AS_INDENT' || (e.code === 'BAD_INDENT' && /^All (mapping|sequence) items must start at the same column/.test(e.message));
      if (indentError && indentation) {
        if (e.code === 'TAB_AS_INDENT') tabLines.push(line);
        continue;
      }
      if (++syntaxErrors > MAX_SYNTAX_ERRORS) continue;
      const quote =
        e.code === 'MISSING_CHAR' ? /Missing closing (["'])quote/.exec(e.message)?.[1] : undefined;
      const opened = quote ? openingQuote(text, e.pos[0], quote) : undefined;
      if (opened !== undefined) {
        diag(
          'DAGC-YAML-SYNTAX',
          `invalid YAML: the ${quote === '"' ? 'double' : 'single'} quote opened here is never closed`,
          [opened, opened + 1],
          `close it with ${quote} at the end of the text`,
        );
        continue;
      }
      diag(
        deep ? 'DAGC-YAML-TOO-DEEP' : 'DAGC-YAML-SYNTAX',
        deep
          ? 'the YAML nests too deeply to be read'
          : `invalid YAML: ${lowerFirst(e.message.replace(/\.$/, ''))}`,
        e.pos,
        deep ? `keep nesting under ${YAML_LIMITS.maxDepth} levels` : syntaxHint(e.code, e.message, lineText(text, e.pos[0])),
      );
      if (indentation) indentError ??= diagnostics[diagnostics.length - 1];
    }
    if (indentError && tabLines.length) {
      const shown = tabLines.slice(0, 8).join(', ') + (tabLines.length > 8 ? ', …' : '');
      indentError.message += ` (tabs indent line${tabLines.length > 1 ? 's' : ''} ${shown} as well)`;
    }
    for (const w of doc.warnings) {
      // Unknown tags are reported by the walk, as errors, with the tag's name.
      if (w.code === 'TAG_RESOLVE_FAILED') continue;
      diag(
        'DAGC-YAML-WARNING',
        lowerFirst(w.message.replace(/\.$/, '')),
        w.pos,
        undefined,
        undefined,
        'warning',
      );
    }
  }
  if (syntaxErrors > MAX_SYNTAX_ERRORS)
    diag(
      'DAGC-YAML-SYNTAX',
      `… and ${syntaxErrors - MAX_SYNTAX_ERRORS} more YAML syntax errors after these`,
      [text.length, text.length],
      'fix the first ones: the others often follow from them',
    );
  if (all.length > 1) {
    const second = all[1] as Document.Parsed;
    diag(
      'DAGC-YAML-MULTIPLE-DOCUMENTS',
      `the ${options.what} holds ${all.length} YAML documents; dagc reads exactly one`,
      [second.range[0], second.range[0]],
      'remove the "---" line and everything after it, or split it into another file',
    );
  }
  if (diagnostics.some((d) => d.severity === 'error')) return result(false);
  const doc = all[0];
  const root = doc?.contents ?? null;
  if (root === null || (isScalar(root) && root.value === null && root.source === '' && !root.tag))
    return result(true);
  if (!isMap(root)) {
    diag(
      'DAGC-YAML-NOT-MAPPING',
      `the ${options.what} must hold a mapping (key: value lines), not ${describeNode(root)}`,
      rangeOf(root),
      options.what === 'pipeline file' || options.what === 'dag_definition file'
        ? 'start the file with "dag:" and indent the pipeline under it'
        : 'write one "name: value" per line at the top level',
      '',
    );
    return result(false);
  }

  const walker = new Walker(options.mapString, locator, lines, diag);
  locator.set('', rangeOf(root));
  const views = walker.walk(root, '', 0);
  if (walker.sawAlias && !diagnostics.some((d) => d.severity === 'error')) {
    // Expansion is only measured here, once the structure is known to be fine; the walk itself shares
    // aliased values, so it stays linear whatever the document does.
    try {
      (doc as Document.Parsed).toJS({ maxAliasCount: YAML_LIMITS.maxAliasCount });
    } catch (error) {
      const message = (error as Error).message;
      const first = walker.firstAlias;
      if (/Excessive alias count/.test(message))
        diag(
          'DAGC-YAML-ALIAS-LIMIT',
          'the aliases (*name) in this file expand to too much data',
          first,
          `dagc expands aliases at most ${YAML_LIMITS.maxAliasCount} times (yaml's maxAliasCount) to stop "billion laughs" files; write the values out instead`,
        );
      else diag('DAGC-YAML-SYNTAX', `invalid YAML: ${lowerFirst(message)}`, first, SYNTAX_HINT_DEFAULT);
    }
  }
  if (diagnostics.some((d) => d.severity === 'error')) return result(false);
  return result(false, views);
}

/** [start, end] of a node's value (yaml's ranges also carry the end of trailing comments). */
function rangeOf(node: YamlNode | null | undefined): [number, number] | undefined {
  const r = node?.range;
  return r ? [r[0], r[1]] : undefined;
}

const MAX_SYNTAX_ERRORS = 10;

/**
 * yaml notices an unclosed quote at the end of the file; the quote that opened the text is the last
 * unescaped one before that point (a closing one would have ended it).
 */
function openingQuote(text: string, end: number, quote: string): number | undefined {
  for (let i = Math.min(end, text.length) - 1; i >= 0; i--) {
    if (text[i] !== quote) continue;
    if (quote === '"' && precededByOddBackslashes(text, i)) continue;
    if (quote === "'" && text[i - 1] === "'") {
      i--; // '' is an escaped single quote
      continue;
    }
    return i;
  }
  return undefined;
}

function precededByOddBackslashes(text: string, i: number): boolean {
  let n = 0;
  while (text[i - 1 - n] === '\\') n++;
  return n % 2 === 1;
}

function describeNode(node: YamlNode): string {
  if (isSeq(node)) return 'a list';
  if (isScalar(node))
    return node.value === null
      ? 'null'
      : `the ${typeof node.value === 'string' ? 'text' : 'value'} "${String(node.source ?? node.value).slice(0, 40)}"`;
  return 'an alias';
}

type Diag = (
  code: string,
  message: string,
  range: readonly number[] | undefined,
  hint?: string,
  pointer?: string,
) => void;

/** yaml's AST → views, recording the offsets of every key and value by pointer. */
class Walker {
  sawAlias = false;
  firstAlias: readonly number[] | undefined;
  private readonly anchors = new Map<string, YamlNode>();
  private readonly anchored = new Map<YamlNode, Views>();
  private tooDeep = false;

  constructor(
    private readonly mapString: (s: string) => string,
    private readonly locator: Locator,
    private readonly lines: LineCounter,
    private readonly diag: Diag,
  ) {}

  walk(node: YamlNode | null, pointer: string, depth: number): Views {
    if (node === null) return { hash: null, data: null };
    if (depth > YAML_LIMITS.maxDepth) {
      const start = node.range?.[0] ?? 0;
      if (!this.tooDeep)
        this.diag(
          'DAGC-YAML-TOO-DEEP',
          `values nest more than ${YAML_LIMITS.maxDepth} levels deep`,
          [start, start + 1],
          'flatten the structure; pipelines that deep are better split with dag steps (dag_definition)',
          pointer,
        );
      this.tooDeep = true;
      return { hash: null, data: null };
    }
    if (isAlias(node)) {
      this.sawAlias = true;
      this.firstAlias ??= rangeOf(node);
      const target = this.anchors.get(node.source);
      const views = target && this.anchored.get(target);
      if (!views) {
        this.diag(
          'DAGC-YAML-UNKNOWN-ALIAS',
          `the alias *${node.source} refers to no anchor &${node.source} defined before it`,
          rangeOf(node),
          `define "&${node.source}" on a value above this line, or correct the name`,
          pointer,
        );
        return { hash: null, data: null };
      }
      return views;
    }
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.diag(
        'DAGC-YAML-TAG',
        `the tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not supported`,
        rangeOf(node),
        'remove the tag: dagc reads plain YAML (text, numbers, booleans, null, lists and mappings)',
        pointer,
      );
      return { hash: null, data: null };
    }
    let views: Views;
    if (isMap(node)) views = this.map(node, pointer, depth);
    else if (isSeq(node)) {
      const hash: unknown[] = [];
      const data: unknown[] = [];
      node.items.forEach((item, i) => {
        const child = joinPointer(pointer, i);
        const itemNode = item as YamlNode | null;
        this.locator.set(child, rangeOf(itemNode));
        const v = this.walk(itemNode, child, depth + 1);
        hash.push(v.hash);
        data.push(v.data);
      });
      views = { hash, data };
    } else if (isScalar(node)) views = this.scalar(node.value, rangeOf(node), pointer);
    else views = { hash: null, data: null };
    if (node.anchor) {
      this.anchors.set(node.anchor, node);
      this.anchored.set(node, views);
    }
    return views;
  }

  private scalar(value: unknown, range: readonly number[] | undefined, pointer: string): Views {
    switch (typeof value) {
      case 'string': {
        const s = this.mapString(value);
        return { hash: s, data: s };
      }
      case 'bigint':
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
          this.diag(
            'DAGC-YAML-INT-TOO-LARGE',
            `the integer ${value} is too large to be kept exactly`,
            range,
            `quote it ("${value}") to keep it as text; integers must lie within ±${Number.MAX_SAFE_INTEGER}`,
            pointer,
          );
          return { hash: value, data: null };
        }
        return { hash: value, data: Number(value) };
      case 'number':
      case 'boolean':
        return { hash: value, data: value };
      case 'undefined':
        return { hash: null, data: null };
      default:
        if (value === null) return { hash: null, data: null };
        this.diag(
          'DAGC-YAML-TAG',
          'this value is not plain YAML data',
          range,
          'dagc reads text, numbers, booleans, null, lists and mappings only',
          pointer,
        );
        return { hash: null, data: null };
    }
  }

  private map(node: YAMLMap, pointer: string, depth: number): Views {
    const hash: Record<string, unknown> = {};
    const data: Record<string, unknown> = {};
    const firstAt = new Map<string, readonly number[] | undefined>();
    const merges: { value: YamlNode | null; range: readonly number[] | undefined }[] = [];
    for (const pair of node.items) {
      let key = pair.key as YamlNode | null;
      const keyRange = rangeOf(key) ?? rangeOf(pair.value as YamlNode | null);
      // `<<` (merge key): yaml marks it with a symbol when `merge` is on; quoted "<<" stays a plain key.
      if (isScalar(key) && typeof key.value === 'symbol') {
        merges.push({ value: pair.value as YamlNode | null, range: keyRange });
        continue;
      }
      if (isAlias(key)) key = this.anchors.get(key.source) ?? null;
      if (!isScalar(key) || typeof key.value !== 'string') {
        if (isScalar(key)) {
          const shown = String(key.source ?? key.value);
          this.diag(
            'DAGC-YAML-KEY-NOT-TEXT',
            `the key ${shown} is read as a ${describeType(key.value)}, not as text`,
            keyRange,
            `quote it ("${shown}": …): keys are names`,
            pointer,
          );
        } else
          this.diag(
            'DAGC-YAML-KEY-NOT-TEXT',
            key === null ? 'this mapping entry has no key' : 'a list or mapping is used as a key',
            keyRange,
            'write a name (text) before the colon',
            pointer,
          );
        continue;
      }
      const name = this.mapString(key.value);
      const child = joinPointer(pointer, name);
      if (firstAt.has(name)) {
        const first = firstAt.get(name);
        const line = first ? this.lineOf(first[0] as number) : undefined;
        this.diag(
          'DAGC-YAML-DUPLICATE-KEY',
          `the key "${name}" appears twice in the same mapping`,
          keyRange,
          `remove or rename one of them${line ? ` (the first is on line ${line})` : ''}; YAML keys must be unique`,
          child,
        );
        continue;
      }
      firstAt.set(name, keyRange);
      const valueNode = pair.value as YamlNode | null;
      this.locator.set(child, rangeOf(valueNode) ?? keyRange, keyRange);
      const v = this.walk(valueNode, child, depth + 1);
      setOwn(hash, name, v.hash);
      setOwn(data, name, v.data);
    }
    // Merged keys never override the mapping's own keys; among several sources the first wins (YAML merge).
    for (const merge of merges) {
      const sources = isSeq(merge.value) ? (merge.value.items as (YamlNode | null)[]) : [merge.value];
      for (const source of sources) {
        const target = isAlias(source) ? this.anchors.get(source.source) : source;
        const views = source ? this.walk(source, joinPointer(pointer, '<<'), depth + 1) : undefined;
        if (
          !isMap(target) ||
          !views ||
          typeof views.data !== 'object' ||
          views.data === null ||
          Array.isArray(views.data)
        ) {
          if (!isAlias(source) || this.anchors.has(source.source))
            this.diag(
              'DAGC-YAML-MERGE',
              'a "<<" merge key takes a mapping, an alias of one, or a list of them',
              rangeOf(source) ?? merge.range,
              'merge mappings only, e.g. "<<: *defaults"',
              pointer,
            );
          continue;
        }
        const srcHash = views.hash as Record<string, unknown>;
        for (const pair of target.items) {
          const k =
            isScalar(pair.key) && typeof pair.key.value === 'string'
              ? this.mapString(pair.key.value)
              : undefined;
          if (k === undefined || firstAt.has(k) || !Object.hasOwn(views.data as object, k)) continue;
          firstAt.set(k, rangeOf(pair.key as YamlNode));
          this.locator.set(
            joinPointer(pointer, k),
            rangeOf(pair.value as YamlNode | null),
            rangeOf(pair.key as YamlNode),
          );
          setOwn(hash, k, srcHash[k]);
          setOwn(data, k, (views.data as Record<string, unknown>)[k]);
        }
      }
    }
    return { hash, data };
  }

  private lineOf(offset: number): number {
    return this.lines.linePos(offset).line;
  }
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'bigint' || typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return typeof value;
}
