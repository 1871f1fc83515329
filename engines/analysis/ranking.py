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


def ranks_by_place(values: Any, place: Any) -> Any:
    """``average_ranks(values)``, without a sort where ``place`` already orders them: each
    value's place 0..n-1 in a candidate order, such as the Latin hypercube stratum of the
    uniform it was drawn through (a law's quantile function keeps the strata's order). Where
    the places are each taken once and the values they order rise strictly, there are no ties
    and each rank is its place plus one; otherwise (a law with steps, a value fed by other
    cells, Monte Carlo uniforms) the sort decides."""
    n = values.size
    if place is None or place.shape != values.shape:
        return average_ranks(values)
    order = numpy.full(n, -1, dtype=numpy.intp)
    order[numpy.clip(place, 0, n - 1)] = numpy.arange(n)
    if n and bool(order.min() >= 0):  # n places into n slots, every slot taken: a permutation
        ordered = values[order]
        if bool(numpy.all(ordered[1:] > ordered[:-1])):
            return place + 1.0
    return average_ranks(values)
