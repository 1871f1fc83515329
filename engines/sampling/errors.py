"""The error a user sees when a distribution is named or parameterised wrongly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from engines.xp import Array

_recording: ContextVar[list[Array] | None] = ContextVar("_recording", default=None)


class DistributionError(ValueError):
    """A distribution name or parameter that cannot be sampled; the message names both."""


def require(xp: Any, dist: str, ok: Array, param: str, rule: str, value: Array) -> None:
    """Raise ``"<dist>: <param> must be <rule>, got <value>"`` unless ``ok`` holds everywhere.

    ``ok`` and ``value`` are broadcastable arrays (parameters may vary per trial); the first
    offending value is quoted.
    """
    ok = xp.asarray(ok)
    recorded = _recording.get()
    if recorded is not None:
        recorded.append(ok)
        return
    if bool(xp.all(ok)):
        return
    bad = ~ok
    shown = xp.broadcast_to(xp.asarray(value), bad.shape)[bad].ravel()[0]
    raise DistributionError(f"{dist}: {param} must be {rule}, got {_fmt(float(shown))}")


@contextmanager
def recorded_checks() -> Iterator[list[Array]]:
    """Within this block :func:`require` records its conditions instead of raising, so that
    a caller can tell which trials have valid parameters."""
    conditions: list[Array] = []
    token = _recording.set(conditions)
    try:
        yield conditions
    finally:
        _recording.reset(token)


def _fmt(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


class CorrelationError(ValueError):
    """A correlation matrix that cannot be used even after repair (wrong shape, bad entries)."""
