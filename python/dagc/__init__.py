"""The step-side API of dagc (`from dagc import get_parameter, set_parameter, track_this`), the same as `magnus`.

Parameters and metrics go through the environment (magnus-spec.md section 4.5); dagc collects what a step set
when it ends. Secrets and the catalog (get_secret, get_from_catalog, put_in_catalog, get_object, put_object) are
the run's configured services, reached through `dagc step-api` (see _dagc_compat).
"""

import _dagc_compat as _compat
from _dagc_compat import (  # noqa: F401 (re-exported API)
    ParameterNotFoundError,
    get_from_catalog,
    get_object,
    get_run_id,
    get_secret,
    get_tag,
    put_in_catalog,
    put_object,
    set_parameter,
    store_parameter,
    track_this,
)

__all__ = [
    "ParameterNotFoundError",
    "get_from_catalog",
    "get_object",
    "get_parameter",
    "get_run_id",
    "get_secret",
    "get_tag",
    "put_in_catalog",
    "put_object",
    "set_parameter",
    "store_parameter",
    "track_this",
]


def get_parameter(key=None):
    """All parameters (a dict, keys lower-cased) or one of them; DAGC_PRM_ wins over MAGNUS_PRM_ here."""
    return _compat.get_parameter(key, prefer="DAGC_PRM_")
