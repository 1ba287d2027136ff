// The only place where diagnostics become text (shared/STYLE.md §6.4):
//
//   pipeline.yaml:14:11 error DAGC-GRAPH-UNKNOWN-NEXT step "train" goes to "evaluat", which does not exist
//     13 |   train:
//   > 14 |     next: evaluat
//        |           ^^^^^^^
//   hint: did you mean "evaluate"? steps here: prepare, evaluate, success, fail
//
// then one count line ("2 errors, 1 warning"). Files are read lazily, once each, for the frames; a file
// that is gone or is not text just gets no frame.
import { readFile } from '../core/fs-async.js';
import type { codeFrameColumns as codeFrameColumnsType } from '@babel/code-frame';
import path from 'node:path';
import type { Diagnostic, Position } from '../core/diagnostics.js';
import { sortDiagnostics } from '../core/diagnostics.js';
import { decodeText } from '../front-end/load.js';
import { displayPath, uniqueDiagnostics } from '../core/display.js';

const ANSI = {
  red: (s: string) => `\u001b[31;1m${s}\u001b[0m`,
  yellow: (s: string) => `\u001b[33;1m${s}\u001b[0m`,
  dim: (s: string) => `\u001b[2m${s}\u001b[0m`,
  bold: (s: string) => `\u001b[1m${s}\u001b[0m`,
  cyan: (s: string) => `\u001b[36m${s}\u001b[0m`,
};
const PLAIN = {
  red: (s: string) => s,
  yellow: (s: string) => s,
  dim: (s: string) => s,
  bold: (s: string) => s,
  cyan: (s: string) => s,
};

export async function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  opts: { color: boolean },
): Promise<string> {
  if (diagnostics.length === 0) return '';
  const paint = opts.color ? ANSI : PLAIN;
  const cwd = process.cwd();
  const texts = new Map<string, Promise<string | undefined>>();
  const textOf = (file: string) => {
    let t = texts.get(file);
    if (!t) {
      t = readText(path.resolve(cwd, file));
      texts.set(file, t);
    }
    return t;
  };
  // @babel/code-frame is loaded only when there is something to frame (it is kept out of the bundle).
  const { codeFrameColumns } = await import('@babel/code-frame');
  const blocks: string[] = [];
  let errors = 0;
  let warnings = 0;
  for (const d of sortDiagnostics(uniqueDiagnostics(diagnostics))) {
    if (d.severity === 'error') errors++;
    else warnings++;
    const shown = d.file ? displayPath(path.resolve(cwd, d.file), cwd) : '';
    const severity = d.severity === 'error' ? paint.red('error') : paint.yellow('warning');
    const lines = [
      `${paint.bold(`${shown}:${d.start.line}:${d.start.column}`)} ${severity} ${paint.dim(d.code)} ${d.message}`,
    ];
    const text = d.file ? await textOf(d.file) : undefined;
    const frame =
      text === undefined ? undefined : frameOf(codeFrameColumns, text, d.start, d.end, opts.color);
    if (frame) lines.push(frame);
    if (d.hint) lines.push(`${paint.cyan('hint:')} ${d.hint}`);
    blocks.push(lines.join('\n'));
  }
  const count = [errors ? plural(errors, 'error') : '', warnings ? plural(warnings, 'warning') : '']
    .filter(Boolean)
    .join(', ');
  return `${blocks.join('\n\n')}\n\n${count}\n`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

async function readText(abs: string): Promise<string | undefined> {
  try {
    return decodeText(await readFile(abs));
  } catch {
    return undefined;
  }
}

type CodeFrameColumns = typeof codeFrameColumnsType;

function frameOf(
  codeFrameColumns: CodeFrameColumns,
  text: string,
  start: Position,
  end: Position | undefined,
  color: boolean,
): string | undefined {
  const lines = text.split(/\r?\n/);
  const line = lines[start.line - 1];
  if (line === undefined || (text.length === 0 && start.line === 1)) return undefined;
  // Columns: ours are 1-based (yaml's LineCounter), and so are codeFrameColumns' (its deprecated codeFrame()
  // took 0-based ones, the mismatch Prettier's comment warns about), so they pass as they are; its end
  // column is exclusive, like the end offsets yaml gives. A span over several lines is cut at the end of
  // its first line: the frame is there to point, not to reprint a whole step.
  let last = end;
  if (last && (last.line !== start.line || last.column <= start.column))
    last =
      last.line !== start.line && line.length + 1 > start.column
        ? { line: start.line, column: line.length + 1 }
        : undefined;
  return codeFrameColumns(
    text,
    {
      start: { line: start.line, column: start.column },
      ...(last ? { end: { line: last.line, column: last.column } } : {}),
    },
    { linesAbove: 1, linesBelow: 0, highlightCode: color, forceColor: color },
  );
}
