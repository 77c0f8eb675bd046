"""JSON as breathcue writes it: finite numbers only.

JSON has no NaN or Infinity; Python's json writes them anyway unless told
not to, and a browser's ``JSON.parse``, Home Assistant and ``jq`` then
reject the whole message.  Every JSON the daemon and the commands emit goes
through ``dumps``: a non-finite float becomes ``null`` (meaning "no value",
as a missing reading already is), and ``allow_nan=False`` makes any that
slipped past an error instead of bad output.
"""

from __future__ import annotations

import json
import math
from typing import Any


def finite(value: Any) -> Any:
    """``value`` with every non-finite float in it (through dicts, lists and tuples) made None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def dumps(value: Any, **kwargs: Any) -> str:
    """``json.dumps`` of ``finite(value)`` with ``allow_nan=False``."""
    return json.dumps(finite(value), allow_nan=False, **kwargs)
