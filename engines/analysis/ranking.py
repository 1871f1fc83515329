"""Order statistics for the Spearman sample: ranks with ties averaged."""

from __future__ import annotations

from typing import Any

import numpy


def average_ranks(values: Any) -> Any:
    """Ranks 1..n of finite ``values``, tied values sharing their mean rank: the same numbers
    as ``scipy.stats.rankdata`` (ranks are whole or half numbers, exact in float64) without its
    per-call overhead, which dominates on a reservoir-sized sample."""
    order = numpy.argsort(values)  # any order of equal values: they share their mean rank
    ordered = values[order]
    starts_run = numpy.concatenate(([True], ordered[1:] != ordered[:-1]))
    ranks = numpy.empty(values.size)
    if starts_run.all():  # no ties (continuous values): each rank is its place
        ranks[order] = numpy.arange(1.0, values.size + 1.0)
        return ranks
    first = numpy.flatnonzero(starts_run)
    last = numpy.append(first[1:], values.size)
    ranks[order] = ((first + 1 + last) / 2.0)[numpy.cumsum(starts_run) - 1]
    return ranks
