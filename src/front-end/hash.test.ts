// Every expected string here was produced by `python3 -c 'import json; print(json.dumps(v, sort_keys=True))'`
// and pasted in, and random mappings are compared with the live python3 where there is one: the point is byte
// equality with Python (magnus-spec.md §3.9).
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { pythonOrSkip } from '../../test/helpers/python.js';
import { compareCodePoints, hashDag, pythonFloatRepr, pythonJsonDumps, pythonJsonText } from './hash.js';

describe('pythonJsonDumps', () => {
  it('sorts keys, uses ", " and ": ", and keeps int vs float apart', () => {
    expect(pythonJsonDumps({ b: 1n, a: [1.0, 2.5, -0.0, 0.0] })).toBe('{"a": [1.0, 2.5, -0.0, 0.0], "b": 1}');
  });

  it('prints floats as Python repr does', () => {
    const floats = [
      1e16,
      1e15,
      Number('123456789012345678.0'),
      1e-5,
      0.0001,
      1.5e-7,
      1e100,
      1.7976931348623157e308,
      5e-324,
      0.1,
      1 / 3,
      100.0,
      1e22,
      -1e-7,
      12345.678,
      2.5e-5,
      9999999999999998.0,
      0.00012,
    ];
    expect(pythonJsonDumps(floats)).toBe(
      '[1e+16, 1000000000000000.0, 1.2345678901234568e+17, 1e-05, 0.0001, 1.5e-07, 1e+100, 1.7976931348623157e+308, ' +
        '5e-324, 0.1, 0.3333333333333333, 100.0, 1e+22, -1e-07, 12345.678, 2.5e-05, 9999999999999998.0, 0.00012]',
    );
  });

  it('more float reprs', () => {
    const cases: [number, string][] = [
      [2 ** 53, '9007199254740992.0'],
      [1e-4, '0.0001'],
      [0.001, '0.001'],
      [123.0e10, '1230000000000.0'],
      [4.35, '4.35'],
      [0.5e-4, '5e-05'],
      [1e21, '1e+21'],
      [1e-323, '1e-323'],
      [22.0 / 7, '3.142857142857143'],
    ];
    for (const [x, repr] of cases) expect(pythonFloatRepr(x)).toBe(repr);
  });

  it('writes Infinity, -Infinity and NaN as Python does', () => {
    expect(pythonJsonDumps([Infinity, -Infinity, NaN])).toBe('[Infinity, -Infinity, NaN]');
  });

  it('escapes non-ASCII as \\uXXXX with surrogate pairs and sorts keys by code point', () => {
    // U+1F600 sorts after U+FFFF in Python; a UTF-16 sort would put it first.
    expect(pythonJsonDumps({ é: 'ü', '\u{1F600}': 'x', '\uffff': 'y', z: '\u{1F600}' })).toBe(
      '{"z": "\\ud83d\\ude00", "\\u00e9": "\\u00fc", "\\uffff": "y", "\\ud83d\\ude00": "x"}',
    );
  });

  it("uses Python's escapes for quotes, backslashes and control characters", () => {
    const s = 'quote " back \\ nl \n cr \r tab \t bs \b ff \f nul \x00 esc \x1b del \x7f nbsp \xa0';
    expect(pythonJsonDumps(s)).toBe(
      '"quote \\" back \\\\ nl \\n cr \\r tab \\t bs \\b ff \\f nul \\u0000 esc \\u001b del \\u007f nbsp \\u00a0"',
    );
  });

  it('quotes every UTF-16 unit, alone and among others, as JSON.stringify with ensure_ascii would', () => {
    // An oracle apart from quote(): JSON.stringify escapes what Python's json does below ' ' (the same short
    // escapes, lower-case \u00XX otherwise) and lone surrogates; ensure_ascii escapes the rest from DEL up.
    const python = (text: string) =>
      JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    for (let c = 0; c <= 0xffff; c++) {
      const text = `a${String.fromCharCode(c)}b`;
      if (pythonJsonDumps(text) !== python(text)) expect([c, pythonJsonDumps(text)]).toEqual([c, python(text)]);
    }
    const pool = ['a', 'Z', ' ', '~', '"', '\\', '/', '\n', '\x7f', 'é', '😀', '\ud800', '\u2028', 'word'];
    let seed = 11;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (let i = 0; i < 2_000; i++) {
      let text = '';
      for (let n = Math.floor(random() * 6); n > 0; n--) text += pool[Math.floor(random() * pool.length)];
      expect(pythonJsonDumps(text)).toBe(python(text));
    }
  });

  it('leaves / < > & and single quotes alone', () => {
    expect(pythonJsonDumps("/ slash < > & '")).toBe('"/ slash < > & \'"');
  });

  it('writes null, booleans and empty containers', () => {
    expect(pythonJsonDumps({ '': null, t: true, f: false, e: {}, l: [] })).toBe(
      '{"": null, "e": {}, "f": false, "l": [], "t": true}',
    );
  });

  it('sorts ASCII keys by code point (space, digits, upper case, underscore, lower case)', () => {
    expect(pythonJsonDumps({ B: 1n, a: 2n, _: 3n, '1': 4n, ' ': 5n })).toBe(
      '{" ": 5, "1": 4, "B": 1, "_": 3, "a": 2}',
    );
  });

  it('prints big integers exactly', () => {
    expect(pythonJsonDumps(12345678901234567890123n)).toBe('12345678901234567890123');
  });

  it('sorts nested mappings inside lists', () => {
    expect(pythonJsonDumps([{ b: { d: 1n, c: [{ f: 1n, e: 2n }] }, a: null }])).toBe(
      '[{"a": null, "b": {"c": [{"e": 2, "f": 1}], "d": 1}}]',
    );
  });

  it('sorts numeric Map keys numerically before stringifying them, like Python', () => {
    const m = new Map<unknown, unknown>([
      [10n, 'b'],
      [2n, 'a'],
      [1.5, 'c'],
    ]);
    expect(pythonJsonDumps(m)).toBe('{"1.5": "c", "2": "a", "10": "b"}');
    expect(pythonJsonDumps(new Map([[null, 1n]]))).toBe('{"null": 1}');
  });

  it('refuses what Python refuses', () => {
    expect(() =>
      pythonJsonDumps(
        new Map<unknown, unknown>([
          [1n, 'a'],
          ['b', 'c'],
        ]),
      ),
    ).toThrow(TypeError);
    expect(() => pythonJsonDumps(new Date(0))).toThrow(/not JSON serializable/);
    expect(() => pythonJsonDumps(undefined)).toThrow(/not JSON serializable/);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    expect(() => pythonJsonDumps(loop)).toThrow(/Circular/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { a: 1n };
    expect(pythonJsonDumps([shared, shared])).toBe('[{"a": 1}, {"a": 1}]');
  });
});

const PY = pythonOrSkip('hash: json.dumps(sort_keys=True) of random mappings');

describe.skipIf(!PY)('pythonJsonDumps against the live python3', () => {
  it('sorts and writes random nested mappings as json.dumps(sort_keys=True) does', () => {
    // Keys from a pool where UTF-16 order and code-point order disagree (astral characters against U+E000 to
    // U+FFFF), lone surrogates, prefixes of each other, and plain ASCII; values nest mappings and lists.
    const pool = ['a', 'b', 'ab', 'B', '_', '1', ' ', 'é', '\uffff', '\ue000', '\u{1F600}', '\u{10000}', '\ud800', '\udfff', 'a\u{1F600}', 'a\uffff', '', 'Z'];
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const key = () => {
      let k = '';
      for (let n = 1 + Math.floor(random() * 3); n > 0; n--) k += pool[Math.floor(random() * pool.length)];
      return k;
    };
    const value = (depth: number): unknown => {
      const r = random();
      if (depth > 2 || r < 0.4) return pool[Math.floor(random() * pool.length)];
      if (r < 0.55) return Array.from({ length: Math.floor(random() * 4) }, () => value(depth + 1));
      const object: Record<string, unknown> = {};
      for (let n = Math.floor(random() * 8); n > 0; n--) object[key()] = value(depth + 1);
      return object;
    };
    const values = Array.from({ length: 400 }, () => value(0));
    // JSON.stringify writes lone surrogates as \udXXX escapes, which json.loads reads back as they were.
    const out = execFileSync(
      PY!,
      ['-c', 'import json, sys\nfor v in json.loads(sys.stdin.read()): print(json.dumps(v, sort_keys=True))'],
      { input: JSON.stringify(values), encoding: 'utf8' },
    ).split('\n');
    for (const [i, v] of values.entries()) expect(pythonJsonDumps(v)).toBe(out[i]);
  });
});

describe('compareCodePoints', () => {
  it('orders astral characters after the top of the BMP', () => {
    expect(compareCodePoints('\u{10000}', '\uffff')).toBeGreaterThan(0);
    expect(compareCodePoints('a', 'ab')).toBeLessThan(0);
    expect(compareCodePoints('\u{1F600}a', '\u{1F600}b')).toBeLessThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });
});

describe('hashDag', () => {
  it('is sha1 of the Python JSON text', () => {
    const dag = {
      start_at: 'a',
      steps: {
        a: { type: 'task', command: 'echo hi', next: 'success', retry: 2n },
        success: { type: 'success' },
        fail: { type: 'fail' },
      },
      max_time: 3600.0,
    };
    expect(hashDag(dag)).toBe('31aaf0570fef0bb542ac5178051d5fe25a456e8d');
  });

  it('hashes the escaped text, not the raw UTF-8', () => {
    expect(hashDag({ x: 'caf\u00e9 \u{1F600}' })).toBe('862542b40a2df553cb3e8ab2aa7429a83563d9ea');
  });

  it('changes when an integer becomes a float', () => {
    expect(hashDag({ retry: 1n })).not.toBe(hashDag({ retry: 1.0 }));
  });
});

describe('pythonJsonText', () => {
  it('writes what Python json.dumps writes for data (insertion order, ints as ints, ASCII only)', () => {
    // python3 -c 'import json; print(json.dumps({"b": 1, "a": [1.5, "é", None, True], "c": {"ham": "Yes, please!!"}}))'
    expect(pythonJsonText({ b: 1, a: [1.5, 'é', null, true], c: { ham: 'Yes, please!!' } })).toBe(
      '{"b": 1, "a": [1.5, "\\u00e9", null, true], "c": {"ham": "Yes, please!!"}}',
    );
    expect(pythonJsonText('Hello')).toBe('"Hello"');
    expect(pythonJsonText(1e20)).toBe('1e+20');
  });
});
