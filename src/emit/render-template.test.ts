import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { shellComment, shellQuote } from './render-template.js';

const HOSTILE = [
  "it's",
  'say "hi"',
  '$(touch pwned) `touch pwned`',
  'a; b | c && d',
  'line one\nline two',
  'ünïcødé ✓ 数据',
  "'",
  '',
  '\\ backslash \\n',
];

describe('shellQuote', () => {
  it.each(HOSTILE)('makes %j one bash word that echoes back unchanged', (value) => {
    const out = execFileSync('bash', ['-c', `printf '%s' ${shellQuote(value)}`], { encoding: 'utf8' });
    expect(out).toBe(value);
  });
});

describe('shellComment', () => {
  it('keeps a comment on one line whatever the text holds', () => {
    expect(shellComment('multi\nline\r\tname')).toBe('multi\\nline\\r\\tname');
    expect(shellComment('say "hi"')).toBe('say "hi"');
    const script = `# ${shellComment('x\ntouch pwned')}\necho ok`;
    expect(execFileSync('bash', ['-c', script], { encoding: 'utf8' })).toBe('ok\n');
  });
});
