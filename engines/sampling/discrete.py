"""Discrete and table-driven @RISK families.

Table arguments (Excel's ``{x...}`` arrays) are constants across trials, as are the scalar
arguments of a family that has tables; counting families (binomial, Poisson) vary per trial.
"""

from __future__ import annotations

from typing import Any

from engines.sampling.errors import require
from engines.sampling.family import Family, Params
from engines.sampling.special import special
from engines.xp import Array


def _binomial_check(xp: Any, p: Params) -> None:
    n, prob = p
    require(xp, "RiskBinomial", (n >= 0) & (n == xp.floor(n)), "n", "an integer >= 0", n)
    require(xp, "RiskBinomial", (prob >= 0) & (prob <= 1), "p", "in [0, 1]", prob)


def counting_ppf(xp: Any, u: Array, cdf: Any, first_guess: Array) -> Array:
    """Smallest integer k with cdf(k) >= u, from a continuous guess one step above or at k."""
    guess = xp.ceil(first_guess)
    below = xp.maximum(guess - 1, 0)
    return xp.where(cdf(below) >= u, below, guess)


def _binomial_ppf(xp: Any, u: Array, p: Params) -> Array:
    n, prob = xp.broadcast_arrays(*p, u)[:2]
    inner = (prob > 0) & (prob < 1) & (n > 0)
    safe_p = xp.where(inner, prob, 0.5)
    safe_n = xp.where(inner, n, 1.0)
    guess = special(xp, "bdtrik", u, safe_n, safe_p)
    whole_n = safe_n.astype(xp.int64)  # bdtr's float-n form is deprecated in scipy
    k = counting_ppf(xp, u, lambda k: special(xp, "bdtr", k, whole_n, safe_p), guess)
    return xp.where(inner, xp.minimum(k, n), xp.where(prob >= 1, n, 0.0))


def _binomial_cdf(xp: Any, x: Array, p: Params) -> Array:
    n, prob = p
    k = xp.floor(xp.clip(x, 0, n))
    whole_n = xp.asarray(n).astype(xp.int64)
    return xp.where(x < 0, 0.0, xp.where(x >= n, 1.0, special(xp, "bdtr", k, whole_n, prob)))


def _poisson_ppf(xp: Any, u: Array, p: Params) -> Array:
    lam = p[0] + 0.0 * u
    guess = special(xp, "pdtrik", u, lam)
    return counting_ppf(xp, u, lambda k: special(xp, "pdtr", k, lam), guess)


def _poisson_cdf(xp: Any, x: Array, p: Params) -> Array:
    return xp.where(x < 0, 0.0, special(xp, "pdtr", xp.floor(xp.maximum(x, 0)), p[0]))


def _table(xp: Any, dist: str, values: Array, probs: Array) -> tuple[Array, Array]:
    """Values sorted ascending with their cumulative probabilities (normalised, as @RISK does)."""
    require(
        xp,
        dist,
        xp.asarray(values.size == probs.size),
        "probabilities",
        f"as many as the values ({values.size})",
        xp.asarray(float(probs.size)),
    )
    require(xp, dist, probs >= 0, "probabilities", ">= 0", probs)
    require(
        xp,
        dist,
        xp.asarray(float(xp.sum(probs)) > 0),
        "probabilities",
        "not all zero",
        xp.sum(probs),
    )
    order = xp.argsort(values, kind="stable")
    cum = xp.cumsum(probs[order]) / xp.sum(probs)
    cum[-1] = 1.0
    return values[order], cum


def _table_ppf(xp: Any, u: Array, values: Array, cum: Array) -> Array:
    index = xp.searchsorted(cum, u, side="left")
    return values[xp.minimum(index, values.size - 1)]


def _table_cdf(xp: Any, x: Array, values: Array, cum: Array) -> Array:
    padded = xp.concatenate([xp.zeros(1), cum])
    return padded[xp.searchsorted(values, x, side="right")]


def _discrete_check(xp: Any, p: Params) -> None:
    require(
        xp,
        "RiskDiscrete",
        xp.asarray(p[0].size > 0),
        "values",
        "at least one value",
        xp.asarray(0.0),
    )
    _table(xp, "RiskDiscrete", p[0], p[1])


def _duniform(p: Params) -> tuple[Array, Array]:
    return p[0], p[0] * 0.0 + 1.0


