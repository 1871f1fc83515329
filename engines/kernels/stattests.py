"""Excel's hypothesis tests and counting probabilities: T.TEST, Z.TEST, F.TEST, CHISQ.TEST,
PROB, BINOM.DIST.RANGE, PERMUT and PERMUTATIONA.

Samples arrive as ``(k, n)`` VALUES with NaN for the cells Excel skips. Too few values, or a
sample without spread, is #DIV/0!, as in Excel. The legacy names (TTEST, ZTEST, FTEST) share
the kernels.
"""

from __future__ import annotations

from typing import Any

from engines.errors import ExcelError
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import cells, fail_where, kernel, special, trunc, with_errors
from engines.xp import Array

N, V = Arg.NUM, Arg.VALUES
_OMITTED = float("nan")  # an optional argument left out (its default depends on others)


def _sample(xp: Any, values: Array) -> tuple[Array, Array, Array]:
    """``(count, mean, sample variance)`` of the present values of a ``(k, n)`` range."""
    values = cells(xp, values)
    present = ~xp.isnan(values)
    count = xp.sum(present, axis=0).astype(xp.float64)
    mean = xp.sum(xp.where(present, values, 0.0), axis=0) / count
    squares = xp.sum(xp.where(present, values - mean, 0.0) ** 2, axis=0)
    return count, mean, squares / (count - 1.0)


def _paired_t(xp: Any, first: Array, second: Array) -> tuple[Array, Array]:
    """(t statistic, degrees of freedom) of the differences of the pairs present in both."""
    differences = xp.asarray(first, dtype=xp.float64) - xp.asarray(second, dtype=xp.float64)
    count, mean, variance = _sample(xp, differences)
    return mean / xp.sqrt(variance / count), count - 1.0


def _two_sample_t(xp: Any, first: Array, second: Array, equal: bool) -> tuple[Array, Array]:
    """(t statistic, degrees of freedom), pooled (``equal``) or Welch's for unequal variances."""
    n1, m1, v1 = _sample(xp, first)
    n2, m2, v2 = _sample(xp, second)
    too_few = (n1 < 2.0) | (n2 < 2.0)
    if equal:
        freedom = n1 + n2 - 2.0
        pooled = ((n1 - 1.0) * v1 + (n2 - 1.0) * v2) / freedom
        spread = pooled * (1.0 / n1 + 1.0 / n2)
    else:
        a, b = v1 / n1, v2 / n2
        spread = a + b
        freedom = spread**2 / (a**2 / (n1 - 1.0) + b**2 / (n2 - 1.0))
    return xp.where(too_few, xp.nan, (m1 - m2) / xp.sqrt(spread)), freedom


def t_test(xp: Any, first: Array, second: Array, tails: Array, kind: Array) -> tuple[Array, Array]:
    """Probability of Student's t test: paired (1), equal variances (2) or unequal (3)."""
    tails, kind = trunc(xp, tails), trunc(xp, kind)
    first, second = cells(xp, first), cells(xp, second)
    unequal_sizes = first.shape[0] != second.shape[0]
    if unequal_sizes:
        paired = (xp.full(first.shape[1:], xp.nan), xp.ones(first.shape[1:]))
    else:
        paired = _paired_t(xp, first, second)
    pooled = _two_sample_t(xp, first, second, equal=True)
    welch = _two_sample_t(xp, first, second, equal=False)
    statistic = xp.where(kind == 1.0, paired[0], xp.where(kind == 2.0, pooled[0], welch[0]))
    freedom = xp.where(kind == 1.0, paired[1], xp.where(kind == 2.0, pooled[1], welch[1]))
    value = tails * special(xp, "stdtr")(freedom, -xp.abs(statistic))
    bad = ((tails != 1.0) & (tails != 2.0)) | ((kind != 1.0) & (kind != 2.0) & (kind != 3.0))
    return with_errors(
        xp,
        value,
        (bad, ExcelError.NUM),
        ((kind == 1.0) & unequal_sizes, ExcelError.NA),
        (~xp.isfinite(value), ExcelError.DIV0),
    )


def z_test(xp: Any, values: Array, x: Array, sigma: Array = _OMITTED) -> Array:
    """One-tailed probability of the z test of ``x`` against the sample's mean."""
    count, mean, variance = _sample(xp, values)
    known = ~xp.isnan(xp.asarray(sigma, dtype=xp.float64))
    spread = xp.where(known, sigma, xp.sqrt(variance))
    value = 1.0 - special(xp, "ndtr")((mean - x) / (spread / xp.sqrt(count)))
    return with_errors(
        xp,
        value,
        (known & (xp.asarray(sigma) <= 0.0), ExcelError.NUM),
        ((count < 2.0) | ~xp.isfinite(value), ExcelError.DIV0),
    )


def f_test(xp: Any, first: Array, second: Array) -> tuple[Array, Array]:
    """Two-tailed probability that two samples' variances do not differ."""
    n1, _, v1 = _sample(xp, first)
    n2, _, v2 = _sample(xp, second)
    ratio = v1 / v2
    lower = special(xp, "fdtr")(n1 - 1.0, n2 - 1.0, ratio)
    value = 2.0 * xp.minimum(lower, 1.0 - lower)
    bad = (n1 < 2.0) | (n2 < 2.0) | (v1 == 0.0) | (v2 == 0.0) | ~xp.isfinite(value)
    return with_errors(xp, value, (bad, ExcelError.DIV0))


