import { describe, expect, test } from 'vitest';
import { createOutputSink } from './output.js';

function recorded(secrets: string[] = []) {
  const lines: Array<[string, string]> = [];
  const sink = createOutputSink(secrets, (line, stream) => lines.push([stream, line]));
  return { sink, lines };
}

describe('createOutputSink', () => {
  test('lines split across chunks are joined; a final line without newline still counts', () => {
    const { sink, lines } = recorded();
    sink.write('stdout', Buffer.from('hel'));
    sink.write('stdout', Buffer.from('lo\nwor'));
    sink.write('stdout', Buffer.from('ld\nlast'));
    sink.end();
    expect(lines).toEqual([
      ['stdout', 'hello'],
      ['stdout', 'world'],
      ['stdout', 'last'],
    ]);
    expect(sink.text()).toBe('hello\nworld\nlast');
  });

  test('UTF-8 sequences split at a chunk boundary decode correctly', () => {
    const { sink, lines } = recorded();
    const bytes = Buffer.from('é日本✓\n');
    for (const byte of bytes) sink.write('stdout', Buffer.from([byte]));
    sink.end();
    expect(lines).toEqual([['stdout', 'é日本✓']]);
    expect(sink.text()).toBe('é日本✓\n');
  });

  test('streams interleave by complete lines in arrival order; CRLF becomes LF', () => {
    const { sink } = recorded();
    sink.write('stdout', 'out 1\r\nout ');
    sink.write('stderr', 'err 1\n');
    sink.write('stdout', '2\n');
    sink.write('stderr', 'tail');
    sink.write('stdout', 'partial');
    sink.end();
    expect(sink.text()).toBe('out 1\nerr 1\nout 2\npartial\ntail');
    expect(sink.lastLine('stderr')).toBe('tail');
    expect(sink.lastLine('stdout')).toBe('partial');
  });

  test('a secret split across chunks is masked in lines and text', () => {
    const { sink, lines } = recorded(['hunter2']);
    sink.write('stderr', 'password: hun');
    sink.write('stderr', 'ter2\n');
    sink.end();
    expect(lines).toEqual([['stderr', 'password: *****']]);
    expect(sink.text()).toBe('password: *****\n');
    expect(sink.lastLine('stderr')).toBe('password: *****');
  });

  test('lastLine skips trailing blank lines', () => {
    const { sink } = recorded();
    sink.write('stderr', 'real error\n\n');
    sink.end();
    expect(sink.lastLine('stderr')).toBe('real error');
    expect(sink.lastLine('stdout')).toBe('');
  });
});
