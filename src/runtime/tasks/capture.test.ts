import { describe, expect, test } from 'vitest';
import { CaptureError, captureFromEnv, mergeCaptured, parseOutputFile, parseValue } from './capture.js';

describe('parseValue', () => {
  test('JSON when it parses, the raw string otherwise', () => {
    expect(parseValue('3')).toBe(3);
    expect(parseValue('"World"')).toBe('World');
    expect(parseValue('World')).toBe('World');
    expect(parseValue('{"ham": "Yes"}')).toEqual({ ham: 'Yes' });
    expect(parseValue('')).toBe('');
    expect(parseValue('{broken')).toBe('{broken');
  });
});

describe('captureFromEnv', () => {
  test('new and changed prefixed variables count, unchanged and unrelated ones do not', () => {
    const before = { MAGNUS_PRM_same: '1', MAGNUS_PRM_changed: '1', PATH: '/bin' };
    const after = { ...before, MAGNUS_PRM_changed: '2', DAGC_PRM_New: '"n"', PATH: '/usr/bin', OTHER: 'x' };
    expect(captureFromEnv(before, after)).toEqual({ parameters: { changed: 2, new: 'n' }, metrics: {} });
  });

  test('DAGC_ wins over MAGNUS_ for one lower-cased name; map_variable is never a parameter', () => {
    const after = { MAGNUS_PRM_A: '1', DAGC_PRM_a: '2', MAGNUS_PRM_MAP_VARIABLE: '{"i": 1}' };
    expect(captureFromEnv({}, after).parameters).toEqual({ a: 2 });
  });

  test('metrics: MAGNUS_TRACK_<step>_<key> yields <step>_<key>; a bare prefix is ignored', () => {
    const after = { MAGNUS_TRACK_3_Loss: '0.1', DAGC_TRACK_rows: '10', MAGNUS_TRACK_: '1' };
    expect(captureFromEnv({}, after).metrics).toEqual({ '3_loss': 0.1, rows: 10 });
  });

  test('a key like __proto__ is an ordinary own key', () => {
    const captured = captureFromEnv({}, { DAGC_PRM___proto__: '{"polluted": true}' });
    expect(Object.getPrototypeOf(captured.parameters)).toBe(Object.prototype);
    expect(Object.keys(captured.parameters)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('parseOutputFile', () => {
  test('name=value lines (later wins), blank lines, CRLF, values keep their = signs', () => {
    const text = 'a=1\r\n\nB=x=y\na=2\nempty=\n';
    expect(parseOutputFile(text, '$DAGC_OUTPUT')).toEqual({ a: 2, b: 'x=y', empty: '' });
  });

  test('the $GITHUB_OUTPUT heredoc form, with JSON inside', () => {
    const text = 'text<<EOF\nline 1\nline 2\nEOF\nobj<<END\n{\n  "k": [1, 2]\n}\nEND\nafter=1\n';
    expect(parseOutputFile(text, '$DAGC_OUTPUT')).toEqual({
      text: 'line 1\nline 2',
      obj: { k: [1, 2] },
      after: 1,
    });
  });

  test('one JSON object', () => {
    expect(parseOutputFile('  {"Score": 40, "nested": {"a": null}}\n', '$DAGC_OUTPUT')).toEqual({
      score: 40,
      nested: { a: null },
    });
  });

  test('an empty file sets nothing', () => {
    expect(parseOutputFile('', '$DAGC_METRICS')).toEqual({});
  });

  test.each([
    ['no equals\n', '$DAGC_OUTPUT line 1: expected name=value, name<<DELIMITER or one JSON object'],
    ['a=1\n=2\n', '$DAGC_OUTPUT line 2: expected name=value, name<<DELIMITER or one JSON object'],
    ['x<<EOF\nnever closed\n', '$DAGC_OUTPUT line 1: "x<<EOF" is never closed by a "EOF" line'],
    ['x<<\n', '$DAGC_OUTPUT line 1: expected name<<DELIMITER'],
    ['[1, 2]', '$DAGC_OUTPUT line 1: expected name=value, name<<DELIMITER or one JSON object'],
    ['{"a": 1', `$DAGC_OUTPUT is not a valid JSON object: ${jsonError('{"a": 1')}`],
  ])('malformed %j', (text, message) => {
    expect(() => parseOutputFile(text, '$DAGC_OUTPUT')).toThrow(new CaptureError(message));
  });
});

/** Node's own wording for a JSON error (it changes between Node versions). */
function jsonError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected invalid JSON');
}

test('mergeCaptured: later layers win per key', () => {
  const merged = mergeCaptured(
    { parameters: { a: 1, b: 1 }, metrics: { m: 1 } },
    { parameters: { b: 2 }, metrics: { n: 2 } },
  );
  expect(merged).toEqual({ parameters: { a: 1, b: 2 }, metrics: { m: 1, n: 2 } });
});
