// The input flags of the "re-generate with dagc compile …" line that rendered files carry in their header: the
// same -c, -p and --var-file the output was compiled with (relative to where the paths of the output are), so
// the line regenerates the same bytes instead of a default-config variant.
import type { EmitOptions } from './types.js';

/** A path as a shell word: as it is when plain, else single-quoted. */
function word(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
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
