// Field changes between what an engine holds and what is desired, for `--diff` and for the decision itself
// (a resource is unchanged exactly when this finds nothing). Plain JSON values; object keys compared without
// regard to order, arrays by position.
import type { FieldChange } from './types.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Escapes a key as a JSON pointer does (RFC 6901), so a path names one field unambiguously. */
function pointerPart(key: string | number): string {
  return String(key).replace(/~/g, '~0').replace(/\//g, '~1');
}

export function diffValues(before: unknown, after: unknown, path = ''): FieldChange[] {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => {
      const p = `${path}/${pointerPart(k)}`;
      if (!Object.hasOwn(after, k)) return [{ path: p, before: before[k] }];
      if (!Object.hasOwn(before, k)) return [{ path: p, after: after[k] }];
      return diffValues(before[k], after[k], p);
    });
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const out: FieldChange[] = [];
    for (let i = 0; i < Math.max(before.length, after.length); i++) {
      const p = `${path}/${i}`;
      if (i >= after.length) out.push({ path: p, before: before[i] });
      else if (i >= before.length) out.push({ path: p, after: after[i] });
      else out.push(...diffValues(before[i], after[i], p));
    }
    return out;
  }
  if (before === after) return [];
  return [{ path: path || '/', before, after }];
}

/** `--diff` lines: "~ /path: old → new", "+ /path: new", "- /path: old"; long values shortened. */
export function formatChanges(changes: readonly FieldChange[], indent = '    '): string {
  const show = (v: unknown) => {
    const s = JSON.stringify(v) ?? 'undefined';
    return s.length > 120 ? `${s.slice(0, 117)}...` : s;
  };
  return changes
    .map((c) => {
      if (!('before' in c) || c.before === undefined) return `${indent}+ ${c.path}: ${show(c.after)}\n`;
      if (!('after' in c) || c.after === undefined) return `${indent}- ${c.path}: ${show(c.before)}\n`;
      return `${indent}~ ${c.path}: ${show(c.before)} → ${show(c.after)}\n`;
    })
    .join('');
}
