import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ARGO_CRON_NAME_RULES,
  ARGO_NAME_RULES,
  ASL_NAME_RULES,
  assignBackendNames,
  sanitisedName,
  toBackendName,
} from './names.js';
import type { NameRules } from './names.js';

const sha8 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex').slice(0, 8);
const RFC1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ASL_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\p{Cc}]/u;

describe('toBackendName (Argo)', () => {
  const argo = (p: string) => toBackendName(p, ARGO_NAME_RULES);

  it('keeps names that already fit, joining dot paths with "-"', () => {
    expect(argo('train')).toBe('train');
    expect(argo('p.a.train')).toBe('p-a-train');
    expect(argo('fan.out')).toBe('fan-out');
    expect(argo('step1')).toBe('step1');
  });

  it('suffixes the sha256 of the dot path when the name had to change', () => {
    expect(argo('Train')).toBe(`train-${sha8('Train')}`);
    expect(argo('Train')).toBe('train-e99c90db');
    expect(argo('Acquire data')).toBe('acquire-data-a9f2cd88');
    expect(argo('step_1')).toBe(`step-1-${sha8('step_1')}`);
    expect(argo('a\tb')).toBe('a-b-894891f8');
  });

  it('keeps a literal "-" name apart from the dot path it looks like', () => {
    expect(argo('p-a-train')).toBe(`p-a-train-${sha8('p-a-train')}`);
    expect(argo('p-a-train')).not.toBe(argo('p.a.train'));
  });

  it('never leaves an unsuffixed name that looks hash-suffixed', () => {
    expect(argo('x-deadbeef')).toBe(`x-deadbeef-${sha8('x-deadbeef')}`);
    expect(argo('deadbeef')).toBe(`deadbeef-${sha8('deadbeef')}`);
  });

  it('trims edges that are not alphanumeric', () => {
    expect(argo('-lead')).toBe(`lead-${sha8('-lead')}`);
    expect(argo('trail-')).toBe(`trail-${sha8('trail-')}`);
    expect(argo('_')).toBe(sha8('_'));
  });

  it('respells accented and special letters, drops what has no ASCII spelling', () => {
    expect(argo('café au lait')).toBe('cafe-au-lait-7c413039');
    expect(argo('Ærø')).toBe('aero-8fce13c4');
    expect(argo('İstanbul')).toBe('istanbul-24ec8f72');
    expect(argo('ﬁle')).toBe('file-e187bbaa');
    expect(argo('emoji 😀 name')).toBe('emoji-name-224a614f');
    expect(argo('日本')).toBe(sha8('日本'));
  });

  it('shortens long paths to 63 characters, keeping the hash', () => {
    const long = 'step_dag_within_map.map_variable_placeholder.step_1.dag.step1';
    expect(argo(long)).toBe('step-dag-within-map-map-variable-placeholder-step-1-da-2917a947');
    expect(argo(long)).toHaveLength(63);
    const x = 'x'.repeat(100);
    expect(argo(x)).toBe(`${'x'.repeat(54)}-${sha8(x)}`);
    // Two paths with the same first 63 characters stay distinct.
    expect(argo(`${x}.a`)).not.toBe(argo(`${x}.b`));
  });

  it('does not leave a "-" before the hash doubled after cutting', () => {
    const p = `${'a'.repeat(53)} b`; // the cut falls right after the replacement
    const name = argo(p);
    expect(name).toBe(`${'a'.repeat(53)}-${sha8(p)}`);
  });

  it('limits CronWorkflow names to 52', () => {
    const x = 'y'.repeat(60);
    expect(toBackendName(x, ARGO_CRON_NAME_RULES)).toBe(`${'y'.repeat(43)}-${sha8(x)}`);
    expect(toBackendName('nightly', ARGO_CRON_NAME_RULES)).toBe('nightly');
  });

  it('always gives valid RFC 1123 labels', () => {
    const paths = [
      'A',
      '_x_',
      '...',
      '',
      ' ',
      'a..b',
      'M.map_variable_placeholder.Step 2',
      '-',
      '9',
      'ä'.repeat(80),
    ];
    for (const p of paths) {
      const n = argo(p);
      expect(n, p).toMatch(RFC1123_LABEL);
      expect(n.length, p).toBeLessThanOrEqual(63);
    }
  });

  it('is deterministic', () => {
    expect(argo('Some Step.branch.x')).toBe(argo('Some Step.branch.x'));
  });
});

describe('toBackendName (Step Functions)', () => {
  const asl = (p: string) => toBackendName(p, ASL_NAME_RULES);

  it('keeps dot paths, case, underscores and unicode letters as they are', () => {
    expect(asl('step_dag_within_map.map_variable_placeholder.step_1.dag.step1')).toBe(
      'step_dag_within_map.map_variable_placeholder.step_1.dag.step1',
    );
    expect(asl('Train')).toBe('Train');
    expect(asl('日本')).toBe('日本');
    expect(asl('Ærø')).toBe('Ærø');
  });

  it('replaces whitespace and forbidden characters, then suffixes', () => {
    expect(asl('Acquire data')).toBe('Acquire-data-a9f2cd88');
    expect(asl('a.b c.d')).toBe('a.b-c.d-ccb1ce67');
    expect(asl('emoji 😀 name')).toBe('emoji-😀-name-224a614f');
    expect(asl('a<b>{c}[d]?e*f"g#h%i\\j^k|l~m`n$o&p,q;r:s/t')).toBe(
      `a-b-c-d-e-f-g-h-i-j-k-l-m-n-o-p-q-r-s-t-${sha8('a<b>{c}[d]?e*f"g#h%i\\j^k|l~m`n$o&p,q;r:s/t')}`,
    );
    expect(asl('ctl\u0001\u0085x')).toBe(`ctl-x-${sha8('ctl\u0001\u0085x')}`);
  });

  it('shortens to 80 characters without splitting astral characters', () => {
    const p = '😀'.repeat(100);
    const n = asl(p);
    expect([...n]).toHaveLength(80);
    expect(n).toBe(`${'😀'.repeat(71)}-${sha8(p)}`);
  });

  it('never produces forbidden characters', () => {
    for (const p of ['a b', 'tab\there', 'x:y', 'nbsp\u00a0x', 'ideographic\u3000space', '']) {
      const n = asl(p);
      expect(n, p).not.toMatch(ASL_FORBIDDEN);
      expect(n.length).toBeGreaterThan(0);
    }
  });
});

