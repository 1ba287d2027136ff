// The manifest as YAML text, fast: yaml's stringify builds a node per value and costs ~0.4 ms per step of a
// pipeline (over half of a 500-step compile, issue 16). This writer lays out maps, sequences, anchors and
// aliases as yaml 2 does (block style, indentSeq, lineWidth 0) and writes the common scalar — a plain word —
// itself; every other scalar and key is rendered once by yaml itself in a small document of the same depth
// (cached), so quoting and block scalars stay yaml's own. Anything it does not expect makes it give up
// (undefined), and the caller uses yaml for the whole document. yaml-text.test.ts checks it against yaml.
import { Document, isScalar, stringify, visit } from 'yaml';

type Json = Record<string, unknown>;

class Unexpected extends Error {}

/** Strings yaml writes plain, as they are, in a block map value, a sequence item or a key: they start with a
 * letter, hold no indicator, space or number form, and are no YAML 1.1 boolean or null. */
const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9_./-]*$/;
/** Values also written plain, as they are (yaml's plainString): a letter first (no indicator, no number,
 * timestamp or document marker), single spaces between other characters (none last), and no ':' or '#' (a
 * key or comment mark next to a space) — Argo's `depends` expressions, `s1.Failed || s1.Errored`. */
const PLAIN_PHRASE = /^[A-Za-z](?:[A-Za-z0-9_./|&()=!<>-]| (?=[^ ]))*$/;
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

/** The scalar as yaml writes it: on the line of its key or dash, then (block scalars, long quoted strings) lines
 * indented relative to that key or dash (null: an empty line, with no indentation either). */
interface Rendered {
  readonly first: string;
  readonly rest: readonly (string | null)[];
}

const pad = (depth: number) => '  '.repeat(depth);

