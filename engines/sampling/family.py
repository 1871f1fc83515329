"""What one distribution family provides: its parameters, checks, inverse CDF, CDF and mean."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from engines.xp import Array

Params = Sequence[Array]
"""Arguments in the family's order: scalars broadcastable to (n,), tables as 1-D arrays."""


@dataclass(frozen=True)
class Family:
    """One @RISK distribution family, vectorised over trials.

    ``check(xp, params)`` raises :class:`DistributionError` naming the parameter;
    ``ppf(xp, u, params)`` maps u in (0, 1) to samples (the inverse transform);
    ``cdf(xp, x, params)`` is P(X <= x); ``mean(xp, params)`` is the expected value.
    ``tables`` are the indices of array arguments (``{x...}`` in Excel); a family with tables
    takes all its arguments as constants across trials.
    """

    name: str
    params: tuple[str, ...]
    check: Callable[[Any, Params], None]
    ppf: Callable[[Any, Array, Params], Array]
    cdf: Callable[[Any, Array, Params], Array]
    mean: Callable[[Any, Params], Array]
    discrete: bool = False
    tables: frozenset[int] = frozenset()