def _cumul_points(xp: Any, p: Params) -> tuple[Array, Array]:
    """The piecewise-linear CDF's knots: values (min, x..., max) and probabilities (0, p..., 1)."""
    lo, hi, values, probs = p
    knots = xp.concatenate([xp.reshape(lo, (1,)), values, xp.reshape(hi, (1,))])
    levels = xp.concatenate([xp.zeros(1), probs, xp.ones(1)])
    return knots, levels


def _cumul_check(xp: Any, p: Params) -> None:
    knots, levels = _cumul_points(xp, p)
    dist = "RiskCumul"
    require(
        xp,
        dist,
        xp.asarray(p[2].size == p[3].size),
        "probabilities",
        f"as many as the values ({p[2].size})",
        xp.asarray(float(p[3].size)),
    )
    require(xp, dist, p[0] < p[1], "min", "< max", p[0])
    require(
        xp, dist, xp.diff(knots) > 0, "values", "strictly increasing between min and max", knots[1:]
    )
    require(xp, dist, xp.diff(levels) >= 0, "probabilities", "non-decreasing in [0, 1]", levels[1:])


def _histogrm_points(xp: Any, p: Params) -> tuple[Array, Array]:
    lo, hi, probs = p
    edges = lo + (hi - lo) * xp.linspace(0.0, 1.0, probs.size + 1)
    levels = xp.concatenate([xp.zeros(1), xp.cumsum(probs) / xp.sum(probs)])
    return edges, levels


def _histogrm_check(xp: Any, p: Params) -> None:
    require(xp, "RiskHistogrm", p[0] < p[1], "min", "< max", p[0])
    require(xp, "RiskHistogrm", p[2] >= 0, "probabilities", ">= 0", p[2])
    require(
        xp,
        "RiskHistogrm",
        xp.asarray(float(xp.sum(p[2])) > 0),
        "probabilities",
        "not all zero",
        xp.sum(p[2]),
    )


def _piecewise(points: Any) -> tuple[Any, Any, Any]:
    """ppf, cdf and mean of a distribution with a piecewise-linear CDF through ``points``."""

    def ppf(xp: Any, u: Array, p: Params) -> Array:
        knots, levels = points(xp, p)
        return xp.interp(u, levels, knots)

    def cdf(xp: Any, x: Array, p: Params) -> Array:
        knots, levels = points(xp, p)
        return xp.interp(x, knots, levels)

    def mean(xp: Any, p: Params) -> Array:
        knots, levels = points(xp, p)
        return xp.sum(xp.diff(levels) * (knots[1:] + knots[:-1]) / 2)

    return ppf, cdf, mean


def _table_family(name: str, params: tuple[str, ...], check: Any, table: Any) -> Family:
    def ppf(xp: Any, u: Array, p: Params) -> Array:
        return _table_ppf(xp, u, *_table(xp, name, *table(p)))

    def cdf(xp: Any, x: Array, p: Params) -> Array:
        return _table_cdf(xp, x, *_table(xp, name, *table(p)))

    def mean(xp: Any, p: Params) -> Array:
        values, probs = table(p)
        return xp.sum(values * probs) / xp.sum(probs)

    return Family(
        name, params, check, ppf, cdf, mean, discrete=True, tables=frozenset(range(len(params)))
    )


FAMILIES = (
    Family(
        "RiskBinomial",
        ("n", "p"),
        _binomial_check,
        _binomial_ppf,
        _binomial_cdf,
        lambda xp, p: p[0] * p[1],
        discrete=True,
    ),
    Family(
        "RiskPoisson",
        ("lambda",),
        lambda xp, p: require(xp, "RiskPoisson", p[0] > 0, "lambda", "> 0", p[0]),
        _poisson_ppf,
        _poisson_cdf,
        lambda xp, p: p[0],
        discrete=True,
    ),
    _table_family("RiskDiscrete", ("values", "probabilities"), _discrete_check, tuple),
    _table_family(
        "RiskDUniform", ("values",), lambda xp, p: _discrete_check(xp, _duniform(p)), _duniform
    ),
    Family(
        "RiskCumul",
        ("min", "max", "values", "probabilities"),
        _cumul_check,
        *_piecewise(_cumul_points),
        tables=frozenset({2, 3}),
    ),
    Family(
        "RiskHistogrm",
        ("min", "max", "probabilities"),
        _histogrm_check,
        *_piecewise(_histogrm_points),
        tables=frozenset({2}),
    ),
)