describe('toBackendName (custom rules)', () => {
  it('uses a multi-character separator reversibly', () => {
    const rules: NameRules = { maxLength: 40, lowerCase: true, allowed: /[a-z0-9-]/g, separator: '--' };
    expect(toBackendName('p.a-b.c', rules)).toBe('p--a-b--c');
    // "-" at a part's edge would make "--" ambiguous: suffix it.
    expect(toBackendName('p.a-.c', rules)).toBe(`p--a---c-${sha8('p.a-.c')}`);
    // A /g regex is reset between characters (no lastIndex surprises).
    expect(toBackendName('abcabc', rules)).toBe('abcabc');
  });
});

describe('toBackendName (the whole-name test against the character-by-character one)', () => {
  it('gives sanitisedName\'s name for every dot path, under every rules', () => {
    // toBackendName takes the name as it stands when one test of the whole says sanitisedName would keep it:
    // on paths made of the characters each rule treats apart (allowed or not, edges, case, separators, astral,
    // hash-like suffixes, lengths around the limits), the two must agree.
    const custom: NameRules = { maxLength: 40, lowerCase: true, allowed: /[a-z0-9-]/g, separator: '--' };
    // Lower case as the rule, where upper case is allowed too.
    const folded: NameRules = { maxLength: 30, lowerCase: true, allowed: /[A-Za-z0-9_-]/, separator: '_', edges: /[a-z]/ };
    const pieces = ['a', 'b', 'z', 'Z', '0', '9', 'f', '-', '--', '.', '..', '_', ' ', 'é', 'ß', 'İ', 'Σ', '😀', '$', ':', '\u0000', '\u00a0', '-deadbeef', 'abcdef12', 'x'.repeat(40)];
    let seed = 7;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    let kept = 0;
    for (let i = 0; i < 5_000; i++) {
      let path = '';
      const n = Math.floor(random() * 8);
      for (let j = 0; j < n; j++) path += pieces[Math.floor(random() * pieces.length)];
      for (const rules of [ARGO_NAME_RULES, ARGO_CRON_NAME_RULES, ASL_NAME_RULES, custom, folded]) {
        const name = toBackendName(path, rules);
        expect(name, JSON.stringify([path, rules.separator, rules.maxLength])).toBe(sanitisedName(path, rules));
        if (!name.includes(sha8(path))) kept++;
      }
    }
    // Both ways were taken many times.
    expect(kept).toBeGreaterThan(1_000);
    expect(kept).toBeLessThan(24_000);
  });
});

describe('assignBackendNames', () => {
  it('names every path and reports nothing when all are distinct', () => {
    const r = assignBackendNames(['a', 'b', 'P.x.a', 'Train', 'train', 'a'], ARGO_NAME_RULES);
    expect(r.diagnostics).toEqual([]);
    expect([...r.names]).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['P.x.a', `p-x-a-${sha8('P.x.a')}`],
      ['Train', 'train-e99c90db'],
      ['train', 'train'],
    ]);
  });

  it('reports two paths that end up with the same name', () => {
    // Found by search: both sanitise to "a-b" and their sha256 start with the same 8 hex digits.
    const first = 'a_ ___ _ ___ _  b';
    const second = 'a  _ _   _  __ __ b';
    expect(sha8(first)).toBe(sha8(second));
    const r = assignBackendNames(['ok', first, second], ARGO_NAME_RULES, { file: 'pipeline.yaml' });
    expect(r.names.get(first)).toBe('a-b-8bd4058f');
    expect(r.names.get(second)).toBe('a-b-8bd4058f');
    expect(r.diagnostics).toEqual([
      {
        code: 'DAGC-NAME-COLLISION',
        severity: 'error',
        message: `"${first}" and "${second}" both become the backend name "a-b-8bd4058f"`,
        hint: 'rename one of them: names must stay distinct after sanitising (at most 63 characters, lower case)',
        file: 'pipeline.yaml',
        start: { line: 1, column: 1 },
      },
    ]);
    // The same two paths are distinct where "_" is allowed.
    expect(assignBackendNames([first, second], ASL_NAME_RULES).diagnostics).toEqual([]);
  });

  it('falls back to the bare hash when there is no room for a prefix', () => {
    const rules: NameRules = { maxLength: 9, lowerCase: false, allowed: /[a-z0-9]/, separator: 'z' };
    const r = assignBackendNames(['A1', 'A2'], rules);
    expect(r.diagnostics).toEqual([]);
    expect(r.names.get('A1')).toBe(sha8('A1'));
    expect(r.names.get('A2')).toBe(sha8('A2'));
  });
});
