// Run ids when none is given: sortable by time and unique enough for one machine's runs
// (magnus 2022 used a bare timestamp, which collides when two runs start in the same second).
import { randomBytes } from 'node:crypto';

export function generateRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${randomBytes(3).toString('hex')}`;
}

/** Run ids name folders and files in every store, so they are kept to a safe alphabet. */
export function checkRunId(runId: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(runId) || runId.includes('..'))
    return `run id "${runId}" must be 1-128 characters of letters, digits, "_", "-" and ".", starting with a letter or digit`;
  return undefined;
}
