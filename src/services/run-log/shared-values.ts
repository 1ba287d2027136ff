// Parameter values shared by the attempts that saw them (issue 16). magnus records, in every attempt, the
// parameters as they were when it started; a map iterating on a list copies that list into each of its items'
// attempts, so the run log grew with the square of the map's width (1,000 items: 44 MB; 100,000: ~350 GB).
// A store keeps each value of SHARE_MIN_BYTES or more once, under the sha256 of its JSON text, and an attempt
// record holds a reference to it: { "$dagc_value": "sha256:<hex>", "bytes": <length of the JSON text> }.
// Reading the run log back puts values of up to INLINE_MAX_BYTES in place again, so a run with ordinary values
// reads exactly as magnus wrote it; a larger value stays a reference in the attempts (the run's `parameters`
// always hold the values themselves). README.md, "Large values", says how they appear.
import { sha256 } from '../../core/sha256.js';
import { stringifyJson } from '../../core/py-float.js';
import type { StepAttempt, StepLog, StepRecord } from './types.js';

/** Values whose JSON text is at least this long are stored once and referenced. */
export const SHARE_MIN_BYTES = 1024;
/** Referenced values up to this long are put back in place when the run log is read. */
export const INLINE_MAX_BYTES = 4096;

export interface ValueRef {
  readonly $dagc_value: string;
  readonly bytes: number;
}

export function isValueRef(value: unknown): value is ValueRef {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as Partial<ValueRef>).$dagc_value === 'string' &&
    typeof (value as Partial<ValueRef>).bytes === 'number' &&
    Object.keys(value).length === 2
  );
}

/** The hex digest of a reference ('sha256:<hex>' → '<hex>'), or undefined when it is not one of ours. */
export function refDigest(ref: ValueRef): string | undefined {
  const m = /^sha256:([0-9a-f]{64})$/.exec(ref.$dagc_value);
  return m?.[1];
}

interface Shared {
  readonly ref: ValueRef;
  readonly digest: string;
  readonly text: string;
}

// The same parameter object reaches thousands of attempts (stores hand out the value they cached), so its
// JSON text and digest are computed once per object, not once per attempt.
const byObject = new WeakMap<object, Shared | null>();
const byString = new Map<string, Shared>();
const MAX_CACHED_STRINGS = 64;

function share(value: unknown): Shared | null {
  if (value === null || (typeof value !== 'object' && typeof value !== 'string')) return null;
  if (typeof value === 'string') {
    // A string shorter than the limit in UTF-16 units is shorter in JSON bytes only when ASCII; check by text.
    if (value.length * 3 + 2 < SHARE_MIN_BYTES) return null;
    const cached = byString.get(value);
    if (cached) return cached;
  } else if (byObject.has(value)) {
    return byObject.get(value)!;
  }
  if (isValueRef(value)) return null;
  const text = stringifyJson(value);
  const bytes = Buffer.byteLength(text, 'utf8');
  let shared: Shared | null = null;
  if (bytes >= SHARE_MIN_BYTES) {
    const digest = sha256(text);
    shared = { ref: { $dagc_value: `sha256:${digest}`, bytes }, digest, text };
  }
  if (typeof value === 'string') {
    if (shared) {
      if (byString.size >= MAX_CACHED_STRINGS) byString.delete(byString.keys().next().value!);
      byString.set(value, shared);
    }
  } else {
    byObject.set(value, shared);
  }
  return shared;
}

/**
 * The record with every large attempt parameter replaced by a reference, and the values to store (digest →
 * JSON text; a store writes each once). References already in the record (an engine's retry appends to the
 * record it read back) stay as they are.
 */
export function shareStepValues(record: StepRecord): { record: StepRecord; values: Map<string, string> } {
  const values = new Map<string, string>();
  let changed = false;
  const attempts = (record.step.attempts ?? []).map((a): StepAttempt => {
    let params: Record<string, unknown> | undefined;
    for (const [key, value] of Object.entries(a.parameters ?? {})) {
      const s = share(value);
      if (!s) continue;
      params ??= { ...a.parameters };
      Object.defineProperty(params, key, { value: s.ref, enumerable: true, writable: true, configurable: true });
      values.set(s.digest, s.text);
    }
    if (!params) return a;
    changed = true;
    return { ...a, parameters: params };
  });
  if (!changed) return { record, values };
  return { record: { ...record, step: { ...record.step, attempts } }, values };
}

/**
 * Whether `value` is what an attempt recorded as `recorded`: equal JSON, or the reference a store made of it.
 * (A re-run compares the parameters given now with those the earlier run started from.)
 */
export function sameAsRecorded(value: unknown, recorded: unknown): boolean {
  if (isValueRef(recorded) && !isValueRef(value)) return share(value)?.ref.$dagc_value === recorded.$dagc_value;
  return JSON.stringify(value) === JSON.stringify(recorded);
}

/** The digests of the references a step's attempts hold that are small enough to be put back in place. */
export function inlineDigests(steps: Iterable<{ attempts: readonly StepAttempt[] }>): Set<string> {
  const out = new Set<string>();
  for (const step of steps)
    for (const a of step.attempts)
      for (const value of Object.values(a.parameters ?? {}))
        if (isValueRef(value) && value.bytes <= INLINE_MAX_BYTES) {
          const d = refDigest(value);
          if (d) out.add(d);
        }
  return out;
}

/** Puts small referenced values back in place (in the attempts of `steps`, changed in place). */
export function inlineValues(steps: Iterable<{ attempts: StepAttempt[] }>, values: ReadonlyMap<string, unknown>): void {
  for (const step of steps)
    for (const a of step.attempts)
      for (const [key, value] of Object.entries(a.parameters ?? {})) {
        if (!isValueRef(value) || value.bytes > INLINE_MAX_BYTES) continue;
        const d = refDigest(value);
        if (d && values.has(d))
          Object.defineProperty(a.parameters, key, { value: values.get(d), enumerable: true, writable: true, configurable: true });
      }
}

/** Every step of a run log, at any depth. */
export function* allSteps(steps: Record<string, StepLog>): Generator<StepLog> {
  for (const step of Object.values(steps)) {
    yield step;
    for (const branch of Object.values(step.branches)) yield* allSteps(branch.steps);
  }
}
