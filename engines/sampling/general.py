"""RiskGeneral(min, max, {x}, {p}): a density drawn as a polyline through the points (x, p),
falling to zero at min and max, and scaled to enclose an area of 1 (as @RISK normalises p).

The CDF is piecewise quadratic; its inverse solves one quadratic in the segment that holds u.
Like RiskCumul's, the arguments are constants across trials.
"""

from __future__ import annotations

from typing import Any

from engines.sampling.errors import require
from engines.sampling.family import Family, Params
from engines.xp import Array

DIST = "RiskGeneral"


def _polyline(xp: Any, p: Params) -> tuple[Array, Array, Array, Array]:
    """Knots (min, x..., max), density heights (0, p..., 0), each segment's area, and the
    cumulative areas (0 first): heights are relative, the total area is the last entry."""
    lo, hi, values, weights = p
    knots = xp.concatenate([xp.reshape(lo, (1,)), values, xp.reshape(hi, (1,))])
    heights = xp.concatenate([xp.zeros(1), weights, xp.zeros(1)])
    areas = xp.diff(knots) * (heights[:-1] + heights[1:]) / 2
    return knots, heights, areas, xp.concatenate([xp.zeros(1), xp.cumsum(areas)])


def _check(xp: Any, p: Params) -> None:
    lo, hi, values, weights = p
    require(xp, DIST, xp.asarray(values.size == weights.size), "probabilities",
            f"as many as the values ({values.size})", xp.asarray(float(weights.size)))
    require(xp, DIST, lo < hi, "min", "< max", lo)
    require(xp, DIST, (values >= lo) & (values <= hi), "values", "between min and max", values)
    require(xp, DIST, xp.diff(values) > 0, "values", "strictly increasing", values[1:])
    require(xp, DIST, weights >= 0, "probabilities", ">= 0", weights)
    total = _polyline(xp, p)[3][-1]
    require(xp, DIST, total > 0, "probabilities", "not all zero", total)


def _segment(xp: Any, p: Params, index: Array) -> tuple[Array, Array, Array, Array, Array]:
    """For segments ``index``: start, width, starting height, slope and area before it."""
    knots, heights, _, cumulative = _polyline(xp, p)
    last = knots.size - 2
    index = xp.clip(index, 0, last)
    width = knots[index + 1] - knots[index]
    rise = heights[index + 1] - heights[index]
    slope = rise / xp.where(width > 0, width, 1.0)
    return knots[index], width, heights[index], slope, cumulative[index]


def _ppf(xp: Any, u: Array, p: Params) -> Array:
    cumulative = _polyline(xp, p)[3]
    target = u * cumulative[-1]
    index = xp.searchsorted(cumulative, target, side="left") - 1
    start, width, height, slope, before = _segment(xp, p, index)
    area = xp.maximum(target - before, 0.0)
    # Solves height*s + slope*s²/2 = area in the form that stays exact for slope -> 0; the
    # segment found holds area > 0, so the denominator is positive.
    root = xp.sqrt(xp.maximum(height**2 + 2 * slope * area, 0.0))
    offset = 2 * area / (height + root)
    return start + xp.clip(offset, 0.0, width)


def _cdf(xp: Any, x: Array, p: Params) -> Array:
    knots, _, _, cumulative = _polyline(xp, p)
    index = xp.searchsorted(knots, x, side="right") - 1
    start, width, height, slope, before = _segment(xp, p, index)
    s = xp.clip(x - start, 0.0, width)
    return xp.clip((before + height * s + slope * s**2 / 2) / cumulative[-1], 0.0, 1.0)


def _mean(xp: Any, p: Params) -> Array:
    knots, heights, _, cumulative = _polyline(xp, p)
    a, b = knots[:-1], knots[1:]
    # The first moment of a trapezoid of heights h0 at a and h1 at b: (b-a)(h0(2a+b) + h1(a+2b))/6.
    moments = (b - a) * (heights[:-1] * (2 * a + b) + heights[1:] * (a + 2 * b)) / 6
    return xp.sum(moments) / cumulative[-1]


FAMILY = Family(
    DIST, ("min", "max", "values", "probabilities"), _check, _ppf, _cdf, _mean,
    tables=frozenset({2, 3}),
)
