// The step-side Python API for real (issue 15): get_secret, put_in_catalog, get_from_catalog, put_object,
// get_object, track_this, set_parameter, get_parameter and get_run_id, each used inside a step, under `dagc run`,
// the compiled bash script run by bash, `dagc emulate --target argo` and `--target asl`, and the local-container
// executor (steps in real containers, where an engine works). Each target must record
// the same run log (scrubbed of times and ids), and that log must hold what the calls did: the catalog entries of the
// step's own puts and gets with the sha256 of the bytes the step wrote (computed here, not by dagc), the metrics
// and parameters as the step set them (floats as floats), and the secret nowhere.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../src/core/py-float.js';
import type { RunLog } from '../src/services/run-log/types.js';
import { runCli } from './helpers/cli.js';
import type { CliResult } from './helpers/cli.js';
import { BIN } from './helpers/paths.js';
import { scrubRunLog } from './helpers/run-log-compare.js';
import { testImage } from './helpers/container-image.js';

// local-container: each step in a real container (podman or docker) from the tests' image, when one works here.
const image = await testImage();
const noContainers = 'skip' in image ? image.skip : !image.python ? 'the test image has no python3' : undefined;
if (noContainers) console.warn(`[skip] the step-side API under local-container: ${noContainers}`);

const SECRET = 's3cr3t-Δ-value-8c1f';
const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

const PIPELINE = `dag:
  description: Every step-side API call, inside steps.
  start_at: produce
  steps:
    produce:
      type: task
      command: api_steps.produce
      next: consume
    consume:
      type: task
      command: api_steps.consume
      next: success
    success:
      type: success
    fail:
      type: fail
`;

const CONFIG = `secrets:
  type: dotenv
  config:
    location: secrets.env
`;

// The step proves it read the right secret by its hash; the value itself is never printed or returned.
const STEPS = `import hashlib
import os

from dagc import get_parameter, get_run_id, get_secret, put_in_catalog, put_object, set_parameter, track_this


def produce(threshold, scale):
    # A YAML float with a whole value arrives as a float (issue 15: it used to arrive as the int 1).
    assert type(scale) is float and scale == 1.0, repr(scale)
    secret = get_secret("api_key")
    assert hashlib.sha256(secret.encode()).hexdigest() == "${sha256(SECRET)}", "wrong secret"
    assert get_secret() == {"api_key": secret}
    os.makedirs("data", exist_ok=True)
    with open("data/report.txt", "w") as handle:
        handle.write("report of " + get_run_id())
    entries = put_in_catalog("report.txt")
    assert [e["name"] for e in entries] == ["data/report.txt"], entries
    put_object({"weights": [1.0, 2.5], "n": 3}, "model")
    track_this(accuracy=0.9, loss=1.0)
    set_parameter(produced_by=get_run_id(), threshold_seen=threshold, ratio=2.0)
    assert get_parameter("ratio") == 2.0


def consume():
    # The magnus spelling of the same API.
    from magnus import get_from_catalog, get_object, get_parameter

    os.makedirs("data", exist_ok=True)
    assert not os.path.exists("data/report.txt") or open("data/report.txt").read().startswith("report")
    get_from_catalog("report.txt")
    with open("data/report.txt") as handle:
        assert handle.read() == "report of " + get_run_id()
    model = get_object("model")
    assert model == {"weights": [1.0, 2.5], "n": 3}, model
    assert not os.path.exists("data/model.pickle")
    ratio = get_parameter("ratio")
    assert type(ratio) is float and ratio == 2.0, ratio
    assert get_parameter("produced_by") == get_run_id()
`;

function project(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'dagc-step-api-'));
  writeFileSync(path.join(dir, 'pipeline.yaml'), PIPELINE);
  writeFileSync(path.join(dir, 'config.yaml'), CONFIG);
  writeFileSync(path.join(dir, 'parameters.yaml'), 'threshold: 0.5\nscale: 1.0\n');
  writeFileSync(path.join(dir, 'secrets.env'), `api_key=${SECRET}\n`);
  writeFileSync(path.join(dir, 'api_steps.py'), STEPS);
  return dir;
}

function bash(script: string, args: string[], cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script, ...args], {
      cwd,
      env: { ...process.env, DAGC_BIN: `${process.execPath} ${BIN}`, NO_COLOR: '1' },
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

/** Every file below `dir` except the secrets file itself, for the leak check. */
function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return files(full);
    return name === 'secrets.env' ? [] : [full];
  });
}

