"""Runs one attempt of a python, python-lambda or notebook task for dagc (src/runtime/tasks/python.ts).

Usage: python3 dagc_shim.py <function|lambda|notebook> <command> <report-path> <command_config as JSON>

The parameters come from the environment (MAGNUS_PRM_* / DAGC_PRM_*, keys lower-cased: magnus-spec.md 4.1), the
map variable from DAGC_MAP_VARIABLE. kwargs follow magnus `filter_arguments_for_func` (magnus-spec.md 4.2). The
report (JSON) tells dagc whether the call worked, the one-line reason when not, the parameters the function
returned, and the MAGNUS_/DAGC_ variables the step changed in os.environ (a child cannot change its parent's
environment, so they are handed over here). Standard library only; Python 3.8+.
"""

import importlib
import inspect
import json
import os
import sys
import traceback
import typing

from _dagc_compat import MAP_VARIABLE_KEY, read_parameters

CAPTURED_PREFIXES = ("DAGC_PRM_", "MAGNUS_PRM_", "DAGC_TRACK_", "MAGNUS_TRACK_")
PAPERMILL_HINT = "notebook tasks need papermill: pip install papermill ipykernel"


class StepError(Exception):
    """A failure fully described by its message: printed without a traceback."""


def one_line(text):
    return " ".join(part.strip() for part in str(text).splitlines() if part.strip())


def map_variable():
    raw = os.environ.get("DAGC_MAP_VARIABLE")
    if not raw:
        return {}
    value = json.loads(raw)
    return value if isinstance(value, dict) else {}


def load_function(command):
    # magnus-spec.md 1.3: the module is the part before the last dot.
    if "." not in command:
        raise StepError("The command should be a function to call as module.function, got %r" % command)
    module_name, func_name = command.rsplit(".", 1)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        missing = error.name or ""
        # Only the step's own module being absent is reported this way; a missing dependency of that module
        # keeps its traceback, which is what the user needs to see.
        if missing and (module_name == missing or module_name.startswith(missing + ".")):
            raise StepError(
                "cannot import module %r for command %r: %s (sys.path: %s)" % (module_name, command, error, sys.path)
            )
        raise
    func = getattr(module, func_name, None)
    if func is None:
        where = getattr(module, "__file__", None) or module_name
        raise StepError(
            "module %r (%s) has no function %r for command %r (sys.path: %s)"
            % (module_name, where, func_name, command, sys.path)
        )
    if not callable(func):
        raise StepError("%r in module %r is a %s, not a function" % (func_name, module_name, type(func).__name__))
    return func


def load_lambda(command):
    # magnus-spec.md 1.3: the command is eval'd (dagc already refused one containing "_"). A fresh globals dict
    # keeps this shim's names out of reach.
    func = eval(command, {})  # noqa: S307 (the pipeline author's own code, as in magnus)
    if not callable(func):
        raise StepError("python-lambda command %r evaluates to a %s, not a function" % (command, type(func).__name__))
    return func


def select_kwargs(func, parameters, map_values):
    """magnus filter_arguments_for_func: parameters named in the signature, then the map values (which win).

    A function taking **kwargs receives every parameter (map_variable excepted: its values come by name).
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError) as error:
        raise StepError("cannot read the signature of %r: %s" % (func, error))
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    names = {name for name, p in signature.parameters.items() if p.kind in kinds}
    takes_all = any(p.kind == inspect.Parameter.VAR_KEYWORD for p in signature.parameters.values())
    kwargs = {}
    for name, value in parameters.items():
        if name in names or (takes_all and name != MAP_VARIABLE_KEY):
            kwargs[name] = value
    for name, value in map_values.items():
        if name in names or takes_all:
            kwargs[name] = value
    return kwargs


def pydantic_base_model():
    """pydantic's BaseModel when pydantic is importable (1 or 2), else None: casting by annotation needs it."""
    try:
        from pydantic import BaseModel  # noqa: PLC0415 (optional dependency)
    except ImportError:
        return None
    return BaseModel


def model_fields(model):
    fields = getattr(model, "model_fields", None)  # pydantic 2
    if fields is None:
        fields = getattr(model, "__fields__", {})  # pydantic 1
    return set(fields)


def cast_by_annotation(func, kwargs):
    """magnus 0.5 filter_arguments_for_func: "arguments with type annotations will be casted".

    A parameter annotated with a pydantic model is built from the dict it holds (keys the model does not
    declare are ignored; a non-dict value is the model's one field of the argument's name), so the function
    gets `inner.x`, not `inner["x"]`. Under magnus 0.5 (DAGC_MAGNUS_ERA) a builtin scalar annotation casts as
    0.5 did: `f: float` given 1 receives 1.0. Without pydantic, model annotations are left alone.
    """
    try:
        signature = inspect.signature(func)
    except (TypeError, ValueError):
        return kwargs
    try:
        hints = typing.get_type_hints(func)
    except Exception:  # noqa: BLE001 (unresolvable string annotations: use them as written)
        hints = {}
    base_model = pydantic_base_model()
    era = os.environ.get("DAGC_MAGNUS_ERA", "")
    out = dict(kwargs)
    for name, value in kwargs.items():
        param = signature.parameters.get(name)
        if param is None:
            continue
        annotation = hints.get(name, param.annotation)
        if annotation is inspect.Parameter.empty or not isinstance(annotation, type):
            continue
        if base_model is not None and issubclass(annotation, base_model):
            if isinstance(value, annotation):
                continue
            data = value if isinstance(value, dict) else {name: value}
            fields = model_fields(annotation)
            out[name] = annotation(**{k: v for k, v in data.items() if k in fields})
        elif era == "0.5" and annotation in (int, float, str) and value is not None and type(value) is not annotation:
            try:
                out[name] = annotation(value)
            except (TypeError, ValueError) as error:
                raise StepError("cannot cast parameter %r = %r to %s: %s" % (name, value, annotation.__name__, error))
    return out


