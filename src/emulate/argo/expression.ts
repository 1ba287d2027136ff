// The boolean expressions of Argo DAG tasks, for the emulator:
//  - `depends` (docs/enhanced-depends-logic.md): operands `task.Succeeded`, `.Failed`, `.Errored`, `.Skipped`,
//    `.Omitted`, `.Daemoned`, `.AnySucceeded`, `.AllFailed`; a bare `task` means
//    `(task.Succeeded || task.Skipped || task.Daemoned)`; operators `&&`, `||`, `!` and parentheses.
//  - `when` after its `{{…}}` were substituted (docs/walk-through/conditionals.md): comparisons of numbers and
//    strings (`3 > 0`, `heads == heads`, `'a' != 'b'`) joined by the same operators.
// Argo evaluates both with expr-lang; this covers the subset those documents describe.

export type Value = boolean | number | string;

type Token =
  | { kind: 'op'; text: string }
  | { kind: 'num'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'word'; text: string };

export class ExpressionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExpressionError';
  }
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    const two = source.slice(i, i + 2);
    if (['&&', '||', '==', '!=', '<=', '>='].includes(two)) {
      tokens.push({ kind: 'op', text: two });
      i += 2;
      continue;
    }
    if ('!()<>'.includes(ch)) {
      tokens.push({ kind: 'op', text: ch });
      i++;
      continue;
    }
    if (ch === "'" || ch === '"') {
      const end = source.indexOf(ch, i + 1);
      if (end < 0) throw new ExpressionError(`unterminated string in "${source}"`);
      tokens.push({ kind: 'str', value: source.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    const num = /^-?\d+(\.\d+)?/.exec(source.slice(i));
    if (num && (tokens.length === 0 || tokens[tokens.length - 1]!.kind === 'op')) {
      tokens.push({ kind: 'num', value: Number(num[0]) });
      i += num[0].length;
      continue;
    }
    // Words: task names (letters, digits, '-', '_') with '.Result', or bare strings in `when`.
    const word = /^[A-Za-z0-9_\-.]+/.exec(source.slice(i));
    if (!word) throw new ExpressionError(`unexpected "${ch}" in "${source}"`);
    tokens.push({ kind: 'word', text: word[0] });
    i += word[0].length;
  }
  return tokens;
}

export type Resolver = (word: string) => Value;

/** Evaluates to a boolean; `resolve` gives the value of each word (a task result, or a bare string). */
export function evaluate(source: string, resolve: Resolver): boolean {
  const tokens = tokenize(source);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (text: string) => {
    const t = peek();
    return t?.kind === 'op' && t.text === text;
  };

  const primary = (): Value => {
    const t = tokens[pos++];
    if (!t) throw new ExpressionError(`"${source}" ends too early`);
    if (t.kind === 'op' && t.text === '(') {
      const v = or();
      if (!isOp(')')) throw new ExpressionError(`missing ")" in "${source}"`);
      pos++;
      return v;
    }
    if (t.kind === 'num') return t.value;
    if (t.kind === 'str') return t.value;
    if (t.kind === 'word') {
      if (t.text === 'true') return true;
      if (t.text === 'false') return false;
      return resolve(t.text);
    }
    throw new ExpressionError(`unexpected "${t.text}" in "${source}"`);
  };

  const comparison = (): Value => {
    const left = primary();
    const t = peek();
    if (t?.kind === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.text)) {
      pos++;
      const right = primary();
      switch (t.text) {
        case '==':
          return left === right || String(left) === String(right);
        case '!=':
          return !(left === right || String(left) === String(right));
        default: {
          const [a, b] = typeof left === 'number' && typeof right === 'number' ? [left, right] : [Number(left), Number(right)];
          if (Number.isNaN(a) || Number.isNaN(b)) throw new ExpressionError(`cannot compare "${left}" and "${right}" with ${t.text} in "${source}"`);
          return t.text === '<' ? a < b : t.text === '<=' ? a <= b : t.text === '>' ? a > b : a >= b;
        }
      }
    }
    return left;
  };

  const unary = (): Value => {
    if (isOp('!')) {
      pos++;
      return !truthy(unary());
    }
    return comparison();
  };

  const and = (): Value => {
    let v = unary();
    while (isOp('&&')) {
      pos++;
      const right = unary();
      v = truthy(v) && truthy(right);
    }
    return v;
  };

  function or(): Value {
    let v = and();
    while (isOp('||')) {
      pos++;
      const right = and();
      v = truthy(v) || truthy(right);
    }
    return v;
  }

  function truthy(v: Value): boolean {
    if (typeof v !== 'boolean') throw new ExpressionError(`"${v}" is not true or false in "${source}"`);
    return v;
  }

  const result = or();
  if (pos !== tokens.length) throw new ExpressionError(`unexpected "${JSON.stringify(tokens[pos])}" in "${source}"`);
  return truthy(result);
}

export interface TaskResults {
  Succeeded: boolean;
  Failed: boolean;
  Errored: boolean;
  Skipped: boolean;
  Omitted: boolean;
  Daemoned: boolean;
  AnySucceeded: boolean;
  AllFailed: boolean;
}

const RESULTS = new Set(['Succeeded', 'Failed', 'Errored', 'Skipped', 'Omitted', 'Daemoned', 'AnySucceeded', 'AllFailed']);

/** The task names a `depends` expression waits for. */
export function dependsTasks(source: string): string[] {
  const out: string[] = [];
  for (const t of tokenize(source)) {
    if (t.kind !== 'word' || t.text === 'true' || t.text === 'false') continue;
    const dot = t.text.lastIndexOf('.');
    const name = dot > 0 && RESULTS.has(t.text.slice(dot + 1)) ? t.text.slice(0, dot) : t.text;
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** Evaluates a `depends` expression over the results of the tasks it names. */
export function evaluateDepends(source: string, results: (task: string) => TaskResults | undefined): boolean {
  return evaluate(source, (word) => {
    const dot = word.lastIndexOf('.');
    const hasResult = dot > 0 && RESULTS.has(word.slice(dot + 1));
    const task = hasResult ? word.slice(0, dot) : word;
    const r = results(task);
    if (!r) throw new ExpressionError(`depends names "${task}", which is not a task of this DAG`);
    if (!hasResult) return r.Succeeded || r.Skipped || r.Daemoned;
    return r[word.slice(dot + 1) as keyof TaskResults];
  });
}

/** Evaluates a `when` expression (already substituted); a bare word is a string. */
export function evaluateWhen(source: string): boolean {
  return evaluate(source, (word) => word);
}
