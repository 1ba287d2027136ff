import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { pythonOrSkip } from '../../test/helpers/python.js';
import { PyFloat, jsonCloneKeepFloats, parseJson, pyFloat, pyFloatRepr, stringifyJson } from './py-float.js';

const PY = pythonOrSkip('py-float: json.dumps');

describe('PyFloat', () => {
  test('whole floats are wrapped, fractions stay numbers; it computes and prints like Python', () => {
    expect(pyFloat(2)).toBeInstanceOf(PyFloat);
    expect(pyFloat(2.5)).toBe(2.5);
    const f = new PyFloat(42);
    expect(Number(f) + 1).toBe(43);
    expect((f as unknown as number) > 41).toBe(true);
    expect(String(f)).toBe('42.0');
    expect(String(new PyFloat(1e20))).toBe('1e+20');
    expect(JSON.stringify({ f })).toBe('{"f":42}');
  });

  test('parseJson keeps 2.0 and 1e3 as floats, ints as numbers, and strings untouched', () => {
    const value = parseJson('{"a": 2.0, "b": 2, "c": [1e3, -0.0, 2.5], "s": "3.0 \\" 4.0", "n": null}') as Record<string, unknown>;
    expect(value.a).toEqual(new PyFloat(2));
    expect(value.b).toBe(2);
    expect((value.c as unknown[])[0]).toEqual(new PyFloat(1000));
    expect((value.c as unknown[])[2]).toBe(2.5);
    expect(value.s).toBe('3.0 " 4.0');
    expect(stringifyJson(value)).toBe('{"a":2.0,"b":2,"c":[1000.0,-0.0,2.5],"s":"3.0 \\" 4.0","n":null}');
  });

  test('stringifyJson with indentation, and a clone keeps the floats', () => {
    const cloned = jsonCloneKeepFloats({ x: [new PyFloat(1)] });
    expect(cloned.x[0]).toBeInstanceOf(PyFloat);
    expect(stringifyJson(cloned, 2)).toBe('{\n  "x": [\n    1.0\n  ]\n}');
  });

  test('a string that looks like the private marker stays a string', () => {
    const tricky = '\u0000pyfloat-x-1.0';
    expect(parseJson(stringifyJson({ tricky }))).toEqual({ tricky });
  });

  test.runIf(PY)('what Python json.dumps writes for floats, parsed and written back byte for byte', () => {
    // The oracle is Python itself: its json.dumps text of floats and ints of every shape.
    const text = execFileSync(PY!, [
      '-c',
      'import json; print(json.dumps({"a": 1.0, "b": 1, "c": 1e16, "d": 1e20, "e": -3.0, "f": 0.1, "g": 123456789.0, "h": [2.0, 3], "i": 5e-324, "j": 1e-05}))',
    ], { encoding: 'utf8' }).trim();
    const value = parseJson(text);
    const back = stringifyJson(value).replace(/,/g, ', ').replace(/":/g, '": ');
    expect(back).toBe(text);
    for (const x of [1, 1e16, 1e20, -3, 123456789, 0.1, 5e-324, 1e-5])
      expect(pyFloatRepr(x)).toBe(execFileSync(PY!, ['-c', `print(repr(float(${JSON.stringify(String(x))})))`], { encoding: 'utf8' }).trim());
  });
});
