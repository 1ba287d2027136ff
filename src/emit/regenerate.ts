// The input flags of the "re-generate with dagc compile …" line that rendered files carry in their header: the
// same -c, -p and --var-file the output was compiled with (relative to where the paths of the output are), so
// the line regenerates the same bytes instead of a default-config variant.
import type { EmitOptions } from './types.js';

/**
 * A path as one shell word on one line: as it is when plain, else single-quoted, or ANSI-C quoted ($'…') when it
 * holds a control character, so that a file name with a newline cannot end the comment it is written into and
 * turn the rest of its name into a command (issue 19: git allows such names).
 */
export function word(text: string): string {
  if (/^[\w@%+=:,./-]+$/.test(text)) return text;
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u001f\u007f]/.test(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  const escaped = [...text]
    .map((c) => {
      if (c === '\\' || c === "'") return `\\${c}`;
      const code = c.charCodeAt(0);
      return code < 0x20 || code === 0x7f ? `\\x${code.toString(16).padStart(2, '0')}` : c;
    })
    .join('');
  return `$'${escaped}'`;
}

/** ` -c CONFIG -p PARAMS --var-file F…` for the files the output was compiled with ('' when none). */
export function regenerateFlags(files: EmitOptions['files']): string {
  const flags = [
    ...(files.config ? ['-c', word(files.config)] : []),
    ...(files.parameters ? ['-p', word(files.parameters)] : []),
    ...files.varFiles.flatMap((v) => ['--var-file', word(v)]),
  ];
  return flags.map((f) => ` ${f}`).join('');
}
