// A secret that a step hands back — as a parameter ($DAGC_OUTPUT, export DAGC_PRM_x, a Python return dict), as a
// metric (DAGC_TRACK_x) or printed in a common encoding — appears nowhere dagc writes or prints: not in the run
// log, the catalog (captured output), the console, nor any other file under the project (issue 19). The oracle
// is the secret's encodings computed here with Node's Buffer, independently of the masking code.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { readTree } from './helpers/fixture-dir.js';
import { BIN } from './helpers/paths.js';

const SECRET = 's3cr3t/Tok+en=9f8e 7d&c6?x';

/** Every form of the secret a step below prints or hands back, encoded here, not by dagc. */
function forms(value: string): Record<string, string> {
  const raw = Buffer.from(value);
  const nl = Buffer.from(`${value}\n`);
  return {
    raw: value,
    base64: raw.toString('base64'),
    'base64 (echo)': nl.toString('base64'),
    base64url: raw.toString('base64url'),
    hex: raw.toString('hex'),
    'hex (echo)': nl.toString('hex'),
    HEX: raw.toString('hex').toUpperCase(),
    'url-encoded': encodeURIComponent(value),
    'form-encoded': encodeURIComponent(value).replace(/%20/g, '+'),
  };
}

const HAS_PYTHON = spawnSync('python3', ['-c', 'import base64']).status === 0;
if (!HAS_PYTHON) console.warn('[skip] secret leaks through a Python step: python3 is not installed');

const PIPELINE = `dag:
  start_at: leak
  steps:
    leak:
      type: task
      command_type: shell
      command: |
        echo "raw $API_TOKEN"
        printf %s "$API_TOKEN" | base64
        echo "$API_TOKEN" | base64
        printf %s "$API_TOKEN" | base64 | tr '+/' '-_' | tr -d '='
        printf %s "$API_TOKEN" | od -An -tx1 | tr -d ' \\n'; echo
        printf %s "$API_TOKEN" | od -An -tx1 | tr -d ' \\n' | tr a-f A-F; echo
        echo "$API_TOKEN" | xxd -p | tr -d '\\n'; echo
        echo "from_output=$API_TOKEN" >> "$DAGC_OUTPUT"
        echo "b64_output=$(printf %s "$API_TOKEN" | base64)" >> "$DAGC_OUTPUT"
        export DAGC_PRM_exported="$API_TOKEN"
        export DAGC_TRACK_tracked="$API_TOKEN"
        export DAGC_TRACK_tracked_hex="$(printf %s "$API_TOKEN" | od -An -tx1 | tr -d ' \\n')"
      next: py
    py:
      type: task
      command_type: python
      command: leaky.give
      next: show
    show:
      type: task
      command_type: shell
      command: |
        echo "later step sees $DAGC_PRM_from_output and $DAGC_PRM_py_url"
      next: success
    success:
      type: success
    fail:
      type: fail
`;

const LEAKY = `import base64, os, urllib.parse

def give():
    t = os.environ["API_TOKEN"]
    print(urllib.parse.quote(t, safe=""))
    print(urllib.parse.quote_plus(t))
    return {"py_raw": t, "py_b64": base64.b64encode(t.encode()).decode(), "py_url": urllib.parse.quote(t, safe=""),
            "nested": {"deep": [t]}}
`;

const CONFIG = `executor:
  type: local
  config:
    secret_as_env:
      API_TOKEN: api_token
secrets:
  type: dotenv
  config:
    location: secrets.env
`;

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-secret-leaks-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
  writeFileSync(path.join(dir, 'leaky.py'), LEAKY);
  writeFileSync(path.join(dir, 'secrets.env'), `api_token="${SECRET}"\n`);
  return dir;
}

function bash(script: string, args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd,
      env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ stdout, stderr, status }));
  });
}

/** Where any form of the secret shows up: every file under the project but the secrets file, plus the output. */
function leaks(dir: string, printed: string): string[] {
  const found: string[] = [];
  const places: [string, string][] = [['the console', printed]];
  for (const [rel, content] of readTree(dir)) if (rel !== 'secrets.env') places.push([rel, content.toString('utf8')]);
  for (const [where, text] of places)
    for (const [form, value] of Object.entries(forms(SECRET))) if (text.includes(value)) found.push(`${form} in ${where}`);
  return found;
}

async function checkRun(dir: string, ran: CliResult, runId: string): Promise<void> {
  expect(ran.status, ran.stdout + ran.stderr).toBe(0);
  const shown = await runCli(['runs', 'show', runId, '--json'], { cwd: dir });
  expect(shown.status, shown.stderr).toBe(0);
  expect(leaks(dir, ran.stdout + ran.stderr + shown.stdout + shown.stderr)).toEqual([]);
  const log = JSON.parse(shown.stdout) as {
    parameters: Record<string, unknown>;
    steps: Record<string, { message: string; user_defined_metrics: Record<string, unknown> }>;
  };
  // The values are there, masked, and the run log says that they were.
  expect(log.parameters.from_output).toBe('*****');
  expect(log.parameters.exported).toBe('*****');
  expect(log.parameters.py_raw).toBe('*****');
  expect(log.parameters.nested).toEqual({ deep: ['*****'] });
  expect(log.steps.leak!.user_defined_metrics.tracked).toBe('*****');
  expect(log.steps.leak!.message).toMatch(/masked.*exported.*from_output/);
  expect(log.steps.leak!.message).toMatch(/tracked/);
  expect(log.steps.py!.message).toMatch(/masked.*nested.*py_b64.*py_raw.*py_url/);
  // A later step gets the masked value, never the secret.
  expect(ran.stdout + ran.stderr).toContain('later step sees "*****" and "*****"');
}

describe.skipIf(!HAS_PYTHON)('secrets handed back by steps are masked before they are stored or printed', () => {
  it('dagc run', async () => {
    const dir = project();
    const ran = await runCli(['run', 'pipeline.yaml', '-c', 'config.yaml', '--run-id', 'leaky'], { cwd: dir });
    await checkRun(dir, ran, 'leaky');
  });

  it('the bash script', async () => {
    const dir = project();
    const compiled = await runCli(['compile', 'pipeline.yaml', '-c', 'config.yaml', '--target', 'bash', '-o', 'pipeline.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    const ran = await bash('pipeline.sh', ['leaky'], dir);
    await checkRun(dir, ran, 'leaky');
    expect(readFileSync(path.join(dir, 'pipeline.sh'), 'utf8')).not.toContain(SECRET);
  });
});
