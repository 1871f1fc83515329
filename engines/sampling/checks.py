"""Parameter checks shared by the @RISK families: each names the parameter it rejects."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engines.sampling.errors import require
from engines.sampling.family import Params
from engines.xp import Array

Check = Callable[[Any, Params], None]


def positive(dist: str, *names: str) -> Check:
    """A check that each named parameter (in order, from the first) is > 0."""

    def check(xp: Any, p: Params) -> None:
        for param, value in zip(names, p, strict=False):
            require(xp, dist, value > 0, param, "> 0", value)

    return check


def ordered(dist: str) -> Check:
    """min < max and min <= mode <= max, for (min, mode, max) families."""

    def check(xp: Any, p: Params) -> None:
        lo, mode, hi = p[:3]
        require(xp, dist, lo < hi, "min", "< max", lo)
        require(xp, dist, (mode >= lo) & (mode <= hi), "mode", "between min and max", mode)

    return check


def whole(xp: Any, value: Array) -> Array:
    """Where ``value`` is an integer (a count such as @RISK's n, s or M)."""
    return value == xp.floor(value)

