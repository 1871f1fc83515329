"""JSON text for ``jsonb`` columns, written with orjson: several times faster than the standard
library on event bodies, and the stored value is the same (``jsonb`` keeps numbers as written
and orders keys itself). Integers beyond 64 bits, which orjson refuses, go through the standard
library."""

from __future__ import annotations

import json
from typing import Any

import orjson


def json_text(doc: Any) -> str:
    """``doc`` as compact JSON text for a ``jsonb`` parameter."""
    try:
        return orjson.dumps(doc).decode()
    except TypeError:
        return json.dumps(doc, separators=(",", ":"))
