// Parses a .env file (spec §2.4, with our decisions: magnus cut every line at the first '#' and split on every
// '=', so values holding '=' or '#' and blank lines were errors). Here: `NAME=value` split at the first '=',
// full-line '#' comments and blank lines allowed, an optional `export ` prefix, single- or double-quoted values
// (quotes removed; `\n`, `\t`, `\r`, `\"`, `\\` escapes inside double quotes), and ` # comment` after an unquoted
// value removed. Errors name the line and what is expected, never the line's content: it may be a secret.

export interface DotenvResult {
  /** The values read (up to the first bad line, when there is one). */
  values: Map<string, string>;
  /** The first bad line (1-based) and what was expected there. */
  error?: { line: number; problem: string };
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '"': '"', '\\': '\\' };

/** The value after '=': [value, rest of the line after it] or a problem. */
function parseValue(raw: string): { value: string; rest: string } | { problem: string } {
  const text = raw.trimStart();
  const quote = text[0];
  if (quote === "'" || quote === '"') {
    let value = '';
    for (let i = 1; i < text.length; i++) {
      const c = text[i]!;
      if (c === quote) return { value, rest: text.slice(i + 1) };
      if (quote === '"' && c === '\\' && i + 1 < text.length) {
        const next = text[i + 1]!;
        value += ESCAPES[next] ?? `\\${next}`;
        i++;
      } else value += c;
    }
    return {
      problem: `the value opens a ${quote === '"' ? 'double' : 'single'} quote that is not closed on the same line`,
    };
  }
  // An unquoted value ends at a '#' that follows whitespace (`KEY=a#b` keeps its '#').
  const comment = /(^|\s)#/.exec(text);
  return { value: (comment ? text.slice(0, comment.index) : text).trimEnd(), rest: '' };
}

export function parseDotenv(text: string): DotenvResult {
  const values = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (const [i, original] of lines.entries()) {
    const line = original.trim();
    if (line === '' || line.startsWith('#')) continue;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    if (eq < 0) return { values, error: { line: i + 1, problem: 'expected NAME=value (no "=" found)' } };
    const name = body.slice(0, eq).trim();
    if (!NAME.test(name))
      return {
        values,
        error: {
          line: i + 1,
          problem:
            'expected NAME=value where NAME is letters, digits, "_", "." or "-", not starting with a digit',
        },
      };
    const parsed = parseValue(body.slice(eq + 1));
    if ('problem' in parsed) return { values, error: { line: i + 1, problem: parsed.problem } };
    const rest = parsed.rest.trim();
    if (rest !== '' && !rest.startsWith('#'))
      return {
        values,
        error: { line: i + 1, problem: 'expected only a "# comment" after the closing quote' },
      };
    values.set(name, parsed.value);
  }
  return { values };
}