function isPlainObject(value: object): value is Json {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

export class YamlWriter {
  private readonly cache = new Map<string, Rendered>();
  private readonly keyCache = new Map<string, string>();
  private readonly anchors = new Map<object, string>();
  private readonly written = new Set<object>();
  private readonly out: string[] = [];

  /** `quoteNumbers12`: strings a YAML 1.2 reader takes for numbers are double-quoted (emit-argo's toYamlDocument). */
  constructor(private readonly quoteNumbers12: RegExp | undefined) {}

  /** yaml's text of a small document holding `value` at the same depth category (0, 1 or deeper). */
  private yamlOf(value: Json): string {
    if (!this.quoteNumbers12) return stringify(value, { version: '1.1', lineWidth: 0 });
    const doc = new Document(value, { version: '1.1' });
    const re = this.quoteNumbers12;
    visit(doc, {
      Scalar(_key, node) {
        if (isScalar(node) && typeof node.value === 'string' && re.test(node.value)) node.type = 'QUOTE_DOUBLE';
      },
    });
    return stringify(doc, { lineWidth: 0 });
  }

  private wrap(depth: number, inner: Json): Json {
    let value = inner;
    for (let i = 0; i < depth; i++) value = { a: value };
    return value;
  }

  /** A scalar value: `inSeq` as a sequence item, else as a map value; `depth` of the map or sequence holding it. */
  private scalar(value: unknown, depth: number, inSeq: boolean): Rendered {
    if (typeof value === 'string' && PLAIN_PHRASE.test(value) && !YAML11_WORDS.test(value)) return { first: value, rest: [] };
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return { first: String(value), rest: [] };
    if (value !== null && typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') throw new Unexpected();
    // The wrapper puts a sequence at d + 1, a map at d: the same depth as here, up to 2 (only depths 0 and 1
    // change how yaml writes a scalar: document markers).
    const d = Math.min(inSeq ? Math.max(depth - 1, 0) : depth, 2);
    const id = `${d}${inSeq ? 's' : 'm'}${typeof value}:${String(value)}`;
    const hit = this.cache.get(id);
    if (hit) return hit;
    const text = this.yamlOf(this.wrap(d, { k: inSeq ? [value] : value }));
    let prefix = '';
    for (let i = 0; i < d; i++) prefix += `${pad(i)}a:\n`;
    prefix += inSeq ? `${pad(d)}k:\n${pad(d + 1)}- ` : `${pad(d)}k: `;
    if (!text.startsWith(prefix) || !text.endsWith('\n')) throw new Unexpected();
    const lines = text.slice(prefix.length, -1).split('\n');
    const base = inSeq ? pad(d + 2) : pad(d + 1);
    const rest = lines.slice(1).map((line) => {
      if (line === '') return null;
      if (!line.startsWith(base)) throw new Unexpected();
      return line.slice(base.length);
    });
    const rendered = { first: lines[0]!, rest };
    this.cache.set(id, rendered);
    return rendered;
  }

  /** A key of a map at `depth`, as yaml writes it before ': '. */
  private key(key: string, depth: number): string {
    if (PLAIN_WORD.test(key) && !YAML11_WORDS.test(key)) return key;
    const d = Math.min(depth, 2);
    const id = `${d}:${key}`;
    const hit = this.keyCache.get(id);
    if (hit !== undefined) return hit;
    const text = this.yamlOf(this.wrap(d, { [key]: 0 }));
    let prefix = '';
    for (let i = 0; i < d; i++) prefix += `${pad(i)}a:\n`;
    prefix += pad(d);
    if (!text.startsWith(prefix) || !text.endsWith(': 0\n')) throw new Unexpected();
    const rendered = text.slice(prefix.length, -': 0\n'.length);
    if (rendered.includes('\n') || rendered.startsWith('? ')) throw new Unexpected();
    this.keyCache.set(id, rendered);
    return rendered;
  }

  /** Anchors as yaml's createNode names them: a1, a2, … in the order objects are met a second time. */
  private findAnchors(root: object): void {
    const seen = new Set<object>();
    let next = 1;
    const walk = (value: unknown): void => {
      if (value === null || typeof value !== 'object') return;
      if (seen.has(value)) {
        if (!this.anchors.has(value)) this.anchors.set(value, `a${next++}`);
        return;
      }
      seen.add(value);
      if (Array.isArray(value)) {
        for (const item of value) {
          if (item === undefined) throw new Unexpected();
          walk(item);
        }
      } else if (isPlainObject(value)) {
        for (const k of Object.keys(value)) walk(value[k]);
      } else throw new Unexpected();
    };
    walk(root);
  }

  private entries(map: Json): [string, unknown][] {
    const out: [string, unknown][] = [];
    for (const k of Object.keys(map)) if (map[k] !== undefined) out.push([k, map[k]]);
    return out;
  }

  /**
   * A value after `head` (`key:` or `-`, with what precedes it on the line): `depth` is that of the map or
   * sequence holding it (its key or dash sits at pad(depth)).
   */
  private value(head: string, value: unknown, depth: number, inSeq: boolean): void {
    const out = this.out;
    if (value === null || typeof value !== 'object') {
      const r = this.scalar(value, depth, inSeq);
      out.push(`${head} ${r.first}`);
      if (r.rest.length) {
        const indent = pad(depth + 1);
        for (const line of r.rest) out.push(line === null ? '' : indent + line);
      }
      return;
    }
    const anchor = this.anchors.get(value);
    if (anchor !== undefined && this.written.has(value)) {
      out.push(`${head} *${anchor}`);
      return;
    }
    if (anchor !== undefined) this.written.add(value);
    const tag = anchor !== undefined ? ` &${anchor}` : '';
    if (Array.isArray(value)) {
      if (!value.length) out.push(`${head}${tag} []`);
      else if (inSeq && !tag) this.seq(value, depth + 1, `${head} `);
      else {
        out.push(`${head}${tag}`);
        this.seq(value, depth + 1, pad(depth + 1));
      }
      return;
    }
    const pairs = this.entries(value as Json);
    if (!pairs.length) out.push(`${head}${tag} {}`);
    else if (inSeq && !tag) this.map(pairs, depth + 1, `${head} `);
    else {
      out.push(`${head}${tag}`);
      this.map(pairs, depth + 1, pad(depth + 1));
    }
  }

  /** The pairs of a map at `depth`, the first one's line starting with `first` (pad(depth), or a dash before it). */
  private map(pairs: [string, unknown][], depth: number, first: string): void {
    pairs.forEach(([k, v], i) => this.value(`${i ? pad(depth) : first}${this.key(k, depth)}:`, v, depth, false));
  }

  private seq(items: unknown[], depth: number, first: string): void {
    items.forEach((item, i) => this.value(`${i ? pad(depth) : first}-`, item, depth, true));
  }

  /** The document's text, or undefined when it holds something this writer does not lay out as yaml would. */
  write(root: Json): string | undefined {
    try {
      if (!isPlainObject(root)) return undefined;
      this.findAnchors(root);
      const pairs = this.entries(root);
      if (!pairs.length) return undefined;
      this.map(pairs, 0, '');
      return this.out.join('\n') + '\n';
    } catch (error) {
      if (error instanceof Unexpected) return undefined;
      throw error;
    }
  }
}