def returned_parameters(value, what):
    """A returned dict sets parameters (magnus-spec.md 4.1 step 4); so does a pydantic model. None sets none."""
    if value is None:
        return {}
    if isinstance(value, dict):
        mapping = value
    elif callable(getattr(value, "model_dump", None)) and not isinstance(value, type):
        try:
            mapping = value.model_dump(mode="json")  # pydantic 2: JSON-safe values
        except TypeError:
            mapping = value.model_dump()
    elif callable(getattr(value, "dict", None)) and not isinstance(value, type):
        mapping = value.dict()  # pydantic 1
    else:
        raise StepError(
            "%s returned a %s: only a dict (or a pydantic model) sets parameters; return None to set none"
            % (what, type(value).__name__)
        )
    if not isinstance(mapping, dict):
        raise StepError("%s returned a %s that does not convert to a dict" % (what, type(value).__name__))
    parameters = {}
    for key, item in mapping.items():
        try:
            json.dumps(item, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise StepError("parameter %r returned by %s is not JSON serialisable: %s" % (key, what, error))
        # Lower-cased, as magnus reads it back from MAGNUS_PRM_<key> (quirk 10.5).
        parameters[str(key).lower()] = item
    return parameters


def run_notebook(command, config):
    if not command.endswith(".ipynb"):
        raise StepError("notebook command must end in .ipynb, got %r" % command)
    try:
        import papermill  # noqa: PLC0415 (optional dependency, only for notebook tasks)
    except ImportError:
        raise StepError("%s (not importable by %s)" % (PAPERMILL_HINT, sys.executable))
    # magnus-spec.md 1.3: every "."-separated part but the last, joined with nothing, plus "_out.ipynb".
    output_path = config.get("notebook_output_path") or "".join(command.split(".")[:-1]) + "_out.ipynb"
    declared = set(papermill.inspect_notebook(command).keys())
    # magnus-spec.md 4.2: the kwargs filter applied to the names in the notebook's parameters cell.
    parameters = {k: v for k, v in read_parameters().items() if k in declared}
    for name, value in map_variable().items():
        if name in declared:
            parameters[name] = value
    extra = config.get("optional_papermill_args") or {}
    if not isinstance(extra, dict):
        raise StepError("command_config.optional_papermill_args must be a mapping")
    papermill.execute_notebook(
        command,
        output_path,
        parameters=parameters,
        kernel_name=config.get("notebook_kernel") or None,
        **extra
    )
    return None


def environ_changes(before):
    """MAGNUS_/DAGC_ parameter and metric variables the step added or changed (raw strings)."""
    return {
        name: value
        for name, value in os.environ.items()
        if name.startswith(CAPTURED_PREFIXES) and before.get(name) != value
    }


def user_traceback(error):
    """The traceback without this shim's own frames."""
    tb = error.__traceback__
    while tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(error), error, tb))


def exception_line(error):
    """`ValueError: deliberate failure`: the last line of a traceback, without 3.11 notes or SyntaxError carets."""
    kind = type(error)
    name = kind.__qualname__
    if kind.__module__ not in ("builtins", "__main__"):
        name = "%s.%s" % (kind.__module__, name)
    text = one_line(error)
    return "%s: %s" % (name, text) if text else name


def main(argv):
    mode, command, report_path, config_json = argv[1:5]
    config = json.loads(config_json or "{}")
    # magnus-spec.md 4.2: the working directory comes first on sys.path. It replaces this script's folder (still
    # reachable through PYTHONPATH for the magnus/dagc modules), which is absent under -P / PYTHONSAFEPATH.
    if sys.path and sys.path[0] == os.path.dirname(os.path.abspath(__file__)):
        sys.path[0] = os.getcwd()
    else:
        sys.path.insert(0, os.getcwd())
    sys.argv = [command]
    before = dict(os.environ)
    report = {"ok": False, "error": None, "returned": {}, "environ": {}}
    code = 1
    try:
        if mode == "notebook":
            run_notebook(command, config)
            returned = {}
        else:
            func = load_function(command) if mode == "function" else load_lambda(command)
            what = "function %r" % command if mode == "function" else "lambda"
            kwargs = cast_by_annotation(func, select_kwargs(func, read_parameters(), map_variable()))
            try:
                value = func(**kwargs)
            except SystemExit as stop:
                # sys.exit(0) inside a step ends it successfully without a value; any other code fails it.
                if stop.code not in (None, 0):
                    raise StepError("%s called sys.exit(%r)" % (what, stop.code))
                value = None
            returned = returned_parameters(value, what)
        report.update(ok=True, returned=returned)
        code = 0
    except StepError as error:
        sys.stderr.write(str(error) + "\n")
        report["error"] = one_line(error)
    except Exception as error:  # noqa: BLE001 (any failure of user code is a failed attempt, reported)
        sys.stderr.write(user_traceback(error))
        report["error"] = exception_line(error)
    report["environ"] = environ_changes(before)
    sys.stdout.flush()
    sys.stderr.flush()
    with open(report_path, "w", encoding="utf-8") as handle:
        json.dump(report, handle)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
