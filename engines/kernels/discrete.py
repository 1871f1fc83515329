"""Excel's discrete distributions: binomial, Poisson, negative binomial, hypergeometric.

Counts are truncated to integers first, as Excel does.
"""

from __future__ import annotations

import math
from typing import Any

from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, special, trunc
from engines.xp import Array

N, L = Arg.NUM, Arg.LOGICAL


def _log_choose(xp: Any, n: Array, k: Array) -> Array:
    gammaln = special(xp, "gammaln")
    return gammaln(n + 1.0) - gammaln(k + 1.0) - gammaln(n - k + 1.0)


def _xlogy(xp: Any, x: Array, y: Array) -> Array:
    """``x * log(y)`` with 0 * log(0) = 0, so certain outcomes get probability 1."""
    return xp.where(x == 0.0, 0.0, x * xp.log(xp.where(x == 0.0, 1.0, y)))


def _binomial_pmf(xp: Any, k: Array, n: Array, p: Array) -> Array:
    log_pmf = _log_choose(xp, n, k) + _xlogy(xp, k, p) + _xlogy(xp, n - k, 1.0 - p)
    return xp.exp(log_pmf)


def _binomial_cdf(xp: Any, k: Array, n: Array, p: Array) -> Array:
    """P(at most k successes), as the regularised incomplete beta function."""
    upper_tail = special(xp, "betaincc")(k + 1.0, xp.maximum(n - k, 1.0), p)
    return xp.where(k >= n, 1.0, upper_tail)


def binom_dist(xp: Any, k: Array, n: Array, p: Array, cumulative: Array) -> Array:
    """Binomial probability of ``k`` successes in ``n`` trials (or at most ``k``)."""
    k, n = trunc(xp, k), trunc(xp, n)
    cdf = _binomial_cdf(xp, k, n, p)
    value = xp.where(xp.asarray(cumulative) != 0.0, cdf, _binomial_pmf(xp, k, n, p))
    return fail_where(xp, (k < 0.0) | (k > n) | (p < 0.0) | (p > 1.0), value)


def binom_inv(xp: Any, n: Array, p: Array, alpha: Array) -> Array:
    """The smallest count whose binomial CDF reaches ``alpha`` (CRITBINOM)."""
    n = trunc(xp, n)
    n, p, alpha = xp.broadcast_arrays(
        xp.asarray(n, dtype=xp.float64),
        xp.asarray(p, dtype=xp.float64),
        xp.asarray(alpha, dtype=xp.float64),
    )
    low, high = xp.full(n.shape, -1.0), xp.where(n >= 0.0, n, 0.0)
    # Invariant: CDF(low) < alpha <= CDF(high), with CDF(-1) = 0 and CDF(n) = 1.
    largest = float(xp.max(xp.where(xp.isfinite(high), high, 0.0))) if high.size else 0.0
    for _ in range(math.ceil(math.log2(largest + 2.0)) + 1):
        middle = xp.floor((low + high) / 2.0)
        reached = _binomial_cdf(xp, middle, n, p) >= alpha
        moving = high - low > 1.0
        high = xp.where(moving & reached, middle, high)
        low = xp.where(moving & ~reached, middle, low)
    bad = (n < 0.0) | (p < 0.0) | (p > 1.0) | (alpha < 0.0) | (alpha > 1.0)
    return fail_where(xp, bad, high)


def poisson_dist(xp: Any, x: Array, mean: Array, cumulative: Array) -> Array:
    """Poisson probability of ``x`` events (or at most ``x``)."""
    x = trunc(xp, x)
    pmf = xp.exp(_xlogy(xp, x, mean) - mean - special(xp, "gammaln")(x + 1.0))
    cdf = special(xp, "pdtr")(x, mean)
    value = xp.where(xp.asarray(cumulative) != 0.0, cdf, pmf)
    return fail_where(xp, (x < 0.0) | (mean < 0.0), value)


def negbinom_dist(
    xp: Any, failures: Array, successes: Array, p: Array, cumulative: Array = 0.0
) -> Array:
    """Probability of ``failures`` failures before the ``successes``-th success."""
    failures, successes = trunc(xp, failures), trunc(xp, successes)
    pmf = xp.exp(
        _log_choose(xp, failures + successes - 1.0, successes - 1.0)
        + _xlogy(xp, successes, p)
        + _xlogy(xp, failures, 1.0 - p)
    )
    cdf = special(xp, "betainc")(successes, failures + 1.0, p)
    value = xp.where(xp.asarray(cumulative) != 0.0, cdf, pmf)
    # Excel rejects a zero success probability here, unlike BINOM.DIST.
    return fail_where(xp, (failures < 0.0) | (successes < 1.0) | (p <= 0.0) | (p > 1.0), value)


def _hypergeometric_pmf(xp: Any, k: Array, draws: Array, marked: Array, population: Array) -> Array:
    log_pmf = (
        _log_choose(xp, marked, k)
        + _log_choose(xp, population - marked, draws - k)
        - _log_choose(xp, population, draws)
    )
    possible = (k >= 0.0) & (k <= marked) & (draws - k <= population - marked)
    return xp.where(possible, xp.exp(log_pmf), 0.0)


def hypgeom_dist(
    xp: Any, k: Array, draws: Array, marked: Array, population: Array, cumulative: Array = 0.0
) -> Array:
    """Probability of ``k`` marked items among ``draws`` taken without replacement."""
    k, draws, marked, population, cumulative = xp.broadcast_arrays(
        *(trunc(xp, a) for a in (k, draws, marked, population, cumulative))
    )
    pmf = _hypergeometric_pmf(xp, k, draws, marked, population)
    cdf = xp.zeros(k.shape)
    finite_k = xp.where(xp.isfinite(k), k, 0.0)
    for i in range(int(xp.max(finite_k)) + 1 if k.size else 0):
        cdf = cdf + xp.where(i <= k, _hypergeometric_pmf(xp, i, draws, marked, population), 0.0)
    density = cumulative == 0.0
    bad = (
        (k < 0.0)
        | (draws < 0.0)
        | (marked < 0.0)
        # Beyond the draw or the marked items, or below what the draw forces, is an error only
        # for the density: the CDF is 1 (HYPGEOM.DIST(5,3,2,30,TRUE)) or 0.
        | (((k > draws) | (k > marked) | (k < draws - population + marked)) & density)
        | (draws > population)
        | (marked > population)
    )
    return fail_where(xp, bad, xp.where(cumulative != 0.0, xp.minimum(cdf, 1.0), pmf))


_BINOM_DIST = kernel(binom_dist, (N, N, N, L))
_BINOM_INV = kernel(binom_inv, (N,) * 3)
_POISSON = kernel(poisson_dist, (N, N, L))

KERNELS: dict[str, Kernel] = {
    "BINOM.DIST": _BINOM_DIST,
    "BINOMDIST": _BINOM_DIST,
    "BINOM.INV": _BINOM_INV,
    "CRITBINOM": _BINOM_INV,
    "POISSON.DIST": _POISSON,
    "POISSON": _POISSON,
    "NEGBINOM.DIST": kernel(negbinom_dist, (N, N, N, L)),
    "NEGBINOMDIST": kernel(negbinom_dist, (N,) * 3),
    "HYPGEOM.DIST": kernel(hypgeom_dist, (N, N, N, N, L)),
    "HYPGEOMDIST": kernel(hypgeom_dist, (N,) * 4),
}
