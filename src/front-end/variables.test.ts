// Expected substitutions were produced with Python 3.11:
//   python3 -c 'import string; print(repr(string.Template(c).safe_substitute(**v)))'
// and pasted in, so the tests pin Python's behaviour, not our reading of it.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadVariables, substitute } from './variables.js';

describe('substitute (Python string.Template.safe_substitute)', () => {
  const v = { name: 'World', a: 'A', _x1: 'X', Name: 'Big', dollar: '$name', n: 'N' };
  const cases: [string, string][] = [
    ['Hello $name!', 'Hello World!'],
    ['${name}s', 'Worlds'],
    ['$$name', '$name'],
    ['$$', '$'],
    ['$', '$'],
    ['a $ b', 'a $ b'],
    ['$1abc', '$1abc'],
    ['${1}', '${1}'],
    ['${name', '${name'],
    ['$name_more', '$name_more'],
    ['$Name $NAME', 'Big $NAME'],
    ['${ name }', '${ name }'],
    ['$unknown ${unknown}', '$unknown ${unknown}'],
    ['$$$name', '$World'],
    ['$a$n', 'AN'],
    ['x$_x1y', 'x$_x1y'],
    ['${_x1}y', 'Xy'],
    ['$dollar', '$name'], // replacements are not rescanned
    ['${}', '${}'],
    ['$-', '$-'],
    ['cost: $5', 'cost: $5'],
    ['$é', '$é'],
    ['$\u212aelvin', '$\u212aelvin'], // KELVIN SIGN: IGNORECASE must not let it match [a-z] (ASCII only)
    ['$\u017f', '$\u017f'], // LONG S likewise
    ['${a}${n}$', 'AN$'],
    ['$name.$n', 'World.N'],
    ['end$', 'end$'],
    ['no dollars at all', 'no dollars at all'],
  ];
  for (const [input, expected] of cases)
    it(`${JSON.stringify(input)} → ${JSON.stringify(expected)}`, () => {
      expect(substitute(input, v)).toBe(expected);
    });

  it('collapses $$ even with no variables (quirk §10.6)', () => {
    expect(substitute('echo $$HOME ${x} $$', {})).toBe('echo $HOME ${x} $');
  });

  it('does not look names up on the prototype', () => {
    expect(substitute('$toString $constructor ${__proto__}', {})).toBe('$toString $constructor ${__proto__}');
  });
});

