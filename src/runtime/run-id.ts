// Run ids when none is given: sortable by time and unique enough for one machine's runs
// (magnus 2022 used a bare timestamp, which collides when two runs start in the same second).
import { nodeCrypto } from '../core/lazy-crypto.js';
import { sha256 } from '../core/sha256.js';

export function generateRunId(now = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}`;
  return `${stamp}-${nodeCrypto().randomBytes(3).toString('hex')}`;
}

/** Run ids name folders and files in every store, so they are kept to a safe alphabet. */
export function checkRunId(runId: string): string | undefined {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(runId) || runId.includes('..'))
    return `run id "${runId}" must be 1-128 characters of letters, digits, "_", "-" and ".", starting with a letter or digit`;
  return undefined;
}

/**
 * The run id of a Step Functions execution (README "asl target"). Step Functions takes execution names of 1-80
 * characters other than whitespace, < > { } [ ] ? * " # % \ ^ | ~ ` $ & , ; : / and control characters (AWS
 * docs, API_StartExecution `name`), so `nightly@2024-06-01` or `état-1` are names the run-id rule refuses. Such a
 * name maps to a valid run id, deterministically: its letters, digits, "_", "-" and "." (any other run of
 * characters becomes "-", a ".." becomes ".", leading punctuation is dropped), then "-" and the first 12 hex
 * digits of the name's SHA-256, so two names never share a run id. A name the rule accepts is its own run id,
 * and so is every mapped id (mapping twice changes nothing). The run log records the name (its tag).
 */
export function runIdOfExecutionName(name: string): string {
  if (!checkRunId(name)) return name;
  const clean = name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/\.{2,}/g, '.')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 100);
  return `${clean || 'run'}-${sha256(name).slice(0, 12)}`;
}