const RUNNERS: Record<string, (dir: string, runId: string) => Promise<CliResult>> = {
  'dagc run': (dir, runId) =>
    runCli(['run', 'pipeline.yaml', '-c', 'config.yaml', '-p', 'parameters.yaml', '--run-id', runId], { cwd: dir }),
  'the bash script': async (dir, runId) => {
    const compiled = await runCli(['compile', 'pipeline.yaml', '--target', 'bash', '-c', 'config.yaml', '-p', 'parameters.yaml', '-o', 'run.sh'], { cwd: dir });
    expect(compiled.status, compiled.stderr).toBe(0);
    return bash('run.sh', [runId], dir);
  },
  'the argo emulator': (dir, runId) =>
    runCli(['emulate', 'pipeline.yaml', '--target', 'argo', '-c', 'config.yaml', '-p', 'parameters.yaml', '--run-id', runId], { cwd: dir, timeoutMs: 120_000 }),
  'the asl emulator': (dir, runId) =>
    runCli(['emulate', 'pipeline.yaml', '--target', 'asl', '-c', 'config.yaml', '-p', 'parameters.yaml', '--run-id', runId], { cwd: dir, timeoutMs: 120_000 }),
  ...(noContainers || 'skip' in image
    ? {}
    : {
        'the local-container executor': (dir: string, runId: string) => {
          writeFileSync(path.join(dir, 'container.yaml'), `${CONFIG}executor:\n  type: local-container\n  config:\n    docker_image: ${image.image}\n`);
          return runCli(['run', 'pipeline.yaml', '-c', 'container.yaml', '-p', 'parameters.yaml', '--run-id', runId], { cwd: dir, timeoutMs: 180_000 });
        },
      }),
};

interface Ran {
  dir: string;
  result: CliResult;
  shown: CliResult;
  log: RunLog;
}

/** Each target runs once; its test checks it and the last test compares the three run logs. */
const ran: Record<string, Promise<Ran>> = {};
function runOn(target: string): Promise<Ran> {
  return (ran[target] ??= (async () => {
    const dir = project();
    const result = await RUNNERS[target]!(dir, RUN_ID);
    const shown = await runCli(['runs', 'show', RUN_ID, '--json', '-c', 'config.yaml'], { cwd: dir });
    return { dir, result, shown, log: (shown.status === 0 ? parseJson(shown.stdout) : {}) as RunLog };
  })());
}
const RUN_ID = 'api-run';

describe.concurrent('the step-side Python API inside steps', () => {
  it.each(Object.keys(RUNNERS))('under %s', async (target) => {
    const { dir, result, shown, log } = await runOn(target);
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(shown.status, shown.stderr).toBe(0);
    expect(log.status).toBe('SUCCESS');

    const report = `report of ${RUN_ID}`;
    const produce = log.steps.produce!;
    const consume = log.steps.consume!;
    const entries = (s: typeof produce) => s.data_catalog.filter((e) => e.name.startsWith('data/') || e.stage === 'get').map((e) => [e.stage, e.name, e.data_hash]);
    // The pickle's bytes are Python's: the hash is checked against the file in the run's catalog.
    const pickled = readFileSync(path.join(dir, '.catalog', RUN_ID, 'data', 'model.pickle'));
    expect(entries(produce)).toEqual([
      ['put', 'data/report.txt', sha256(report)],
      ['put', 'data/model.pickle', sha256(pickled)],
    ]);
    expect(entries(consume)).toEqual([
      ['get', 'report.txt', sha256(report)],
      ['get', 'model.pickle', sha256(pickled)],
    ]);
    // Floats stay floats: loss=1.0 and ratio=2.0 are written as Python wrote them.
    expect(stringifyJson(produce.user_defined_metrics)).toBe('{"accuracy":0.9,"loss":1.0}');
    expect(stringifyJson(log.parameters)).toBe(`{"threshold":0.5,"scale":1.0,"produced_by":"${RUN_ID}","threshold_seen":0.5,"ratio":2.0}`);
    // The secret reached the step (it checked the hash) and is nowhere dagc wrote or printed.
    expect(result.stdout + result.stderr + shown.stdout).not.toContain(SECRET);
    for (const file of files(dir)) expect(readFileSync(file).includes(SECRET), `secret in ${file}`).toBe(false);
  }, 180_000);

  it('every target records the same run log', async () => {
    const [first, ...rest] = await Promise.all(Object.keys(RUNNERS).map(runOn));
    const text = (r: Ran) => JSON.stringify(scrubRunLog(r.log), null, 2);
    for (const other of rest) expect(text(other)).toBe(text(first!));
  }, 180_000);
});
