import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Diagnostic } from '../core/diagnostics.js';
import { formatDiagnostics } from './print-diagnostic.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dagc-print-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = path.join(dir, 'pipeline.yaml');
writeFileSync(file, 'dag:\n  steps:\n    train:\n      next: evaluat\n      retry: 0\n');

const unknownNext: Diagnostic = {
  code: 'DAGC-GRAPH-UNKNOWN-NEXT',
  severity: 'error',
  message: 'step "train" goes to "evaluat", which does not exist',
  hint: 'did you mean "evaluate"? steps here: prepare, evaluate, success, fail',
  file,
  start: { line: 4, column: 13 },
  end: { line: 4, column: 20 },
  pointer: '/dag/steps/train/next',
};

describe('formatDiagnostics', () => {
  it('prints file:line:col, severity, code, message, a code frame and the hint (STYLE.md §6.4)', async () => {
    expect(await formatDiagnostics([unknownNext], { color: false })).toBe(
      [
        `${file}:4:13 error DAGC-GRAPH-UNKNOWN-NEXT step "train" goes to "evaluat", which does not exist`,
        '  3 |     train:',
        '> 4 |       next: evaluat',
        '    |             ^^^^^^^',
        'hint: did you mean "evaluate"? steps here: prepare, evaluate, success, fail',
        '',
        '1 error',
        '',
      ].join('\n'),
    );
  });

  it('sorts by position, drops exact repeats, and counts errors and warnings', async () => {
    const warning: Diagnostic = {
      ...unknownNext,
      code: 'DAGC-X',
      severity: 'warning',
      message: 'w',
      hint: undefined,
      start: { line: 2, column: 3 },
      end: undefined,
    };
    const text = await formatDiagnostics([unknownNext, warning, unknownNext], { color: false });
    expect(text.indexOf('DAGC-X')).toBeLessThan(text.indexOf('DAGC-GRAPH-UNKNOWN-NEXT'));
    expect(text.match(/DAGC-GRAPH-UNKNOWN-NEXT/g)).toHaveLength(1);
    expect(text.endsWith('\n\n1 error, 1 warning\n')).toBe(true);
    expect(text).toContain(`${file}:2:3 warning DAGC-X w\n  1 | dag:\n> 2 |   steps:\n    |   ^\n\n`);
  });

  it('marks only the first line of a span over several lines', async () => {
    const text = await formatDiagnostics(
      [{ ...unknownNext, start: { line: 3, column: 5 }, end: { line: 5, column: 15 } }],
      { color: false },
    );
    expect(text).toContain('> 3 |     train:\n    |     ^^^^^^\n');
  });

  it('prints paths inside the working directory relative to it', async () => {
    const inside = path.join(process.cwd(), 'fixtures', 'invalid', 'cycle.yaml');
    const text = await formatDiagnostics(
      [{ ...unknownNext, file: inside, start: { line: 12, column: 13 }, end: undefined }],
      { color: false },
    );
    expect(text.startsWith(`${path.join('fixtures', 'invalid', 'cycle.yaml')}:12:13 error`)).toBe(true);
    expect(text).toContain('> 12 |       next: extract\n');
  });

  it('prints no frame for a missing or binary file, and nothing at all for no diagnostics', async () => {
    const binary = path.join(dir, 'bin.yaml');
    writeFileSync(binary, Buffer.from([0, 1, 2]));
    for (const f of [path.join(dir, 'gone.yaml'), binary]) {
      const text = await formatDiagnostics([{ ...unknownNext, file: f }], { color: false });
      expect(text).toBe(
        `${f}:4:13 error DAGC-GRAPH-UNKNOWN-NEXT ${unknownNext.message}\nhint: ${unknownNext.hint}\n\n1 error\n`,
      );
    }
    expect(await formatDiagnostics([], { color: false })).toBe('');
  });

  it('colours only when asked', async () => {
    expect(await formatDiagnostics([unknownNext], { color: false })).not.toContain('\u001b[');
    const coloured = await formatDiagnostics([unknownNext], { color: true });
    expect(coloured).toContain('\u001b[31;1merror\u001b[0m');
    // eslint-disable-next-line no-control-regex -- stripping the ANSI colour codes is the point
    expect(coloured.replace(/\u001b\[[0-9;]*m/g, '')).toBe(
      await formatDiagnostics([unknownNext], { color: false }),
    );
  });
});
