// File names for records keyed by internal names. Internal names contain spaces and any Unicode, and map
// values may contain dots, slashes or '..' (spec §3.5: values are stringified), so they cannot be file names
// as they are. A name made only of lower-case safe characters is used unchanged (readable store folders);
// anything else becomes a readable lower-case prefix plus a hash of the exact name, which also keeps names
// distinct on case-insensitive file systems and under 200 bytes. The record itself holds the real name.
import { sha256 } from '../core/sha256.js';

const PLAIN = /^[a-z0-9_-][a-z0-9_.-]*$/;
const MAX_PLAIN = 150;
const PREFIX = 100;

export function toSafeFileName(name: string): string {
  if (PLAIN.test(name) && name.length <= MAX_PLAIN) return name;
  const readable = name
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^[._]+/, '')
    .slice(0, PREFIX);
  // '~' is not in PLAIN, so a hashed name can never equal a plain one.
  return `${readable}~${sha256(name).slice(0, 16)}`;
}