def chisq_test(xp: Any, actual: Array, expected: Array, freedom: float) -> tuple[Array, Array]:
    """Probability of the chi-squared independence test with ``freedom`` degrees of freedom
    (Excel derives them from the shape of the actual range)."""
    actual, expected = cells(xp, actual), cells(xp, expected)
    shape = xp.broadcast_arrays(actual[0], expected[0])[0].shape
    if actual.shape[0] != expected.shape[0] or freedom < 1:
        return with_errors(xp, xp.full(shape, xp.nan), (True, ExcelError.NA))
    present = ~xp.isnan(actual) & ~xp.isnan(expected)
    terms = xp.where(present, (actual - expected) ** 2 / xp.where(present, expected, 1.0), 0.0)
    statistic = xp.sum(terms, axis=0)
    value = special(xp, "chdtrc")(float(freedom), statistic)
    negative = xp.any(present & ((actual < 0.0) | (expected < 0.0)), axis=0)
    zero = xp.any(present & (expected == 0.0), axis=0) | ~xp.any(present, axis=0)
    return with_errors(xp, value, (negative, ExcelError.NUM), (zero, ExcelError.DIV0))


def prob(
    xp: Any, xs: Array, probabilities: Array, lower: Array, upper: Array = _OMITTED
) -> tuple[Array, Array]:
    """Probability that a value of the discrete distribution lies in [lower, upper] (or equals
    ``lower`` when ``upper`` is omitted); the probabilities must sum to 1."""
    xs, probabilities = cells(xp, xs), cells(xp, probabilities)
    shape = xp.broadcast_arrays(xs[0], probabilities[0], xp.asarray(lower))[0].shape
    if xs.shape[0] != probabilities.shape[0]:
        return with_errors(xp, xp.full(shape, xp.nan), (True, ExcelError.NA))
    upper = xp.where(xp.isnan(xp.asarray(upper, dtype=xp.float64)), lower, upper)
    weights = xp.where(xp.isnan(probabilities), 0.0, probabilities)
    total = xp.zeros(shape)
    inside = xp.zeros(shape)
    for row in range(xs.shape[0]):
        total = total + weights[row]
        chosen = (xs[row] >= lower) & (xs[row] <= upper)
        inside = inside + xp.where(chosen, weights[row], 0.0)
    bad = xp.any((probabilities < 0.0) | (probabilities > 1.0), axis=0)
    bad = bad | (xp.abs(total - 1.0) > 1e-10)
    return with_errors(xp, inside, (bad, ExcelError.NUM))


def _binomial_cdf(xp: Any, k: Array, n: Array, p: Array) -> Array:
    """P(at most k successes in n trials), 0 below 0 and 1 from n on."""
    upper_tail = special(xp, "betaincc")(xp.maximum(k, 0.0) + 1.0, xp.maximum(n - k, 1.0), p)
    return xp.where(k < 0.0, 0.0, xp.where(k >= n, 1.0, upper_tail))


def binom_dist_range(xp: Any, trials: Array, p: Array, low: Array, high: Array = _OMITTED) -> Array:
    """Probability of between ``low`` and ``high`` successes (exactly ``low`` by default)."""
    trials, low = trunc(xp, trials), trunc(xp, low)
    high = trunc(xp, xp.where(xp.isnan(xp.asarray(high, dtype=xp.float64)), low, high))
    value = _binomial_cdf(xp, high, trials, p) - _binomial_cdf(xp, low - 1.0, trials, p)
    bad = (trials < 0.0) | (p < 0.0) | (p > 1.0) | (low < 0.0) | (low > trials)
    return fail_where(xp, bad | (high < low) | (high > trials), xp.maximum(value, 0.0))


def permut(xp: Any, n: Array, k: Array) -> Array:
    """Ordered selections of ``k`` from ``n`` items (``n! / (n - k)!``)."""
    n, k = trunc(xp, n), trunc(xp, k)
    value = special(xp, "poch")(n - k + 1.0, k)
    value = xp.where(value < 2.0**53, xp.round(value), value)
    return fail_where(xp, (n < 0.0) | (k < 0.0) | (n < k), value)


def permutationa(xp: Any, n: Array, k: Array) -> Array:
    """Ordered selections of ``k`` from ``n`` items, with repetition (``n ** k``)."""
    n, k = trunc(xp, n), trunc(xp, k)
    return fail_where(xp, (n < 0.0) | (k < 0.0), xp.power(n, k))


_T_TEST = kernel(t_test, (V, V, N, N))
_Z_TEST = kernel(z_test, (V, N, N), (_OMITTED,))
_F_TEST = kernel(f_test, (V, V))

KERNELS: dict[str, Kernel] = {
    "T.TEST": _T_TEST,
    "TTEST": _T_TEST,
    "Z.TEST": _Z_TEST,
    "ZTEST": _Z_TEST,
    "F.TEST": _F_TEST,
    "FTEST": _F_TEST,
    "PROB": kernel(prob, (V, V, N, N), (_OMITTED,)),
    "BINOM.DIST.RANGE": kernel(binom_dist_range, (N,) * 4, (_OMITTED,)),
    "PERMUT": kernel(permut, (N, N)),
    "PERMUTATIONA": kernel(permutationa, (N, N)),
}
