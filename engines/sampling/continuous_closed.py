"""Continuous @RISK families whose inverse CDF is a closed form in elementary functions.

Parameters are in @RISK's order and meaning (its function reference); the scipy.stats
equivalents are spelled out in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy

from engines.sampling.checks import Check, positive
from engines.sampling.errors import require
from engines.sampling.family import Family, Params
from engines.sampling.special import special
from engines.xp import Array

Ppf = Callable[[Any, Array, Params], Array]
EULER_GAMMA = 0.5772156649015329
"""Euler–Mascheroni constant: the mean of the standard Gumbel law."""


def mean_or_median(ppf: Ppf, has_mean: Callable[[Params], Array],
                   mean: Callable[[Any, Params], Array]) -> Callable[[Any, Params], Array]:
    """The static value: the mean where the law has one, else its median (as RiskStudent with
    nu <= 1), so a heavy-tailed input still shows a finite, typical value in the sheet."""

    def static(xp: Any, p: Params) -> Array:
        with numpy.errstate(all="ignore"):  # the unused branch may divide by zero
            return xp.where(has_mean(p), mean(xp, p), ppf(xp, xp.asarray(0.5), p))

    return static


def _located(dist: str, scale: str) -> Check:
    """(location, scale) families: the scale, the second parameter, is > 0."""
    return lambda xp, p: require(xp, dist, p[1] > 0, scale, "> 0", p[1])


def _logistic_cdf(xp: Any, x: Array, p: Params) -> Array:
    z = (x - p[0]) / p[1]
    tail = xp.exp(-xp.abs(z))
    return xp.where(z >= 0, 1 / (1 + tail), tail / (1 + tail))


def _loglogistic_check(xp: Any, p: Params) -> None:
    positive("RiskLoglogistic", "beta", "alpha")(xp, p[1:])


def _loglogistic_ppf(xp: Any, u: Array, p: Params) -> Array:
    return p[0] + p[1] * xp.exp((xp.log(u) - xp.log1p(-u)) / p[2])


def _loglogistic_cdf(xp: Any, x: Array, p: Params) -> Array:
    above = x > p[0]
    z = xp.where(above, x - p[0], p[1]) / p[1]
    return xp.where(above, 1 / (1 + z ** -p[2]), 0.0)


def _loglogistic_mean(xp: Any, p: Params) -> Array:
    theta = math.pi / p[2]
    return p[0] + p[1] * theta / xp.sin(theta)


def _gumbel_cdf(xp: Any, x: Array, p: Params) -> Array:
    return xp.exp(-xp.exp(-xp.maximum((x - p[0]) / p[1], -700.0)))


def _gumbel_min_cdf(xp: Any, x: Array, p: Params) -> Array:
    return -xp.expm1(-xp.exp(xp.minimum((x - p[0]) / p[1], 700.0)))


def _laplace_ppf(xp: Any, u: Array, p: Params) -> Array:
    # @RISK's sigma is the standard deviation: the exponential scale is sigma / sqrt(2).
    b = p[1] / math.sqrt(2)
    return xp.where(u < 0.5, p[0] + b * xp.log(2 * u), p[0] - b * xp.log(2 * (1 - u)))


def _laplace_cdf(xp: Any, x: Array, p: Params) -> Array:
    z = (x - p[0]) * math.sqrt(2) / p[1]
    half_tail = 0.5 * xp.exp(-xp.abs(z))
    return xp.where(z < 0, half_tail, 1 - half_tail)


def _cauchy_ppf(xp: Any, u: Array, p: Params) -> Array:
    # tan(pi (u - 1/2)) loses digits near its poles; the cotangent of the nearer tail does not.
    return p[0] + p[1] * xp.where(u < 0.5, -1 / xp.tan(math.pi * u), 1 / xp.tan(math.pi * (1 - u)))


def _pareto_cdf(xp: Any, x: Array, p: Params) -> Array:
    theta, alpha = p
    above = x >= alpha
    return xp.where(above, -xp.expm1(theta * xp.log(alpha / xp.where(above, x, alpha))), 0.0)


def _pareto2_cdf(xp: Any, x: Array, p: Params) -> Array:
    b, q = p
    return -xp.expm1(-q * xp.log1p(xp.maximum(x, 0) / b))


def _reciprocal_check(xp: Any, p: Params) -> None:
    require(xp, "RiskReciprocal", p[0] > 0, "min", "> 0", p[0])
    require(xp, "RiskReciprocal", p[0] < p[1], "min", "< max", p[0])


def _log_span(xp: Any, p: Params) -> Array:
    """ln(max / min) without forming the ratio, which overflows for min 1e-300, max 1e300."""
    return xp.log(p[1]) - xp.log(p[0])


def _reciprocal_cdf(xp: Any, x: Array, p: Params) -> Array:
    lo, hi = p
    return (xp.log(xp.clip(x, lo, hi)) - xp.log(lo)) / _log_span(xp, p)


def _kumaraswamy_check(xp: Any, p: Params) -> None:
    positive("RiskKumaraswamy", "alpha1", "alpha2")(xp, p[:2])
    require(xp, "RiskKumaraswamy", p[2] < p[3], "min", "< max", p[2])


def _kumaraswamy_ppf(xp: Any, u: Array, p: Params) -> Array:
    a1, a2, lo, hi = p
    z = (-xp.expm1(xp.log1p(-u) / a2)) ** (1 / a1)
    return lo + (hi - lo) * z


def _kumaraswamy_cdf(xp: Any, x: Array, p: Params) -> Array:
    a1, a2, lo, hi = p
    z = xp.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return -xp.expm1(a2 * xp.log1p(-(z**a1)))


def _kumaraswamy_mean(xp: Any, p: Params) -> Array:
    a1, a2, lo, hi = p
    return lo + (hi - lo) * a2 * special(xp, "beta", 1 + 1 / a1, a2)


def _frechet_check(xp: Any, p: Params) -> None:
    positive("RiskFrechet", "beta", "alpha")(xp, p[1:])


def _frechet_ppf(xp: Any, u: Array, p: Params) -> Array:
    return p[0] + p[1] * (-xp.log(u)) ** (-1 / p[2])


def _frechet_cdf(xp: Any, x: Array, p: Params) -> Array:
    above = x > p[0]
    z = xp.where(above, x - p[0], p[1]) / p[1]
    return xp.where(above, xp.exp(-(z ** -p[2])), 0.0)


def _double_triang_check(xp: Any, p: Params) -> None:
    lo, mode, hi, prob = p
    dist = "RiskDoubleTriang"
    require(xp, dist, lo < hi, "min", "< max", lo)
    require(xp, dist, (mode > lo) & (mode < hi), "most likely", "strictly between min and max",
            mode)
    require(xp, dist, (prob > 0) & (prob < 1), "p", "in (0, 1)", prob)


def _double_triang_ppf(xp: Any, u: Array, p: Params) -> Array:
    lo, mode, hi, prob = p
    left = lo + (mode - lo) * xp.sqrt(u / prob)
    right = hi - (hi - mode) * xp.sqrt(xp.maximum(1 - u, 0) / (1 - prob))
    return xp.where(u < prob, left, right)


def _double_triang_cdf(xp: Any, x: Array, p: Params) -> Array:
    lo, mode, hi, prob = p
    c = xp.clip(x, lo, hi)
    left = prob * ((c - lo) / (mode - lo)) ** 2
    right = 1 - (1 - prob) * ((hi - c) / (hi - mode)) ** 2
    return xp.where(c <= mode, left, right)


def _pareto_ppf(xp: Any, u: Array, p: Params) -> Array:
    return p[1] * xp.exp(-xp.log1p(-u) / p[0])


def _pareto2_ppf(xp: Any, u: Array, p: Params) -> Array:
    return p[0] * xp.expm1(-xp.log1p(-u) / p[1])


FAMILIES = (
    Family(
        "RiskLogistic", ("alpha", "beta"), _located("RiskLogistic", "beta"),
        lambda xp, u, p: p[0] + p[1] * (xp.log(u) - xp.log1p(-u)),
        _logistic_cdf,
        lambda xp, p: p[0] + 0.0 * p[1],
    ),
    Family(
        "RiskLoglogistic", ("gamma", "beta", "alpha"), _loglogistic_check,
        _loglogistic_ppf, _loglogistic_cdf,
        mean_or_median(_loglogistic_ppf, lambda p: p[2] > 1, _loglogistic_mean),
    ),
    Family(
        "RiskExtvalue", ("alpha", "beta"), _located("RiskExtvalue", "beta"),
        lambda xp, u, p: p[0] - p[1] * xp.log(-xp.log(u)),
        _gumbel_cdf,
        lambda xp, p: p[0] + EULER_GAMMA * p[1],
    ),
    Family(
        "RiskExtvalueMin", ("alpha", "beta"), _located("RiskExtvalueMin", "beta"),
        lambda xp, u, p: p[0] + p[1] * xp.log(-xp.log1p(-u)),
        _gumbel_min_cdf,
        lambda xp, p: p[0] - EULER_GAMMA * p[1],
    ),
    Family(
        "RiskLaplace", ("mu", "sigma"), _located("RiskLaplace", "sigma"),
        _laplace_ppf, _laplace_cdf,
        lambda xp, p: p[0] + 0.0 * p[1],
    ),
    Family(
        "RiskCauchy", ("gamma", "beta"), _located("RiskCauchy", "beta"),
        _cauchy_ppf,
        lambda xp, x, p: 0.5 + xp.arctan((x - p[0]) / p[1]) / math.pi,
        lambda xp, p: p[0] + 0.0 * p[1],  # no mean: the median
    ),
    Family(
        "RiskPareto", ("theta", "alpha"), positive("RiskPareto", "theta", "alpha"),
        _pareto_ppf, _pareto_cdf,
        mean_or_median(_pareto_ppf, lambda p: p[0] > 1,
                       lambda xp, p: p[0] * p[1] / (p[0] - 1)),
    ),
    Family(
        "RiskPareto2", ("b", "q"), positive("RiskPareto2", "b", "q"),
        _pareto2_ppf, _pareto2_cdf,
        mean_or_median(_pareto2_ppf, lambda p: p[1] > 1, lambda xp, p: p[0] / (p[1] - 1)),
    ),
    Family(
        "RiskRayleigh", ("beta",), positive("RiskRayleigh", "beta"),
        lambda xp, u, p: p[0] * xp.sqrt(-2 * xp.log1p(-u)),
        lambda xp, x, p: -xp.expm1(-(xp.maximum(x, 0) ** 2) / (2 * p[0] ** 2)),
        lambda xp, p: p[0] * math.sqrt(math.pi / 2),
    ),
    Family(
        "RiskReciprocal", ("min", "max"), _reciprocal_check,
        lambda xp, u, p: xp.exp(xp.log(p[0]) + u * _log_span(xp, p)),
        _reciprocal_cdf,
        lambda xp, p: (p[1] - p[0]) / _log_span(xp, p),
    ),
    Family(
        "RiskKumaraswamy", ("alpha1", "alpha2", "min", "max"), _kumaraswamy_check,
        _kumaraswamy_ppf, _kumaraswamy_cdf, _kumaraswamy_mean,
    ),
    Family(
        "RiskFrechet", ("gamma", "beta", "alpha"), _frechet_check,
        _frechet_ppf, _frechet_cdf,
        mean_or_median(_frechet_ppf, lambda p: p[2] > 1,
                       lambda xp, p: p[0] + p[1] * special(xp, "gamma", 1 - 1 / p[2])),
    ),
    Family(
        "RiskDoubleTriang", ("min", "most likely", "max", "p"), _double_triang_check,
        _double_triang_ppf, _double_triang_cdf,
        lambda xp, p: (p[3] * (p[0] + 2 * p[1]) + (1 - p[3]) * (2 * p[1] + p[2])) / 3,
    ),
)
