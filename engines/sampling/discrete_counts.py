"""Counting @RISK families: integer uniform, Bernoulli, geometric, negative binomial and
hypergeometric. Each is inverted exactly (the smallest k with P(X <= k) >= u), as RiskBinomial
and RiskPoisson are, so Latin Hypercube strata and rank correlations carry over.

RiskGeomet and RiskNegbin count the failures before the first (the s-th) success, as @RISK
defines them; their support starts at 0.
"""

from __future__ import annotations

from typing import Any

import numpy

from engines.sampling.checks import Check, whole
from engines.sampling.discrete import counting_ppf
from engines.sampling.errors import require
from engines.sampling.family import Family, Params
from engines.sampling.special import special
from engines.xp import Array

HYPERGEO_BLOCK = 1 << 22
"""Most cells of a per-trial RiskHypergeo probability table built at once (trials × support)."""


def _int_uniform_check(xp: Any, p: Params) -> None:
    lo, hi = p
    require(xp, "RiskIntUniform", whole(xp, lo), "min", "an integer", lo)
    require(xp, "RiskIntUniform", whole(xp, hi), "max", "an integer", hi)
    require(xp, "RiskIntUniform", lo < hi, "min", "< max", lo)


def _int_uniform_ppf(xp: Any, u: Array, p: Params) -> Array:
    count = p[1] - p[0] + 1
    return p[0] + xp.minimum(xp.floor(u * count), count - 1)


def _int_uniform_cdf(xp: Any, x: Array, p: Params) -> Array:
    return xp.clip((xp.floor(x) - p[0] + 1) / (p[1] - p[0] + 1), 0.0, 1.0)


def _probability(dist: str, *, zero: bool) -> Check:
    """p, the last parameter, in [0, 1]; or in (0, 1] where a success must be possible."""
    rule = "in [0, 1]" if zero else "in (0, 1]"

    def check(xp: Any, p: Params) -> None:
        prob = p[-1]
        require(xp, dist, ((prob >= 0) if zero else (prob > 0)) & (prob <= 1), "p", rule, prob)

    return check


def _bernoulli_cdf(xp: Any, x: Array, p: Params) -> Array:
    return xp.where(x < 0, 0.0, xp.where(x < 1, 1 - p[0], 1.0))


def _geomet_cdf_at(xp: Any, k: Array, prob: Array) -> Array:
    """P(X <= k) = 1 - (1 - p)^(k + 1) for whole k >= 0 (1 when p = 1)."""
    safe = xp.where(prob < 1, prob, 0.5)
    return xp.where(prob < 1, -xp.expm1((k + 1) * xp.log1p(-safe)), 1.0)


def _geomet_ppf(xp: Any, u: Array, p: Params) -> Array:
    prob = p[0] + 0.0 * u
    safe = xp.where(prob < 1, prob, 0.5)
    exact = xp.log1p(-u) / xp.log1p(-safe) - 1
    # Nudged up so rounding never lands a step below the answer; counting_ppf steps back.
    guess = exact + 1e-9 * (1 + xp.abs(exact))
    k = counting_ppf(xp, u, lambda k: _geomet_cdf_at(xp, k, safe), guess)
    return xp.where(prob < 1, k, 0.0)


def _geomet_cdf(xp: Any, x: Array, p: Params) -> Array:
    return xp.where(x < 0, 0.0, _geomet_cdf_at(xp, xp.floor(xp.maximum(x, 0)), p[0]))


def _negbin_check(xp: Any, p: Params) -> None:
    s = p[0]
    require(xp, "RiskNegbin", (s > 0) & whole(xp, s), "s", "an integer > 0", s)
    _probability("RiskNegbin", zero=False)(xp, p)


def _negbin_ppf(xp: Any, u: Array, p: Params) -> Array:
    s, prob = xp.broadcast_arrays(*p, u)[:2]
    inner = prob < 1
    safe_p = xp.where(inner, prob, 0.5)
    guess = special(xp, "nbdtrik", u, s, safe_p)
    k = counting_ppf(xp, u, lambda k: special(xp, "nbdtr", k, s, safe_p), guess)
    return xp.where(inner, k, 0.0)


def _negbin_cdf(xp: Any, x: Array, p: Params) -> Array:
    k = xp.floor(xp.maximum(x, 0))
    return xp.where(x < 0, 0.0, special(xp, "nbdtr", k, p[0], p[1]))


HYPERGEO_SPAN = 1 << 20
"""Most values a RiskHypergeo may take (min(n, D) - max(0, n + D - M) + 1): its law is a table
of them, which past this would take gigabytes (n = D = 10^8 took 3 GB and 10 s, checking a
request)."""


