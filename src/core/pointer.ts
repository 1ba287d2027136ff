// JSON pointers (RFC 6901) name every value of a YAML file, e.g. '/dag/steps/train/next': diagnostics carry
// them (for --json consumers) and the front end locates them back to line:col through load.ts.

/** One reference token: `~` → `~0`, `/` → `~1` (RFC 6901 §3). */
export function escapeSegment(segment: string): string {
  return segment.includes('~') || segment.includes('/')
    ? segment.replace(/~/g, '~0').replace(/\//g, '~1')
    : segment;
}

export function unescapeSegment(segment: string): string {
  return segment.includes('~') ? segment.replace(/~1/g, '/').replace(/~0/g, '~') : segment;
}

export function joinPointer(base: string, segment: string | number): string {
  return `${base}/${typeof segment === 'number' ? segment : escapeSegment(segment)}`;
}

export function splitPointer(pointer: string): string[] {
  return pointer === '' ? [] : pointer.slice(1).split('/').map(unescapeSegment);
}

/** The pointer of the enclosing value, or undefined for the root. */
export function parentPointer(pointer: string): string | undefined {
  if (pointer === '') return undefined;
  return pointer.slice(0, pointer.lastIndexOf('/'));
}

export function lastSegment(pointer: string): string {
  return unescapeSegment(pointer.slice(pointer.lastIndexOf('/') + 1));
}
