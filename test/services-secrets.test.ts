// Secrets providers (spec §2.4, with dagc's dotenv decisions) and the experiment tracker registry. Secret
// values must never appear in any error: every failure below is checked against every value in its file.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSecrets, SECRETS_PROVIDERS } from '../src/services/secrets/index.js';
import { SecretNotFoundError } from '../src/services/secrets/types.js';
import { createTracker, TRACKER_PROVIDERS } from '../src/services/tracking/index.js';
import { UserError } from '../src/cli/types.js';

let cwd: string;
beforeEach(() => void (cwd = mkdtempSync(path.join(tmpdir(), 'dagc-secrets-'))));
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const dotenv = (text: string, location?: string) => {
  writeFileSync(path.join(cwd, location ?? '.env'), text);
  return createSecrets({ type: 'dotenv', config: location ? { location } : {} }, { cwd });
};

async function failure(promise: Promise<unknown>): Promise<UserError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(Error);
    return error as UserError;
  }
  throw new Error('expected a failure');
}

function expectNoLeak(error: Error & { hint?: string }, values: string[]): void {
  const text = `${error.message}\n${error.hint ?? ''}\n${error.stack ?? ''}`;
  for (const v of values) expect(text).not.toContain(v);
}

describe('dotenv secrets', () => {
  it('reads NAME=value lines with comments, blanks, export, quotes and "=" in values', async () => {
    const secrets = dotenv(
      [
        '# database',
        '',
        'TOKEN=abc=def==',
        'export API_KEY = k3y-value   ',
        'SPACED="two words # not a comment"',
        "SINGLE='lit\\n eral' # comment",
        'ESCAPED="line1\\nline2\\t\\"q\\"\\\\"',
        'TRAILING=value # comment removed',
        'HASHED=a#b',
        'EMPTY=',
        'db.user-name=admin',
        'TOKEN=last wins',
        '   # indented comment',
      ].join('\r\n'),
    );
    expect(await secrets.getAll()).toEqual({
      TOKEN: 'last wins',
      API_KEY: 'k3y-value',
      SPACED: 'two words # not a comment',
      SINGLE: 'lit\\n eral',
      ESCAPED: 'line1\nline2\t"q"\\',
      TRAILING: 'value',
      HASHED: 'a#b',
      EMPTY: '',
      'db.user-name': 'admin',
    });
    expect(await secrets.get('TOKEN')).toBe('last wins');
    expect(secrets.name).toBe('dotenv');
  });

  it('reads a custom location relative to cwd, once per instance', async () => {
    mkdirSync(path.join(cwd, 'conf'));
    const secrets = dotenv('A=1\n', 'conf/secrets.env');
    expect(await secrets.get('A')).toBe('1');
    writeFileSync(path.join(cwd, 'conf/secrets.env'), 'A=2\n');
    expect(await secrets.get('A')).toBe('1');
  });

  it.each([
    [
      'a line without "="',
      'GOOD=s3cr3t-good\nhunter2-password-line\n',
      2,
      'expected NAME=value (no "=" found)',
    ],
    [
      'a bad name',
      'GOOD=s3cr3t-good\nmy pass=hunter2-password\n',
      2,
      'expected NAME=value where NAME is letters, digits, "_", "." or "-", not starting with a digit',
    ],
    [
      'an unclosed quote',
      '\n\nGOOD=s3cr3t-good\nPW="hunter2-password\n',
      4,
      'the value opens a double quote that is not closed on the same line',
    ],
    [
      'text after a quote',
      "PW='hunter2-password' trailing-junk\n",
      1,
      'expected only a "# comment" after the closing quote',
    ],
  ])('names file:line and what is expected for %s, never the value', async (_what, text, line, problem) => {
    const error = await failure(dotenv(text).get('GOOD'));
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(`.env:${line}: ${problem}`);
    expect(error.hint).toBe(
      'each line is NAME=value, a "# comment" or blank; quote values with spaces or "#"',
    );
    expectNoLeak(error, ['s3cr3t-good', 'hunter2-password', 'trailing-junk']);
  });

  it('masks known values even where the file path would show them', async () => {
    mkdirSync(path.join(cwd, 's3cr3t-good'));
    const error = await failure(dotenv('GOOD=s3cr3t-good\nbroken\n', 's3cr3t-good/.env').getAll());
    expect(error.message).toBe('*****/.env:2: expected NAME=value (no "=" found)');
  });

  it('says where it looked for a missing file', async () => {
    const secrets = createSecrets({ type: 'dotenv', config: {} }, { cwd });
    const error = await failure(secrets.get('A'));
    expect(error).toEqual(
      new UserError(
        'Did not find the secrets file in .env',
        'create .env with NAME=value lines, or point secrets: {type: dotenv, config: {location: …}} at it',
      ),
    );
  });

  it('throws SecretNotFoundError for an unknown name, without values', async () => {
    const error = await failure(dotenv('A=very-secret-value\n').get('B'));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toBe('Secret "B" was not found in .env');
    expectNoLeak(error, ['very-secret-value']);
  });
});

