"""What text RiskStream accepts into its log: strings every projection can store.

PostgreSQL ``text`` and ``jsonb`` refuse NUL (``\\u0000``); JSON encoders and BSON refuse lone
surrogates (``\\ud800``); unbounded strings and nesting turn one request into a denial of service.
The API checks every string a user sends against these rules before it becomes an event, and
the event log checks every event again before the append, so the log never holds an event that
a projection cannot apply.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

MAX_TEXT = 10_000  # characters in one string value
MAX_KEY = 512  # characters in one object key
MAX_DEPTH = 32  # nesting of objects and lists
MAX_ITEMS = 100_000  # values in one document

_FORBIDDEN = re.compile("[\x00\ud800-\udfff]")


class UnsafeText(ValueError):
    """A value the log must not hold; ``location`` names where it was found."""

    def __init__(self, location: tuple[str | int, ...], reason: str) -> None:
        super().__init__(f"{'.'.join(map(str, location)) or 'value'}: {reason}")
        self.location = location
        self.reason = reason


def text_problem(value: str, max_length: int = MAX_TEXT) -> str | None:
    """Why ``value`` cannot be stored, or None when it can."""
    found = _FORBIDDEN.search(value)
    if found is not None:
        char = found.group()
        what = "a NUL character (\\u0000)" if char == "\x00" else \
            f"a lone surrogate (\\u{ord(char):04x})"
        return f"contains {what} at position {found.start()}; send valid Unicode text without NUL"
    if len(value) > max_length:
        return f"is {len(value)} characters long; at most {max_length} are accepted"
    return None


def shown(value: str, limit: int = 40) -> str:
    """``value`` as it can be echoed back in an error: cut to ``limit`` characters, with NUL and
    lone surrogates written as escapes (an error naming a bad key must not carry it)."""
    return _FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", value[:limit])


def check_text(value: str, location: tuple[str | int, ...] = (),
               max_length: int = MAX_TEXT) -> str:
    """``value`` itself when it can be stored; UnsafeText naming ``location`` otherwise."""
    problem = text_problem(value, max_length)
    if problem is not None:
        raise UnsafeText(location, problem)
    return value


def check_document(doc: Any, location: tuple[str | int, ...] = (), *,
                   max_text: int = MAX_TEXT, max_items: int = MAX_ITEMS) -> None:
    """Check every string, key and number of a JSON-like document (dicts, lists, scalars);
    NaN and infinities are refused too, as JSON and ``jsonb`` have no such numbers."""
    budget = [max_items]

    def walk(value: Any, where: tuple[str | int, ...], depth: int) -> None:
        budget[0] -= 1
        if budget[0] < 0:
            raise UnsafeText(location, f"holds more than {max_items} values")
        if depth > MAX_DEPTH:  # named where the document starts: the path would be the depth
            raise UnsafeText(location, f"is nested deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            check_text(value, where, max_text)
        elif isinstance(value, float) and not math.isfinite(value):
            raise UnsafeText(where, f"is {value}; send a finite number")
        elif isinstance(value, Mapping):
            for key, item in value.items():
                if isinstance(key, str) and (problem := text_problem(key, MAX_KEY)) is not None:
                    raise UnsafeText((*where, shown(key)), problem)  # named only when refused
                walk(item, (*where, str(key)), depth + 1)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                walk(item, (*where, index), depth + 1)

    walk(doc, location, 0)
