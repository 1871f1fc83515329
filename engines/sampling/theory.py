"""@RISK's theoretical statistics of a distribution: what RiskTheoMean, RiskTheoPtoX and the
other RiskTheo functions return for a distribution with its RiskTruncate and RiskShift.

The mean of an untruncated law is its family's closed form, a truncated one's the integral of
its quantile function. Percentiles are its quantile
function, and target probabilities its CDF, both restricted to the truncation. Variance,
standard deviation, skewness and kurtosis integrate the quantile function (adaptive
quadrature for a continuous law; the midpoint rule over STATIC_POINTS quantiles for a discrete
one, as a truncated law's mean is taken); a law without the moment gives NaN, an error in the
cell.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy
from scipy.integrate import IntegrationWarning, quad

from engines.sampling.distributions import (
    STATIC_POINTS,
    Truncation,
    _coerce,
    _limits,
    draw,
    family,
)
from engines.xp import Array

Law = tuple[str, Sequence[Any], Truncation | None, float]
"""(distribution name, parameters, truncation, shift)."""


def quantile(law: Law, p: Array) -> Array:
    """The value below which a share ``p`` (0 to 1) of the law lies."""
    name, params, truncate, shift = law
    return draw(numpy, name, p, params, truncate, shift)


def probability(law: Law, x: Array) -> Array:
    """P(X <= x) of the law, truncation and shift applied."""
    name, params, truncate, shift = law
    fam = family(name)
    coerced = _coerce(numpy, fam, params)
    fam.check(numpy, coerced)
    below = fam.cdf(numpy, numpy.asarray(x, dtype=float) - shift, coerced)
    if truncate is None:
        return numpy.asarray(below, dtype=float)
    _, _, low, high = _limits(numpy, fam, coerced, truncate, shift)
    return numpy.clip((below - low) / (high - low), 0.0, 1.0)


def _grid(law: Law) -> Array:
    return quantile(law, (numpy.arange(STATIC_POINTS) + 0.5) / STATIC_POINTS)


def mean(law: Law) -> float:
    name, params, truncate, shift = law
    fam = family(name)
    if truncate is None:
        return float(fam.mean(numpy, _coerce(numpy, fam, params))) + shift
    if fam.discrete:
        return float(numpy.mean(_grid(law)))
    return _integral(lambda u: float(quantile(law, numpy.asarray([u]))[0]))


def _integral(integrand: Callable[[float], float]) -> float:
    """∫ integrand over (0, 1) by adaptive quadrature; NaN where it does not converge."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", IntegrationWarning)
        try:
            value, _ = quad(integrand, 0.0, 1.0, limit=200)
        except (IntegrationWarning, ZeroDivisionError, OverflowError):
            return float("nan")
    return float(value)


def _central(law: Law, power: int) -> float:
    """E[(X - mean)^power]: for a continuous law, ∫ (Q(u) - mean)^power du over (0, 1) by
    adaptive quadrature, which copes with the quantile function's infinite ends (NaN where the
    integral does not converge: the moment does not exist); for a discrete law, by the
    midpoint rule over its quantiles."""
    if family(law[0]).discrete:
        values = _grid(law)
        with numpy.errstate(all="ignore"):
            return float(numpy.mean((values - numpy.mean(values)) ** power))
    centre = mean(law)
    return _integral(lambda u: float((quantile(law, numpy.asarray([u]))[0] - centre) ** power))


def variance(law: Law) -> float:
    return _central(law, 2)


def skewness(law: Law) -> float:
    with numpy.errstate(all="ignore"):
        return float(_central(law, 3) / variance(law) ** 1.5)


def kurtosis(law: Law) -> float:
    """Pearson's kurtosis (3 for a normal law), as @RISK reports it."""
    with numpy.errstate(all="ignore"):
        return float(_central(law, 4) / variance(law) ** 2)


STATISTICS: dict[str, tuple[int, Callable[..., float]]] = {
    # @RISK's name → (arguments after the distribution, the statistic)
    "RISKTHEOMEAN": (0, mean),
    "RISKTHEOVARIANCE": (0, variance),
    "RISKTHEOSTDDEV": (0, lambda law: variance(law) ** 0.5),
    "RISKTHEOSKEWNESS": (0, skewness),
    "RISKTHEOKURTOSIS": (0, kurtosis),
    "RISKTHEOMIN": (0, lambda law: float(quantile(law, numpy.asarray(0.0)))),
    "RISKTHEOMAX": (0, lambda law: float(quantile(law, numpy.asarray(1.0)))),
    "RISKTHEORANGE": (0, lambda law: float(quantile(law, numpy.asarray(1.0))
                                           - quantile(law, numpy.asarray(0.0)))),
    "RISKTHEOPTOX": (1, lambda law, p: float(quantile(law, numpy.asarray(p)))),
    "RISKTHEOPERCENTILE": (1, lambda law, p: float(quantile(law, numpy.asarray(p)))),
    "RISKTHEOPERCENTILED": (1, lambda law, p: float(quantile(law, numpy.asarray(1.0 - p)))),
    "RISKTHEOXTOP": (1, lambda law, x: float(probability(law, numpy.asarray(x)))),
    "RISKTHEOTARGET": (1, lambda law, x: float(probability(law, numpy.asarray(x)))),
    "RISKTHEOTARGETD": (1, lambda law, x: 1.0 - float(probability(law, numpy.asarray(x)))),
}