describe('loadVariables', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-vars-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
    return name;
  };

  it('reads var files, later files winning, values as Python str()', async () => {
    const a = write(
      'a.yaml',
      'image: one\nversion: 1.0\ncount: 3\nflag: true\nnothing:\nbig: 1e20\ntext: "x y"\n',
    );
    const b = write('sub/b.yaml', 'image: two\n');
    const r = await loadVariables({}, [a, b], dir);
    expect(r.diagnostics).toEqual([]);
    // python3: str(1.0) == '1.0', str(True) == 'True', str(None) == 'None', str(1e20) == '1e+20'
    expect(r.variables).toEqual({
      image: 'two',
      version: '1.0',
      count: '3',
      flag: 'True',
      nothing: 'None',
      big: '1e+20',
      text: 'x y',
    });
  });

  it('lets MAGNUS_VAR_* win over files and DAGC_VAR_* win over MAGNUS_VAR_*, keeping case', async () => {
    const f = write('c.yaml', 'Image: file\nother: file\n');
    const env = {
      MAGNUS_VAR_Image: 'magnus',
      DAGC_VAR_Image: 'dagc',
      MAGNUS_VAR_only_magnus: 'm',
      MAGNUS_VAR_: 'ignored: no name',
      PATH: '/bin',
      DAGC_VAR_unset: undefined,
    };
    const r = await loadVariables(env, [f], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.variables).toEqual({ Image: 'dagc', other: 'file', only_magnus: 'm' });
  });

  it('keeps a variable named __proto__ as an ordinary entry', async () => {
    const r = await loadVariables({ DAGC_VAR___proto__: 'p' }, [], dir);
    expect(Object.keys(r.variables)).toEqual(['__proto__']);
    expect(substitute('${__proto__}', r.variables)).toBe('p');
  });

  it('reports a missing file with a hint', async () => {
    const r = await loadVariables({}, ['nope.yaml'], dir);
    expect(r.variables).toEqual({});
    expect(r.diagnostics).toEqual([
      {
        code: 'DAGC-VAR-FILE-MISSING',
        severity: 'error',
        message: 'the var file "nope.yaml" does not exist',
        hint: `check the path given to --var-file; relative paths are read from ${dir}`,
        file: 'nope.yaml',
        start: { line: 1, column: 1 },
      },
    ]);
  });

  it('reports a folder given as var file', async () => {
    mkdirSync(path.join(dir, 'folder'), { recursive: true });
    const r = await loadVariables({}, ['folder'], dir);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message])).toEqual([
      ['DAGC-VAR-FILE-UNREADABLE', 'error', 'the var file "folder" cannot be read (EISDIR)'],
    ]);
  });

  it('locates non-scalar values and non-string names', async () => {
    const f = write('bad.yaml', 'ok: 1\nlist: [1, 2]\nmap:\n  a: 1\n1: x\n');
    const r = await loadVariables({}, [f], dir);
    expect(r.variables).toEqual({ ok: '1' });
    expect(r.diagnostics.map((d) => [d.code, d.start.line, d.start.column, d.pointer ?? null])).toEqual([
      ['DAGC-VAR-NOT-SCALAR', 2, 7, '/list'],
      ['DAGC-VAR-NOT-SCALAR', 4, 3, '/map'],
      ['DAGC-VAR-NAME', 5, 1, null],
    ]);
    expect(r.diagnostics[0]?.message).toBe(
      'variable "list" must be a scalar (text, number, boolean), not a list',
    );
  });

  it('resolves aliases to scalars', async () => {
    const f = write('alias.yaml', 'a: &x hello\nb: *x\n');
    const r = await loadVariables({}, [f], dir);
    expect(r.diagnostics).toEqual([]);
    expect(r.variables).toEqual({ a: 'hello', b: 'hello' });
  });

  it('warns about names no placeholder can reach, and still defines them', async () => {
    const f = write('names.yaml', 'my-var: 1\n');
    const r = await loadVariables({}, [f], dir);
    expect(r.variables).toEqual({ 'my-var': '1' });
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.start.line, d.hint])).toEqual([
      ['DAGC-VAR-UNUSABLE-NAME', 'warning', 1, 'rename it, e.g. "my_var"'],
    ]);
  });

  it('reports YAML syntax errors with their position', async () => {
    const f = write('syntax.yaml', 'a: 1\n\tb: 2\n');
    const r = await loadVariables({}, [f], dir);
    expect(r.variables).toEqual({});
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.message, d.start.line, d.start.column])).toEqual([
      ['DAGC-VAR-FILE-YAML', 'error', 'Tabs are not allowed as indentation', 2, 1],
    ]);
  });

  it('reports duplicate names (YAML forbids them)', async () => {
    const f = write('dup.yaml', 'a: 1\na: 2\n');
    const r = await loadVariables({}, [f], dir);
    expect(r.diagnostics.map((d) => [d.code, d.start.line])).toEqual([['DAGC-VAR-FILE-YAML', 2]]);
  });

  it('refuses a var file that is not a mapping and warns about an empty one', async () => {
    const list = write('list.yaml', '- a\n- b\n');
    const empty = write('empty.yaml', '# nothing\n');
    const r = await loadVariables({}, [list, empty], dir);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.file, d.start.line])).toEqual([
      ['DAGC-VAR-FILE-NOT-MAPPING', 'error', 'list.yaml', 1],
      ['DAGC-VAR-FILE-EMPTY', 'warning', 'empty.yaml', 1],
    ]);
  });
});
