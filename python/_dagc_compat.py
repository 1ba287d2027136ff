"""The step-side API shared by the `magnus` compatibility module and the `dagc` module.

Everything goes through the environment, as in magnus (magnus-spec.md section 4.5): parameters arrive as
`MAGNUS_PRM_<name>` / `DAGC_PRM_<name>` (JSON), and what a step sets is exported the same way, then collected
by dagc when the step ends. Nothing here talks to a run log, a catalog or a secrets store.
"""

import json
import os

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
    return found


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


def get_secret(name=None):
    raise NotImplementedError(
        "get_secret is not available under dagc: declare the secret with `secret_as_env` on the step in the "
        "pipeline (or in the config) and read it from os.environ"
    )


def get_from_catalog(name, destination_folder=None):
    raise NotImplementedError(
        "get_from_catalog is not available under dagc: list the files under `catalog: {get: [...]}` on the step "
        "in the pipeline; they are copied into the compute data folder before the step runs"
    )


def put_in_catalog(filepath):
    raise NotImplementedError(
        "put_in_catalog is not available under dagc: list the files under `catalog: {put: [...]}` on the step "
        "in the pipeline; they are copied to the catalog after the step succeeds"
    )


def get_object(name):
    raise NotImplementedError(
        "get_object is not available under dagc: write the object to a file and use `catalog: {get: [...]}`"
    )


def put_object(data, name):
    raise NotImplementedError(
        "put_object is not available under dagc: write the object to a file and use `catalog: {put: [...]}`"
    )
