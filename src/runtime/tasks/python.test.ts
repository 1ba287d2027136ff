import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runTask } from './index.js';
import { testRequest } from './test-request.js';

const cwd = mkdtempSync(path.join(tmpdir(), 'dagc-python-test-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(path.join(cwd, 'pkg'));
  writeFileSync(path.join(cwd, 'pkg', '__init__.py'), '');
  // Modelled on shared/spec/magnus-reference/f81dcf8/functions.py (the demo pipelines' step functions).
  writeFileSync(
    path.join(cwd, 'pkg', 'steps.py'),
    `import os
import sys

from magnus import get_parameter, set_parameter, store_parameter, track_this


def prepare(x):
    track_this(rows=10, summary={"mean": 1.5})
    track_this(step=2, loss=0.25)
    return {"y": int(x) + 1, "Items": ["a", "b"]}


def train(y, x=None):
    print("training", y, x)
    return {"score": y * 10, "run_id_seen": os.environ.get("MAGNUS_RUN_ID")}


def per_item(item, y):
    return {"last_item": item, "y_seen": y}


def everything(**kwargs):
    return {"seen": sorted(kwargs)}


def compat():
    set_parameter(fresh="value", count=3)
    store_parameter(old=1)
    print("read back", get_parameter("fresh"), get_parameter("count"))
    return None


def fail_always():
    print("about to fail", file=sys.stderr)
    raise ValueError("deliberate failure")


def returns_list():
    return [1, 2]


def needs_missing(absent):
    return None


def env_export():
    os.environ["DAGC_PRM_exported"] = '{"k": [1]}'
    os.environ["MAGNUS_TRACK_speed"] = "12.5"


def secret_print():
    print("the secret is " + os.environ["API_KEY"])


class Model:
    # Duck-typed like a pydantic 2 model: what the shim relies on.
    def model_dump(self, mode="python"):
        return {"mode_seen": mode, "Value": 1}


def returns_model():
    return Model()


def exits_quietly():
    sys.exit(0)


def exits_badly():
    sys.exit(4)


def api_tour():
    import dagc
    from magnus import get_from_catalog, get_run_id, get_secret, get_tag, put_in_catalog

    print(get_run_id(), get_tag())
    print(sorted(get_parameter().items()))
    print(get_parameter("Big"), dagc.get_parameter("big"))
    try:
        get_parameter("absent")
    except Exception as error:
        print(type(error).__name__, error)
    # Outside a run (no DAGC_PROJECT_DIR) the calls back into dagc fail with dagc's own reason.
    for call in (lambda: get_secret("x"), lambda: get_from_catalog("a"), lambda: put_in_catalog("a")):
        try:
            call()
        except Exception as error:
            print(type(error).__name__, str(error).split(":")[0])
    os.environ["MAGNUS_PRM_dagc"] = '"changed"'
    print(get_parameter("dagc"), dagc.get_parameter("dagc"))


def takes_model(inner: "Inner", scale: float = 2.0):
    return {"kind": type(inner).__name__, "x_plus_one": inner.x + 1, "scale_type": type(scale).__name__}


try:
    from pydantic import BaseModel

    class Inner(BaseModel):
        x: int
        y: str
except ImportError:
    Inner = dict


def uses_missing_dependency():
    import definitely_not_installed_dependency  # noqa: F401
`,
  );
  writeFileSync(path.join(cwd, 'broken_import.py'), 'import definitely_not_installed_dependency\n');
});

function python(command: string, extra: Parameters<typeof testRequest>[1] = {}) {
  return testRequest(cwd, { command, commandType: 'python', ...extra });
}