describe('env-secrets-manager', () => {
  it('reads the environment it is given', async () => {
    const secrets = createSecrets(
      { type: 'env-secrets-manager', config: {} },
      { cwd, env: { DB_PASSWORD: 'pw-123456' } },
    );
    expect(await secrets.get('DB_PASSWORD')).toBe('pw-123456');
    expect(await secrets.getAll()).toEqual({});
    const error = await failure(secrets.get('MISSING'));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toBe('Secret "MISSING" was not found in the environment');
    expectNoLeak(error, ['pw-123456']);
  });

  it('defaults to the process environment', async () => {
    process.env.DAGC_TEST_SECRET_X = 'from-process';
    try {
      expect(
        await createSecrets({ type: 'env-secrets-manager', config: {} }, { cwd }).get('DAGC_TEST_SECRET_X'),
      ).toBe('from-process');
    } finally {
      delete process.env.DAGC_TEST_SECRET_X;
    }
  });
});

describe('do-nothing secrets', () => {
  it('has no secrets', async () => {
    const secrets = createSecrets({ type: 'do-nothing', config: {} }, { cwd });
    expect(await secrets.get('anything')).toBe('');
    expect(await secrets.getAll()).toEqual({});
  });
});

describe('secrets registry', () => {
  it('names each provider once', () => {
    const names = SECRETS_PROVIDERS.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 3)).toEqual(['do-nothing', 'dotenv', 'env-secrets-manager']);
  });

  it('rejects an unknown type with a did-you-mean hint', () => {
    expect(() => createSecrets({ type: 'dot-env', config: {} }, { cwd })).toThrow(
      new UserError(
        'unknown secrets type "dot-env"',
        `did you mean "dotenv"? (known secrets types: ${SECRETS_PROVIDERS.map((p) => p.name).join(', ')})`,
      ),
    );
  });
});

describe('experiment tracker', () => {
  it('do-nothing accepts steps', async () => {
    const tracker = createTracker({ type: 'do-nothing', config: {} });
    await expect(tracker.logStep({ runId: 'r', step: 's', attempt: 1, parameters: {}, metrics: { accuracy: 0.9 }, startMs: 0, endMs: 1 })).resolves.toBeUndefined();
  });

  it('mlflow needs a server (src/services/tracking/mlflow.test.ts runs it against a real one)', () => {
    expect(() => createTracker({ type: 'mlflow', config: {} }, { cwd: '.' })).toThrow(UserError);
    expect(typeof createTracker({ type: 'mlflow', config: { tracking_uri: 'http://127.0.0.1:5000' } }).logStep).toBe('function');
  });

  it('rejects an unknown type with a did-you-mean hint', () => {
    expect(TRACKER_PROVIDERS.map((p) => p.name)).toEqual(['do-nothing', 'mlflow']);
    expect(() => createTracker({ type: 'mlfow', config: {} })).toThrow(
      new UserError(
        'unknown experiment_tracker type "mlfow"',
        'did you mean "mlflow"? (known experiment_tracker types: do-nothing, mlflow)',
      ),
    );
  });
});
