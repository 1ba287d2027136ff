// The python3 that unit tests compare Python's own output with (json.dumps, float repr): $DAGC_PYTHON, else
// python3 on the PATH; undefined, with a printed notice naming what is skipped, where there is none.
import { execFileSync } from 'node:child_process';

export function pythonOrSkip(skipped: string): string | undefined {
  const python = process.env.DAGC_PYTHON || 'python3';
  try {
    execFileSync(python, ['-c', 'pass']);
    return python;
  } catch {
    console.warn(`[skip] ${skipped}: no ${python} to compare with`);
    return undefined;
  }
}
