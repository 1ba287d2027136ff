// Dot path → a name the target engine accepts, deterministically (DESIGN.md §3 invariant 2). magnus's Argo
// renderer appended 6 random characters and kept upper case (magnus-spec.md §6.5, quirk §10.12); we derive
// everything from the dot path instead, so the same pipeline always renders the same bytes.
//
// The rule: a dot path whose parts already fit the target and can be read back unambiguously is used as it
// is (`train`, `p-a-train`); any other is sanitised and gets `-` + the first 8 hex digits of sha256(dot path),
// so two paths that sanitise alike (`Train`/`train`, `a b`/`a_b`) stay distinct. assignBackendNames() checks
// the whole set anyway and reports a collision as a Diagnostic instead of rendering a broken manifest.
import { sha256 } from '../core/sha256.js';
import type { Diagnostic } from '../core/diagnostics.js';

/**
 * What a target accepts. The hash suffix is `-` and lower-case hex, so `allowed` must accept those, and
 * maxLength must leave room for it (9 characters).
 */
export interface NameRules {
  maxLength: number;
  lowerCase: boolean;
  /** regex of allowed characters (one char) */
  allowed: RegExp;
  /** Joins the parts of the dot path. */
  separator: string;
  /** Stands for a run of characters that are not allowed (default: the separator). */
  replacement?: string;
  /** Characters allowed first and last (default: any allowed character). */
  edges?: RegExp;
}

/**
 * Argo/Kubernetes object and task names: an RFC 1123 label, `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63
 * characters (Kubernetes "DNS label names"; Argo uses them for template and task names too).
 */
export const ARGO_NAME_RULES: NameRules = {
  maxLength: 63,
  lowerCase: true,
  allowed: /[a-z0-9-]/,
  separator: '-',
  edges: /[a-z0-9]/,
};

/**
 * CronWorkflow names: Argo appends an 11-character timestamp suffix to the workflows a CronWorkflow creates,
 * so its own name is limited to 52 characters (Argo docs, "Cron Workflows").
 */
export const ARGO_CRON_NAME_RULES: NameRules = { ...ARGO_NAME_RULES, maxLength: 52 };

/**
 * Step Functions state names (ASL spec, "States"; AWS API naming rules): at most 80 characters, no
 * whitespace, none of `< > { } [ ] ? * " # % \ ^ | ~ \` $ & , ; : /`, no control characters (U+0000–001F,
 * U+007F–009F). Dots are allowed, so dot paths stay readable as they are.
 */
export const ASL_NAME_RULES: NameRules = {
  maxLength: 80,
  lowerCase: false,
  allowed: /[^\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u,
  separator: '.',
  replacement: '-',
};

const HASH_LENGTH = 8;
/** A name ending like our hash suffix always gets one, so an unsuffixed name can never equal a suffixed one. */
const LOOKS_SUFFIXED = new RegExp(`(^|-)[0-9a-f]{${HASH_LENGTH}}$`);

function allowedChar(rules: NameRules, ch: string): boolean {
  rules.allowed.lastIndex = 0; // a /g or /y regex keeps state between test() calls
  return rules.allowed.test(ch);
}

function edgeChar(rules: NameRules, ch: string): boolean {
  if (!rules.edges) return allowedChar(rules, ch);
  rules.edges.lastIndex = 0;
  return rules.edges.test(ch);
}

export function shortHash(dotPath: string): string {
  return sha256(dotPath).slice(0, HASH_LENGTH);
}

/** Letters that NFKD does not decompose but that have a usual ASCII spelling. */
const TRANSLITERATIONS: Readonly<Record<string, string>> = {
  æ: 'ae',
  Æ: 'AE',
  ø: 'o',
  Ø: 'O',
  œ: 'oe',
  Œ: 'OE',
  ß: 'ss',
  đ: 'd',
  Đ: 'D',
  ł: 'l',
  Ł: 'L',
  þ: 'th',
  Þ: 'TH',
  ð: 'd',
  Ð: 'D',
  ı: 'i',
};

/** The allowed characters a disallowed one can be spelled with: `é` → `e`, `ﬁ` → `fi`, `ø` → `o`. */
function respell(ch: string, rules: NameRules): { text: string; mark: boolean } {
  const decomposed = (TRANSLITERATIONS[ch] ?? ch).normalize('NFKD');
  const base = decomposed.replace(/\p{M}/gu, '');
  let text = '';
  for (const c of rules.lowerCase ? base.toLowerCase() : base) if (allowedChar(rules, c)) text += c;
  // A lone combining mark (e.g. the dot that 'İ'.toLowerCase() leaves behind) just disappears.
  return { text, mark: decomposed.length > 0 && base.length === 0 };
}

/**
 * One part of a dot path, made of allowed characters. Disallowed characters are first respelled so names
 * stay readable; what still does not fit becomes the replacement, one per run.
 */
function sanitisePart(part: string, rules: NameRules): string {
  const replacement = rules.replacement ?? rules.separator;
  let out = '';
  let replacing = false;
  for (const ch of rules.lowerCase ? part.toLowerCase() : part) {
    if (allowedChar(rules, ch)) {
      out += ch;
      replacing = false;
      continue;
    }
    const { text, mark } = respell(ch, rules);
    if (text) {
      out += text;
      replacing = false;
    } else if (!mark && !replacing) {
      out += replacement;
      replacing = true;
    }
  }
  return out;
}

/** Code-point aware: never cuts an astral character in half. */
function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max).join('');
}