describe('python runner', () => {
  test('kwargs matched by name, returned dict sets parameters (keys lower-cased), track_this metrics', async () => {
    const result = await runTask(python('pkg.steps.prepare', { parameters: { x: 3, unrelated: true } }));
    expect(result).toMatchObject({ ok: true, exitCode: 0, message: '' });
    expect(result.parameters).toEqual({ y: 4, items: ['a', 'b'] });
    expect(result.metrics).toEqual({ rows: 10, summary: { mean: 1.5 }, '2_loss': 0.25 });
  });

  test('optional arguments are filled when a parameter has that name; output is streamed', async () => {
    const request = python('pkg.steps.train', { parameters: { y: 4, x: 3 }, runId: 'run-42' });
    const result = await runTask(request);
    expect(result.parameters).toEqual({ score: 40, run_id_seen: 'run-42' });
    expect(result.output).toBe('training 4 3\n');
    expect(request.lines).toEqual([{ line: 'training 4 3', stream: 'stdout' }]);
  });

  test('a map variable overrides a parameter of the same name', async () => {
    const result = await runTask(
      python('pkg.steps.per_item', {
        parameters: { item: 'from-parameters', y: 4 },
        mapVariable: { item: 'b' },
      }),
    );
    expect(result.parameters).toEqual({ last_item: 'b', y_seen: 4 });
  });

  test('a function with **kwargs receives every parameter and map value', async () => {
    const result = await runTask(
      python('pkg.steps.everything', { parameters: { a: 1, b: 2 }, mapVariable: { c: 3 } }),
    );
    expect(result.parameters).toEqual({ seen: ['a', 'b', 'c'] });
  });

  test('set_parameter / store_parameter from code; get_parameter reads the new value back', async () => {
    const result = await runTask(python('pkg.steps.compat', { parameters: { old: 0 } }));
    expect(result.ok).toBe(true);
    expect(result.output).toBe('read back value 3\n');
    expect(result.parameters).toEqual({ fresh: 'value', count: 3, old: 1 });
  });

  test('variables exported through os.environ are captured', async () => {
    const result = await runTask(python('pkg.steps.env_export'));
    expect(result.parameters).toEqual({ exported: { k: [1] } });
    expect(result.metrics).toEqual({ speed: 12.5 });
  });

  test('an exception fails the attempt: traceback on stderr, last line as the message', async () => {
    const request = python('pkg.steps.fail_always');
    const result = await runTask(request);
    expect(result).toMatchObject({ ok: false, exitCode: 1, message: 'ValueError: deliberate failure' });
    const stderr = request.lines.filter((l) => l.stream === 'stderr').map((l) => l.line);
    expect(stderr[0]).toBe('about to fail');
    expect(stderr[1]).toBe('Traceback (most recent call last):');
    expect(stderr.at(-1)).toBe('ValueError: deliberate failure');
    // The shim's own frames are left out of the traceback.
    expect(stderr.some((line) => line.includes('dagc_shim.py'))).toBe(false);
  });

  test('a non-dict return fails the attempt with a clear message', async () => {
    const result = await runTask(python('pkg.steps.returns_list'));
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      message:
        "function 'pkg.steps.returns_list' returned a list: only a dict (or a pydantic model) sets parameters; return None to set none",
    });
  });

  test('a missing required argument is a TypeError failure', async () => {
    const result = await runTask(python('pkg.steps.needs_missing'));
    expect(result.ok).toBe(false);
    expect(result.message).toBe(
      "TypeError: needs_missing() missing 1 required positional argument: 'absent'",
    );
  });

  test('a missing module names it and the sys.path used (working directory first)', async () => {
    const result = await runTask(python('nosuch.module.func'));
    expect(result.ok).toBe(false);
    expect(
      result.message.startsWith(
        `cannot import module 'nosuch.module' for command 'nosuch.module.func': No module named 'nosuch' (sys.path: ['${cwd}', `,
      ),
    ).toBe(true);
  });

  test('a missing function names it', async () => {
    const result = await runTask(python('pkg.steps.nope'));
    expect(result.ok).toBe(false);
    expect(
      result.message.startsWith(
        `module 'pkg.steps' (${path.join(cwd, 'pkg', 'steps.py')}) has no function 'nope' for command 'pkg.steps.nope' (sys.path: ['${cwd}', `,
      ),
    ).toBe(true);
  });

  test("a missing dependency of the step's module keeps its own error", async () => {
    const result = await runTask(python('broken_import.anything'));
    expect(result.message).toBe("ModuleNotFoundError: No module named 'definitely_not_installed_dependency'");
  });

  test('a command without a dot is refused before python starts', async () => {
    const result = await runTask(python('prepare'));
    expect(result).toMatchObject({
      ok: false,
      exitCode: null,
      message: 'The command should be a function to call as module.function, got "prepare"',
      output: '',
    });
  });

  test('secrets are masked in the output', async () => {
    const request = python('pkg.steps.secret_print', {
      env: { API_KEY: 's3cr3t-value' },
      secretValues: ['s3cr3t-value'],
    });
    const result = await runTask(request);
    expect(result.output).toBe('the secret is *****\n');
    expect(request.lines).toEqual([{ line: 'the secret is *****', stream: 'stdout' }]);
  });

  test('a missing interpreter is a clear failure', async () => {
    const result = await runTask(python('pkg.steps.train', { commandConfig: { python: '/no/python3' } }));
    expect(result).toMatchObject({
      ok: false,
      message:
        'cannot start /no/python3: /no/python3 was not found (set command_config.python or DAGC_PYTHON)',
    });
  });
});

