// The Command of a Task state: `dagc asl-task`, the entrypoint's files, `--`, the operation; names with line
// breaks escaped so asl-validator takes them, and decoded back exactly (src/cli/asl-task.test.ts runs the
// operations themselves).
import { describe, expect, it } from 'vitest';
import type { EntryFiles } from './container-script.js';
import { containerCommand, decodeArg, encodeArg } from './container-script.js';

const FILES: EntryFiles = { pipeline: "my pipe'line.yaml", config: 'c.yaml', parameters: 'p.yaml', varFiles: ['v1.yaml', 'v2.yaml'] };

describe('container command', () => {
  it('is dagc asl-task with the file options, then the operation and its chains as counted lists', () => {
    const files = ['-f', "my pipe'line.yaml", '-c', 'c.yaml', '-p', 'p.yaml', '-v', 'v1.yaml', '-v', 'v2.yaml', '--'];
    expect(containerCommand(FILES, { op: 'task', path: 'train', attempts: 3, ok: ['stub', 'success'], fail: [] })).toEqual([
      'dagc',
      'asl-task',
      ...files,
      'task',
      'train',
      '3',
      '2',
      'stub',
      'success',
      '0',
    ]);
    expect(containerCommand({ pipeline: 'p.yaml', varFiles: [] }, { op: 'fan-in', path: 'P', ok: [], fail: ['f'] })).toEqual([
      'dagc',
      'asl-task',
      '-f',
      'p.yaml',
      '--',
      'fan-in',
      'P',
      '0',
      '1',
      'f',
    ]);
    expect(containerCommand(FILES, { op: 'map', path: 'M', chain: ['M.map_variable_placeholder.s'] }).slice(files.length + 2)).toEqual([
      'map',
      'M',
      '1',
      'M.map_variable_placeholder.s',
    ]);
    expect(containerCommand(FILES, { op: 'start', chain: ['a'] }).slice(files.length + 2)).toEqual(['start', '1', 'a']);
  });

  it('escapes line breaks and backslashes in names, and decodes them back exactly', () => {
    const names = ['odd $(touch x) `y` \'q\'\nsecond line\\n', 'a\\\\nb', 'x\r\u2028y\u2029', '\\0342\\0200\\0250 literally', 'plain'];
    for (const name of names) {
      const encoded = encodeArg(name);
      expect(encoded).not.toMatch(/[\n\r\u2028\u2029]/);
      expect(decodeArg(encoded)).toBe(name);
    }
    expect(encodeArg('a\nb\\c')).toBe('a\\nb\\\\c');
    const command = containerCommand(FILES, { op: 'task', path: names[0]!, attempts: 1, ok: [], fail: [names[2]!] });
    expect(command.join('')).not.toMatch(/[\n\r\u2028\u2029]/);
  });
});
