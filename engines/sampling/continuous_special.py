"""Continuous @RISK families sampled through special functions (incomplete gamma and beta, the
normal quantile), and RiskInvgauss, whose quantile is solved for.

Several are members of the RiskGamma and RiskBetaGeneral families under other parameters and
borrow their inverse CDFs: RiskErlang(m, beta) = RiskGamma(m, beta), RiskChiSq(nu) =
RiskGamma(nu/2, 2), RiskBeta(a1, a2) = RiskBetaGeneral(a1, a2, 0, 1) and RiskF(nu1, nu2) =
RiskPearson6(nu1/2, nu2/2, nu2/nu1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from engines.sampling import continuous
from engines.sampling.checks import positive, whole
from engines.sampling.continuous_closed import mean_or_median
from engines.sampling.errors import require
from engines.sampling.family import Family, Params
from engines.sampling.special import special
from engines.xp import Array

_BY_NAME = {fam.name: fam for fam in continuous.FAMILIES}
_GAMMA = _BY_NAME["RiskGamma"]
_BETA_GENERAL = _BY_NAME["RiskBetaGeneral"]


def _chisq(p: Params) -> Params:
    return (p[0] / 2, 2.0 + 0.0 * p[0])


def _standard_beta(p: Params) -> Params:
    return (p[0], p[1], 0.0 * p[0], 1.0 + 0.0 * p[0])


def _erlang_check(xp: Any, p: Params) -> None:
    m, beta = p
    require(xp, "RiskErlang", (m > 0) & whole(xp, m), "m", "an integer > 0", m)
    require(xp, "RiskErlang", beta > 0, "beta", "> 0", beta)


def _pearson6_ppf(xp: Any, u: Array, p: Params) -> Array:
    # beta * z / (1 - z) for z ~ Beta(beta1, beta2), with 1 - z drawn as its own quantile so
    # that neither tail loses digits to the subtraction.
    b1, b2, scale = p
    z = special(xp, "betaincinv", b1, b2, u)
    one_minus_z = special(xp, "betaincinv", b2, b1, 1 - u)
    return scale * z / one_minus_z


def _pearson6_cdf(xp: Any, x: Array, p: Params) -> Array:
    b1, b2, scale = p
    ratio = xp.maximum(x, 0) / scale
    return special(xp, "betainc", b1, b2, ratio / (1 + ratio))


def _f_as_pearson6(p: Params) -> Params:
    return (p[0] / 2, p[1] / 2, p[1] / p[0])


def _pearson5_ppf(xp: Any, u: Array, p: Params) -> Array:
    return p[1] / special(xp, "gammainccinv", p[0], u)


def _pearson5_cdf(xp: Any, x: Array, p: Params) -> Array:
    above = x > 0
    return xp.where(above, special(xp, "gammaincc", p[0], p[1] / xp.where(above, x, 1.0)), 0.0)


def _levy_ppf(xp: Any, u: Array, p: Params) -> Array:
    # F(x) = erfc(sqrt(c / (2 (x - a)))) = 2 Phi(-sqrt(c / (x - a))).
    return p[0] + p[1] / special(xp, "ndtri", u / 2) ** 2


def _levy_cdf(xp: Any, x: Array, p: Params) -> Array:
    above = x > p[0]
    gap = xp.where(above, x - p[0], 1.0)
    return xp.where(above, 2 * special(xp, "ndtr", -xp.sqrt(p[1] / gap)), 0.0)


def _invgauss_cdf(xp: Any, x: Array, p: Params) -> Array:
    mu, lam = p
    above = x > 0
    safe = xp.where(above, x, mu)
    root = xp.sqrt(lam / safe)
    # The second term's exp(2 lambda / mu) overflows alone; its logarithm does not.
    upper = xp.exp(2 * lam / mu + special(xp, "log_ndtr", -root * (safe / mu + 1)))
    return xp.where(above, special(xp, "ndtr", root * (safe / mu - 1)) + upper, 0.0)


def _invgauss_density(xp: Any, x: Array, p: Params) -> Array:
    mu, lam = p
    return xp.sqrt(lam / (2 * math.pi * x**3)) * xp.exp(-lam * (x - mu) ** 2 / (2 * mu**2 * x))


INVGAUSS_STEPS = 200
"""Most Newton (or bisection) steps on log x for one RiskInvgauss quantile; a few usually do."""


def _invgauss_ppf(xp: Any, u: Array, p: Params) -> Array:
    """The x with F(x) = u: Newton's method on log x, from the quantile of the lognormal with
    the same mean and variance, solving log F = log u below the median and log(1 - F) =
    log(1 - u) above it (nearly straight lines in log x, even in the far tails). Every
    evaluation narrows a bracket; a step that would leave it, or bounce between its ends,
    bisects it instead (or, while one side is still open, moves by a factor e)."""
    mu, lam, u = xp.broadcast_arrays(p[0] + 0.0 * u, p[1] + 0.0 * u, u + 0.0 * p[0] * p[1])
    spread = xp.log1p(mu / lam)
    y = xp.log(mu) - spread / 2 + xp.sqrt(spread) * special(xp, "ndtri", u)
    lo, hi = xp.full(y.shape, -numpy.inf), xp.full(y.shape, numpy.inf)
    lower = u < 0.5
    with numpy.errstate(all="ignore"):  # tails where the density underflows: steps fall back
        for _ in range(INVGAUSS_STEPS):
            x = xp.exp(y)
            below = _invgauss_cdf(xp, x, (mu, lam))
            gap = below - u
            lo = xp.where(gap < 0, y, lo)
            hi = xp.where(gap > 0, y, hi)
            density = _invgauss_density(xp, x, (mu, lam)) * x
            log_gap = xp.where(lower, xp.log(below / u), xp.log1p(-below) - xp.log1p(-u))
            slope = xp.where(lower, density / below, -density / (1 - below))
            newton = y - xp.clip(log_gap / slope, -1.0, 1.0)
            tolerance = 1e-13 * xp.maximum(1.0, xp.abs(y))
            settled = xp.abs(newton - y) <= tolerance
            inside = ((newton > lo) & (newton < hi)) | settled
            closed = xp.isfinite(lo) & xp.isfinite(hi)
            settled = settled | (closed & (hi - lo <= tolerance))  # F's own rounding reached
            fallback = xp.where(closed, (lo + hi) / 2, xp.where(gap < 0, y + 1, y - 1))
            y = xp.where(gap == 0, y, xp.where(inside, newton, fallback))
            if bool(xp.all(settled | (gap == 0))):
                break
    return xp.exp(y)


FAMILIES = (
    Family(
        "RiskBeta", ("alpha1", "alpha2"), positive("RiskBeta", "alpha1", "alpha2"),
        lambda xp, u, p: _BETA_GENERAL.ppf(xp, u, _standard_beta(p)),
        lambda xp, x, p: _BETA_GENERAL.cdf(xp, x, _standard_beta(p)),
        lambda xp, p: p[0] / (p[0] + p[1]),
    ),
    Family(
        "RiskChiSq", ("nu",), positive("RiskChiSq", "nu"),
        lambda xp, u, p: _GAMMA.ppf(xp, u, _chisq(p)),
        lambda xp, x, p: _GAMMA.cdf(xp, x, _chisq(p)),
        lambda xp, p: p[0],
    ),
    Family("RiskErlang", ("m", "beta"), _erlang_check, _GAMMA.ppf, _GAMMA.cdf, _GAMMA.mean),
    Family(
        "RiskPearson5", ("alpha", "beta"), positive("RiskPearson5", "alpha", "beta"),
        _pearson5_ppf, _pearson5_cdf,
        mean_or_median(_pearson5_ppf, lambda p: p[0] > 1, lambda xp, p: p[1] / (p[0] - 1)),
    ),
    Family(
        "RiskPearson6", ("beta1", "beta2", "beta"),
        positive("RiskPearson6", "beta1", "beta2", "beta"),
        _pearson6_ppf, _pearson6_cdf,
        mean_or_median(_pearson6_ppf, lambda p: p[1] > 1,
                       lambda xp, p: p[2] * p[0] / (p[1] - 1)),
    ),
    Family(
        "RiskF", ("nu1", "nu2"), positive("RiskF", "nu1", "nu2"),
        lambda xp, u, p: _pearson6_ppf(xp, u, _f_as_pearson6(p)),
        lambda xp, x, p: _pearson6_cdf(xp, x, _f_as_pearson6(p)),
        mean_or_median(lambda xp, u, p: _pearson6_ppf(xp, u, _f_as_pearson6(p)),
                       lambda p: p[1] > 2, lambda xp, p: p[1] / (p[1] - 2) + 0.0 * p[0]),
    ),
    Family(
        "RiskInvgauss", ("mu", "lambda"), positive("RiskInvgauss", "mu", "lambda"),
        _invgauss_ppf, _invgauss_cdf,
        lambda xp, p: p[0] + 0.0 * p[1],
    ),
    Family(
        "RiskLevy", ("a", "c"), lambda xp, p: require(xp, "RiskLevy", p[1] > 0, "c", "> 0", p[1]),
        _levy_ppf, _levy_cdf,
        lambda xp, p: _levy_ppf(xp, xp.asarray(0.5), p),  # no mean: the median
    ),
)