def _hypergeo_check(xp: Any, p: Params) -> None:
    n, marked, size = p
    dist = "RiskHypergeo"
    require(xp, dist, (size >= 1) & whole(xp, size), "M", "an integer >= 1", size)
    for param, value in (("n", n), ("D", marked)):
        ok = (value >= 0) & (value <= size) & whole(xp, value)
        require(xp, dist, ok, param, "an integer in [0, M]", value)
    span = xp.minimum(n, marked) - xp.maximum(0, n + marked - size) + 1
    require(xp, dist, span <= HYPERGEO_SPAN, "n",
            f"such that the law takes at most {HYPERGEO_SPAN:,} values (min(n, D) -"
            f" max(0, n + D - M) + 1); past that RiskBinomial(n, D/M) is all but equal", n)


def _hypergeo_table(xp: Any, p: Params) -> tuple[Array, Array, Array]:
    """(lowest, highest, cumulative): the support's ends and P(X <= lowest + j) along the last
    axis, for parameters of any (common) shape.

    Masses come from the ratio of neighbours, P(k+1)/P(k) = (D-k)(n-k) / ((k+1)(M-D-n+k+1)),
    summed as logarithms from the lowest value and scaled by their largest, so no term
    underflows and no binomial coefficient is formed.
    """
    n, marked, size = (xp.asarray(v)[..., None] for v in p)
    lowest = xp.maximum(0, n + marked - size)
    highest = xp.minimum(n, marked)
    span = int(xp.max(highest - lowest)) + 1
    k = lowest + xp.arange(span)
    rising = k < highest
    up = xp.where(rising, (marked - k) * (n - k), 1.0)
    down = xp.where(rising, (k + 1) * (size - marked - n + k + 1), 1.0)
    steps = xp.log(up) - xp.log(down)
    log_mass = xp.concatenate([0.0 * steps[..., :1], xp.cumsum(steps[..., :-1], axis=-1)],
                              axis=-1)
    mass = xp.where(k <= highest, xp.exp(log_mass - xp.max(log_mass, axis=-1, keepdims=True)),
                    0.0)
    cumulative = xp.cumsum(mass, axis=-1)
    return lowest[..., 0], highest[..., 0], cumulative / cumulative[..., -1:]


def _hypergeo_ppf(xp: Any, u: Array, p: Params) -> Array:
    if all(xp.asarray(v).ndim == 0 for v in p):
        lowest, highest, cumulative = _hypergeo_table(xp, p)
        k = lowest + xp.searchsorted(cumulative, u, side="left")
        return xp.minimum(k, highest) + 0.0 * u
    # Arguments computed per trial: one table row per trial, built a block of trials at a time.
    spread = xp.broadcast_arrays(*p, u)
    flat = [v.reshape(-1) for v in spread]
    span = int(xp.max(xp.minimum(flat[0], flat[1]))) + 1
    block = max(1, HYPERGEO_BLOCK // span)
    parts = []
    for start in range(0, flat[3].size, block):
        rows = [v[start : start + block] for v in flat]
        lowest, highest, cumulative = _hypergeo_table(xp, rows[:3])
        below = xp.sum(cumulative < rows[3][:, None], axis=-1)
        parts.append(xp.minimum(lowest + below, highest))
    return xp.concatenate(parts).reshape(spread[3].shape)


def _hypergeo_cdf(xp: Any, x: Array, p: Params) -> Array:
    lowest, highest, cumulative = _hypergeo_table(xp, p)
    shape = numpy.broadcast_shapes(xp.asarray(x).shape, lowest.shape)
    at = xp.clip(xp.floor(x) - lowest, 0, cumulative.shape[-1] - 1).astype(xp.int64)
    table = xp.broadcast_to(cumulative, (*shape, cumulative.shape[-1]))
    value = xp.take_along_axis(table, xp.broadcast_to(at, shape)[..., None], axis=-1)[..., 0]
    return xp.where(x < lowest, 0.0, xp.where(x >= highest, 1.0, value))


FAMILIES = (
    Family(
        "RiskIntUniform", ("min", "max"), _int_uniform_check,
        _int_uniform_ppf, _int_uniform_cdf,
        lambda xp, p: (p[0] + p[1]) / 2,
        discrete=True,
    ),
    Family(
        "RiskBernoulli", ("p",), _probability("RiskBernoulli", zero=True),
        lambda xp, u, p: xp.where(u > 1 - p[0], 1.0, 0.0),
        _bernoulli_cdf,
        lambda xp, p: p[0],
        discrete=True,
    ),
    Family(
        "RiskGeomet", ("p",), _probability("RiskGeomet", zero=False),
        _geomet_ppf, _geomet_cdf,
        lambda xp, p: (1 - p[0]) / p[0],
        discrete=True,
    ),
    Family(
        "RiskNegbin", ("s", "p"), _negbin_check,
        _negbin_ppf, _negbin_cdf,
        lambda xp, p: p[0] * (1 - p[1]) / p[1],
        discrete=True,
    ),
    Family(
        "RiskHypergeo", ("n", "D", "M"), _hypergeo_check,
        _hypergeo_ppf, _hypergeo_cdf,
        lambda xp, p: p[0] * p[1] / p[2],
        discrete=True,
    ),
)