function trimEdges(text: string, rules: NameRules): string {
  const chars = [...text];
  let start = 0;
  let end = chars.length;
  while (start < end && !edgeChar(rules, chars[start] as string)) start++;
  while (end > start && !edgeChar(rules, chars[end - 1] as string)) end--;
  return chars.slice(start, end).join('');
}

/**
 * The backend name of a dot path. Unchanged (apart from joining the parts with the separator) when that is
 * reversible; otherwise sanitised, shortened to fit, and suffixed with `-<sha256(dotPath)[0:8]>`.
 */
export function toBackendName(dotPath: string, rules: NameRules): string {
  return asItStands(dotPath, rules) ?? sanitisedName(dotPath, rules);
}

/** `rules.allowed` repeated over a whole string, made once per rules. */
const WHOLE = new WeakMap<NameRules, RegExp>();

/**
 * The usual case at once: a dot path whose every character is allowed (and already lower case where that is
 * the rule), so that sanitisedName would keep it as it stands, joined by the separator; else undefined. The
 * same conditions as sanitisedName's `lossless`, tested on the whole name instead of per character (a
 * 10,000-step pipeline's names were ~0.1 s of its compile, issue 16); names.test.ts compares the two.
 */
function asItStands(dotPath: string, rules: NameRules): string | undefined {
  // UTF-16 length ≥ characters: a name this short fits; a longer one is left to sanitisedName.
  if (dotPath.length === 0 || dotPath.length > rules.maxLength) return undefined;
  const sep = rules.separator;
  const parts = sep === '.' ? undefined : dotPath.split('.');
  const joined = parts === undefined ? dotPath : parts.join(sep);
  let whole = WHOLE.get(rules);
  if (whole === undefined) {
    whole = new RegExp(`^(?:${rules.allowed.source})*$`, rules.allowed.flags.replace(/[gy]/g, ''));
    WHOLE.set(rules, whole);
  }
  if (!whole.test(joined)) return undefined;
  if (rules.lowerCase && joined !== joined.toLowerCase()) return undefined;
  // Read back by splitting on the separator (no part holds it).
  if (parts !== undefined && (sep.length === 1 ? dotPath.includes(sep) : !arraysEqual(joined.split(sep), parts))) return undefined;
  // The first and last characters (code points) are valid ends.
  const first = [...joined.slice(0, 2)][0]!;
  const last = [...joined.slice(-2)].pop()!;
  if (!edgeChar(rules, first) || !edgeChar(rules, last) || LOOKS_SUFFIXED.test(joined)) return undefined;
  return joined;
}

/** toBackendName character by character: what is kept, respelled or replaced, and the hash suffix. Exported
 * for names.test.ts. */
export function sanitisedName(dotPath: string, rules: NameRules): string {
  const parts = dotPath.split('.');
  const sanitised = parts.map((p) => sanitisePart(p, rules));
  const joined = sanitised.join(rules.separator);
  const length = [...joined].length;
  const lossless =
    joined.length > 0 &&
    sanitised.every((s, i) => s === parts[i]) &&
    // The parts can be read back: splitting on the separator gives them again (no part contains it)...
    arraysEqual(joined.split(rules.separator), parts) &&
    // ...the ends are valid, it fits, and it cannot be mistaken for a hash-suffixed name.
    trimEdges(joined, rules) === joined &&
    length <= rules.maxLength &&
    !LOOKS_SUFFIXED.test(joined);
  if (lossless) return joined;
  const suffix = shortHash(dotPath);
  const room = rules.maxLength - suffix.length - 1;
  const base = trimEdges(truncate(trimEdges(joined, rules), Math.max(0, room)), rules);
  return base ? `${base}-${suffix}` : suffix;
}

function arraysEqual(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Backend names for a set of dot paths, with every collision reported (two paths, one name): an error
 * Diagnostic naming both, since a manifest with duplicate names would be rejected by the engine or, worse,
 * silently merge two steps.
 */
export function assignBackendNames(
  dotPaths: readonly string[],
  rules: NameRules,
  where?: { file: string },
): { names: Map<string, string>; diagnostics: Diagnostic[] } {
  const names = new Map<string, string>();
  const owner = new Map<string, string>();
  const diagnostics: Diagnostic[] = [];
  for (const dotPath of dotPaths) {
    if (names.has(dotPath)) continue;
    const name = toBackendName(dotPath, rules);
    names.set(dotPath, name);
    const first = owner.get(name);
    if (first === undefined) owner.set(name, dotPath);
    else
      diagnostics.push({
        code: 'DAGC-NAME-COLLISION',
        severity: 'error',
        message: `"${first}" and "${dotPath}" both become the backend name "${name}"`,
        hint: `rename one of them: names must stay distinct after sanitising (at most ${rules.maxLength} characters${
          rules.lowerCase ? ', lower case' : ''
        })`,
        file: where?.file ?? '',
        start: { line: 1, column: 1 },
      });
  }
  return { names, diagnostics };
}