describe('python runner: return values and the compatibility API', () => {
  test('a pydantic-style model sets parameters (model_dump in JSON mode)', async () => {
    const result = await runTask(python('pkg.steps.returns_model'));
    expect(result).toMatchObject({ ok: true, parameters: { mode_seen: 'json', value: 1 } });
  });

  test('sys.exit(0) ends the step successfully, another code fails it', async () => {
    expect(await runTask(python('pkg.steps.exits_quietly'))).toMatchObject({ ok: true, parameters: {} });
    expect(await runTask(python('pkg.steps.exits_badly'))).toMatchObject({
      ok: false,
      message: "function 'pkg.steps.exits_badly' called sys.exit(4)",
    });
  });

  test('magnus and dagc modules: run id, tag, parameters; secrets and catalog calls need a run', async () => {
    const request = python('pkg.steps.api_tour', {
      runId: 'run-7',
      env: { DAGC_RUN_TAG: 'nightly' },
      parameters: { Big: 1, dagc: 'x' },
      mapVariable: { item: 'a' },
    });
    const result = await runTask(request);
    expect(result.ok).toBe(true);
    expect(result.output).toBe(
      [
        'run-7 nightly',
        "[('big', 1), ('dagc', 'x'), ('item', 'a'), ('map_variable', {'item': 'a'})]",
        '1 1',
        'ParameterNotFoundError Parameter absent is not set before (known parameters: big, dagc, item, map_variable). Parameter names are lower-cased.',
        'StepApiError dagc step-api secret x',
        'StepApiError dagc step-api catalog get',
        'StepApiError dagc step-api catalog put',
        // Only the magnus spelling changed: the magnus module prefers it, the dagc module prefers DAGC_PRM_.
        'changed x',
        '',
      ].join('\n'),
    );
    expect(result.parameters).toEqual({ dagc: 'changed' });
  });
});

const HAS_PYDANTIC = (() => {
  try {
    execFileSync(process.env.DAGC_PYTHON || 'python3', ['-c', 'import pydantic']);
    return true;
  } catch {
    console.warn('[skip] casting by annotation: pydantic is not importable by the test interpreter');
    return false;
  }
})();

describe.runIf(HAS_PYDANTIC)('python runner: casting by annotation (magnus 0.5)', () => {
  test('a dict parameter annotated with a pydantic model arrives as the model (extra keys ignored)', async () => {
    const result = await runTask(python('pkg.steps.takes_model', { parameters: { inner: { x: 10, y: 'hello', extra: 1 }, scale: 1 } }));
    expect(result).toMatchObject({ ok: true, parameters: { kind: 'Inner', x_plus_one: 11, scale_type: 'int' } });
  });

  test('under magnus 0.5 a scalar annotation casts as 0.5 did (scale: float given 1 receives 1.0)', async () => {
    const request = python('pkg.steps.takes_model', { parameters: { inner: { x: 1, y: 'a' }, scale: 1 }, env: { DAGC_MAGNUS_ERA: '0.5' } });
    expect(await runTask(request)).toMatchObject({ ok: true, parameters: { scale_type: 'float' } });
  });
});

describe('python-lambda runner', () => {
  test('lambda x: {"x": int(x) + 1} with x=3 sets x=4', async () => {
    const result = await runTask(
      testRequest(cwd, {
        command: "lambda x: {'x': int(x) + 1}",
        commandType: 'python-lambda',
        parameters: { x: 3 },
      }),
    );
    expect(result).toMatchObject({ ok: true, parameters: { x: 4 } });
  });

  test('a command containing "_" is refused (magnus rule)', async () => {
    const result = await runTask(
      testRequest(cwd, { command: "lambda: __import__('os').system('true')", commandType: 'python-lambda' }),
    );
    expect(result).toMatchObject({
      ok: false,
      exitCode: null,
      message:
        'a python-lambda command must not contain "_" (magnus refuses it: magnus-spec.md §1.3); use a python task (module.function) instead',
    });
  });

  test('something that is not a function fails clearly', async () => {
    const result = await runTask(testRequest(cwd, { command: '42', commandType: 'python-lambda' }));
    expect(result).toMatchObject({
      ok: false,
      message: "python-lambda command '42' evaluates to a int, not a function",
    });
  });
});

describe('notebook runner', () => {
  test('without papermill the attempt fails with the install hint', async () => {
    writeFileSync(path.join(cwd, 'nb.ipynb'), '{}');
    const result = await runTask(testRequest(cwd, { command: 'nb.ipynb', commandType: 'notebook' }));
    // The interpreter that would run the notebook is named: ask it for its own path.
    const executable = execFileSync('python3', ['-c', 'import sys; print(sys.executable)'], {
      encoding: 'utf8',
    }).trim();
    expect(result).toMatchObject({
      ok: false,
      exitCode: 1,
      message: `notebook tasks need papermill: pip install papermill ipykernel (not importable by ${executable})`,
    });
  });

  test('a command not ending in .ipynb is refused', async () => {
    const result = await runTask(testRequest(cwd, { command: 'nb.py', commandType: 'notebook' }));
    expect(result).toMatchObject({
      ok: false,
      message: 'a notebook command must end in .ipynb, got "nb.py"',
    });
  });
});
