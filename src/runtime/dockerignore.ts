// `.dockerignore` as Docker reads it, so that a step's workspace holds the project's files as the step image
// holds them (DESIGN.md §3 invariant 1). Semantics of moby/patternmatcher (the matcher `docker build` uses for
// the build context, https://docs.docker.com/build/concepts/context/#dockerignore-files):
//  - a line starting with `#` is a comment; lines are trimmed; empty lines are skipped;
//  - `!` makes an exception (re-includes); the last pattern that matches a path decides;
//  - patterns are cleaned like Go's filepath.Clean, and a leading `/` is dropped (the context's root);
//  - `*` matches any run of characters but `/`, `?` one such character, `**` any number of folders,
//    `[…]` a character class, `\` escapes the next character;
//  - a pattern also matches every path below a folder it matches (`build` leaves out `build/x/y`).
import path from 'node:path';

interface Pattern {
  readonly exclusion: boolean;
  readonly regexp: RegExp;
}

export interface IgnoreMatcher {
  /** True when the path (relative, '/'-separated) stays out of the image. */
  ignores(relative: string): boolean;
  /** Whether any pattern is an exception: an ignored folder may then still hold included files. */
  readonly hasExceptions: boolean;
}

/**
 * What `dagc image dockerfile` writes as the `.dockerignore` when a project has none (src/cli/image.ts), and
 * so what a step image built the documented way leaves out; used when the project has no `.dockerignore`.
 */
export const DEFAULT_IMAGE_IGNORE: readonly string[] = [
  '.run_log_store',
  '.catalog',
  '.env',
  '.git',
  'node_modules',
  '.venv',
  '**/__pycache__',
  '**/*.pyc',
];

/** The lines of a .dockerignore file as patterns (comments and blank lines dropped). */
export function parseDockerignore(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    out.push(line);
  }
  return out;
}

function cleanPattern(pattern: string): string {
  let p = path.posix.normalize(pattern);
  // filepath.Clean drops a trailing slash; Docker then drops the leading one (the context root).
  if (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p.length > 1 && p.startsWith('/')) p = p.slice(1);
  return p;
}

/** A pattern as a regular expression over the whole relative path (moby/patternmatcher's compile). */
function compile(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` is zero or more folders; a trailing `**` is anything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (ch === '?') re += '[^/]';
    else if (ch === '\\' && i + 1 < pattern.length) re += escapeChar(pattern[++i]!);
    else if (ch === '[') {
      const close = pattern.indexOf(']', i + 1);
      if (close < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else re += escapeChar(ch);
  }
  return new RegExp(`${re}$`, 's');
}

function escapeChar(ch: string): string {
  return /[.+()|{}$^\\[\]*?]/.test(ch) ? `\\${ch}` : ch;
}

export function createIgnoreMatcher(lines: readonly string[]): IgnoreMatcher {
  const patterns: Pattern[] = [];
  for (const line of lines) {
    let text = line;
    let exclusion = false;
    if (text.startsWith('!')) {
      exclusion = true;
      text = text.slice(1).trim();
    }
    if (text === '') continue;
    patterns.push({ exclusion, regexp: compile(cleanPattern(text)) });
  }
  return {
    hasExceptions: patterns.some((p) => p.exclusion),
    ignores(relative) {
      const parts = relative.split('/');
      let matched = false;
      for (const pattern of patterns) {
        // An inclusion cannot change a path already left out, nor an exception one that is not.
        if (pattern.exclusion !== matched) continue;
        let match = pattern.regexp.test(relative);
        // A pattern matching a parent folder matches everything below it.
        for (let k = 1; !match && k < parts.length; k++) match = pattern.regexp.test(parts.slice(0, k).join('/'));
        if (match) matched = !pattern.exclusion;
      }
      return matched;
    },
  };
}
