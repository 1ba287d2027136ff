"""The step-side API shared by the `magnus` compatibility module and the `dagc` module.

Parameters, metrics and the run id go through the environment, as in magnus (magnus-spec.md section 4.5):
parameters arrive as `MAGNUS_PRM_<name>` / `DAGC_PRM_<name>` (JSON), and what a step sets is exported the same
way, then collected by dagc when the step ends. Secrets and the catalog are the run's own services: a call runs
`dagc step-api` (the command dagc puts in DAGC_STEP_API), which answers through a pipe and records catalog
entries in the step's data_catalog, on every executor and target (the step always runs under dagc).
"""

import json
import os
import pickle
import subprocess

PARAMETER_PREFIXES = ("DAGC_PRM_", "MAGNUS_PRM_")
MAP_VARIABLE_KEY = "map_variable"


class ParameterNotFoundError(Exception):
    """get_parameter(key) for a key no earlier step (nor the parameters file) has set."""


def parse_value(raw):
    """JSON when it parses, the raw string otherwise (magnus: json.loads with a raw fallback)."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def read_parameters(prefer="DAGC_PRM_", environ=None):
    """Every parameter in the environment, keys lower-cased.

    Lower-casing is a magnus quirk kept for compatibility (magnus-spec.md section 4.1, quirk 10.5): a parameter
    named `X` comes back as `x`. When both spellings hold a name, `prefer` wins: the `magnus` module prefers
    MAGNUS_PRM_ (what magnus code exports), the `dagc` module DAGC_PRM_.
    """
    environ = os.environ if environ is None else environ
    other = "MAGNUS_PRM_" if prefer == "DAGC_PRM_" else "DAGC_PRM_"
    found = {}
    for prefix in (other, prefer):  # the preferred spelling is read last, so it wins
        for name, raw in environ.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                found[name[len(prefix):].lower()] = parse_value(raw)
    found.update(parameters_in_file(environ))
    return found


def parameters_in_file(environ):
    """The parameters too large for the environment (issue 16): dagc leaves them out of DAGC_PRM_* and names
    them in DAGC_PARAMETERS_IN_FILE (a JSON list); their values are in the JSON object at $DAGC_PARAMETERS."""
    names_raw = environ.get("DAGC_PARAMETERS_IN_FILE")
    path = environ.get("DAGC_PARAMETERS")
    if not names_raw or not path:
        return {}
    names = json.loads(names_raw)
    with open(path, encoding="utf-8") as handle:
        values = json.load(handle)
    return {name.lower(): values[name] for name in names if name in values}


def get_parameter(key=None, prefer="DAGC_PRM_"):
    parameters = read_parameters(prefer)
    if key is None:
        return parameters
    for candidate in (key, key.lower()):
        if candidate in parameters:
            return parameters[candidate]
    known = ", ".join(sorted(parameters)) or "none"
    raise ParameterNotFoundError(
        "Parameter %s is not set before (known parameters: %s). Parameter names are lower-cased." % (key, known)
    )


def set_parameter(**kwargs):
    """Sets parameters for the next steps: both spellings, so get_parameter() sees the new value at once."""
    for key, value in kwargs.items():
        encoded = json.dumps(value)
        os.environ["MAGNUS_PRM_" + key] = encoded
        os.environ["DAGC_PRM_" + key] = encoded


def store_parameter(update=True, **kwargs):
    """magnus 2022 name of set_parameter; 49937f7 added `update=False` to keep values that are already set."""
    if not update:
        existing = read_parameters()
        kwargs = {k: v for k, v in kwargs.items() if k.lower() not in existing}
    set_parameter(**kwargs)


def track_this(step=0, **kwargs):
    """Records metrics. With step != 0 the key becomes `<step>_<key>`, as magnus builds it (section 3.4)."""
    for key, value in kwargs.items():
        name = "MAGNUS_TRACK_%s_%s" % (step, key) if step else "MAGNUS_TRACK_" + key
        os.environ[name] = json.dumps(value)


def get_run_id():
    return os.environ.get("DAGC_RUN_ID") or os.environ.get("MAGNUS_RUN_ID") or ""


def get_tag():
    return os.environ.get("DAGC_RUN_TAG") or os.environ.get("MAGNUS_RUN_TAG") or ""


class StepApiError(Exception):
    """A call back into dagc (secrets, catalog) failed; the message is dagc's own."""


def _step_api(*args):
    """Runs `dagc step-api ARGS` (the command is in DAGC_STEP_API, set by dagc for every step) and returns stdout.

    The answer travels through a pipe: a secret is never written to a file or the environment.
    """
    raw = os.environ.get("DAGC_STEP_API")
    if not raw:
        raise StepApiError("this call works only inside a step that dagc runs (DAGC_STEP_API is not set)")
    command = json.loads(raw) + ["step-api"] + [str(a) for a in args]
    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    if proc.returncode != 0:
        reason = " ".join(proc.stderr.decode("utf-8", "replace").split()) or "exit %d" % proc.returncode
        raise StepApiError("dagc step-api %s: %s" % (" ".join(str(a) for a in args[:2]), reason))
    return proc.stdout.decode("utf-8")


def get_secret(name=None):
    """One secret from the configured secrets provider (magnus interaction.get_secret).

    With no name, every secret the provider knows, as a dict (magnus 2022's get()).
    """
    if name is None:
        return json.loads(_step_api("secrets") or "{}")
    return _step_api("secret", name)


def compute_data_folder():
    return os.environ.get("DAGC_COMPUTE_DATA_FOLDER") or "data"


def get_from_catalog(name, destination_folder=None):
    """Copies the files matching `name` from the run's catalog into the compute data folder, and records them
    in this step's data_catalog (magnus interaction.get_from_catalog). Returns the catalog entries.

    `destination_folder` is accepted as magnus took it; like magnus 0.5's catalog, the files land in the step's
    compute data folder (which is where a later put_in_catalog or catalog `put` looks for them).
    """
    return json.loads(_step_api("catalog", "get", name))


def put_in_catalog(filepath):
    """Copies the files matching `filepath` (within the compute data folder) to the run's catalog and records
    them in this step's data_catalog (magnus interaction.put_in_catalog). Returns the catalog entries."""
    return json.loads(_step_api("catalog", "put", filepath))


PICKLE_EXTENSION = ".pickle"


def put_object(data, name):
    """Pickles `data` into the catalog as `<name>.pickle` (magnus interaction.put_object, NativePickler)."""
    folder = compute_data_folder()
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, name + PICKLE_EXTENSION)
    with open(path, "wb") as handle:
        pickle.dump(data, handle)
    try:
        put_in_catalog(name + PICKLE_EXTENSION)
    finally:
        os.remove(path)


def get_object(name):
    """The object an earlier step put with put_object(data, name) (magnus interaction.get_object)."""
    get_from_catalog(name + PICKLE_EXTENSION)
    path = os.path.join(compute_data_folder(), name + PICKLE_EXTENSION)
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    finally:
        if os.path.exists(path):
            os.remove(path)
