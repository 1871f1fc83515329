"""Excel's continuous distributions and the statistics built on them.

Each distribution takes Excel's ``cumulative`` flag as a per-trial number (non-zero for the
CDF). Degrees of freedom are truncated to whole numbers, as Excel documents for its t,
chi-squared and F functions. The legacy names (NORMDIST, TDIST, CHIINV ...) map to the same
kernels with Excel's older argument conventions. Discrete distributions and statistics over
ranges live in :mod:`engines.kernels.discrete`, :mod:`engines.kernels.descriptive` and
:mod:`engines.kernels.paired`; this module's ``KERNELS`` gathers them all.
"""

from __future__ import annotations

import math
from typing import Any

from engines.errors import ExcelError
from engines.kernels.descriptive import KERNELS as DESCRIPTIVE_KERNELS
from engines.kernels.discrete import KERNELS as DISCRETE_KERNELS
from engines.kernels.paired import KERNELS as PAIRED_KERNELS
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, special, trunc, with_errors
from engines.xp import Array

N, L = Arg.NUM, Arg.LOGICAL
_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)


def _pick(xp: Any, cumulative: Array, cdf: Array, pdf: Array) -> Array:
    return xp.where(xp.asarray(cumulative) != 0.0, cdf, pdf)


def _open_unit(p: Array) -> Array:
    """Probabilities an inverse rejects: outside (0, 1)."""
    return (p <= 0.0) | (p >= 1.0)


def norm_dist(xp: Any, x: Array, mean: Array, sd: Array, cumulative: Array) -> Array:
    """Normal distribution: CDF or density."""
    z = (x - mean) / sd
    density = xp.exp(-0.5 * z * z - _LOG_SQRT_2PI) / sd
    return fail_where(xp, sd <= 0.0, _pick(xp, cumulative, special(xp, "ndtr")(z), density))


def norm_s_dist(xp: Any, z: Array, cumulative: Array = 1.0) -> Array:
    """Standard normal distribution: CDF or density."""
    return norm_dist(xp, z, 0.0, 1.0, cumulative)


def norm_inv(xp: Any, p: Array, mean: Array, sd: Array) -> Array:
    """Inverse normal CDF."""
    value = mean + sd * special(xp, "ndtri")(p)
    return fail_where(xp, _open_unit(p) | (sd <= 0.0), value)


def norm_s_inv(xp: Any, p: Array) -> Array:
    """Inverse standard normal CDF."""
    return norm_inv(xp, p, 0.0, 1.0)


def lognorm_dist(xp: Any, x: Array, mean: Array, sd: Array, cumulative: Array = 1.0) -> Array:
    """Lognormal distribution of ``x`` whose log has the given mean and sd."""
    safe_x = xp.where(x > 0.0, x, 1.0)
    value = norm_dist(xp, xp.log(safe_x), mean, sd, cumulative)
    value = xp.where(xp.asarray(cumulative) != 0.0, value, value / safe_x)
    return fail_where(xp, x <= 0.0, value)


def lognorm_inv(xp: Any, p: Array, mean: Array, sd: Array) -> Array:
    """Inverse lognormal CDF."""
    return xp.exp(norm_inv(xp, p, mean, sd))


def beta_dist(
    xp: Any,
    x: Array,
    alpha: Array,
    beta: Array,
    cumulative: Array,
    low: Array = 0.0,
    high: Array = 1.0,
) -> Array:
    """Beta distribution on ``[low, high]``."""
    width = high - low
    u = (x - low) / width
    cdf = special(xp, "betainc")(alpha, beta, u)
    log_density = (
        (alpha - 1.0) * xp.log(u) + (beta - 1.0) * xp.log1p(-u) - special(xp, "betaln")(alpha, beta)
    )
    bad = (x < low) | (x > high) | (alpha <= 0.0) | (beta <= 0.0) | (low == high)
    return fail_where(xp, bad, _pick(xp, cumulative, cdf, xp.exp(log_density) / width))


def betadist(
    xp: Any, x: Array, alpha: Array, beta: Array, low: Array = 0.0, high: Array = 1.0
) -> Array:
    """Legacy BETADIST: the beta CDF."""
    return beta_dist(xp, x, alpha, beta, 1.0, low, high)


def beta_inv(
    xp: Any, p: Array, alpha: Array, beta: Array, low: Array = 0.0, high: Array = 1.0
) -> Array:
    """Inverse beta CDF on ``[low, high]``."""
    value = low + (high - low) * special(xp, "betaincinv")(alpha, beta, p)
    bad = (p <= 0.0) | (p > 1.0) | (alpha <= 0.0) | (beta <= 0.0) | (low >= high)
    return fail_where(xp, bad, value)


def gamma_dist(xp: Any, x: Array, alpha: Array, beta: Array, cumulative: Array) -> Array:
    """Gamma distribution with shape ``alpha`` and scale ``beta``."""
    scaled = x / beta
    cdf = special(xp, "gammainc")(alpha, scaled)
    log_density = (
        (alpha - 1.0) * xp.log(scaled) - scaled - special(xp, "gammaln")(alpha) - xp.log(beta)
    )
    density = xp.where((x == 0.0) & (alpha == 1.0), 1.0 / beta, xp.exp(log_density))
    bad = (x < 0.0) | (alpha <= 0.0) | (beta <= 0.0)
    return fail_where(xp, bad, _pick(xp, cumulative, cdf, density))


def gamma_inv(xp: Any, p: Array, alpha: Array, beta: Array) -> Array:
    """Inverse gamma CDF."""
    value = special(xp, "gammaincinv")(alpha, p) * beta
    return fail_where(xp, (p < 0.0) | (p >= 1.0) | (alpha <= 0.0) | (beta <= 0.0), value)


def gammaln(xp: Any, x: Array) -> Array:
    """Natural log of the gamma function, for positive ``x``."""
    return fail_where(xp, x <= 0.0, special(xp, "gammaln")(x))


def gamma(xp: Any, x: Array) -> Array:
    """The gamma function; zero and negative integers are #NUM!."""
    return fail_where(xp, (x <= 0.0) & (x == xp.floor(x)), special(xp, "gamma")(x))


def t_dist(xp: Any, x: Array, df: Array, cumulative: Array) -> tuple[Array, Array]:
    """Student's t distribution (left tail or density)."""
    df = trunc(xp, df)
    log_density = (
        special(xp, "gammaln")((df + 1.0) / 2.0)
        - special(xp, "gammaln")(df / 2.0)
        - 0.5 * xp.log(df * math.pi)
        - (df + 1.0) / 2.0 * xp.log1p(x * x / df)
    )
    cdf = special(xp, "stdtr")(df, x)
    value = _pick(xp, cumulative, cdf, xp.exp(log_density))
    # Excel's density divides by the truncated degrees of freedom before range-checking them.
    density_of_zero = (trunc(xp, df) == 0.0) & (xp.asarray(cumulative) == 0.0)
    return with_errors(
        xp,
        value,
        (density_of_zero, ExcelError.DIV0),
        ((df < 1.0) | ~xp.isfinite(value), ExcelError.NUM),
    )


def t_dist_2t(xp: Any, x: Array, df: Array) -> Array:
    """Two-tailed t probability."""
    df = trunc(xp, df)
    return fail_where(xp, (x < 0.0) | (df < 1.0), 2.0 * special(xp, "stdtr")(df, -x))


def t_dist_rt(xp: Any, x: Array, df: Array) -> Array:
    """Right-tailed t probability."""
    df = trunc(xp, df)
    return fail_where(xp, df < 1.0, special(xp, "stdtr")(df, -x))


def tdist(xp: Any, x: Array, df: Array, tails: Array) -> Array:
    """Legacy TDIST: one or two tails, whole degrees of freedom."""
    df, tails = trunc(xp, df), trunc(xp, tails)
    bad = (x < 0.0) | (df < 1.0) | ((tails != 1.0) & (tails != 2.0))
    return fail_where(xp, bad, tails * special(xp, "stdtr")(df, -x))


def t_inv(xp: Any, p: Array, df: Array) -> Array:
    """Inverse of the t distribution's left tail."""
    df = trunc(xp, df)
    return fail_where(xp, _open_unit(p) | (df < 1.0), special(xp, "stdtrit")(df, p))


def t_inv_2t(xp: Any, p: Array, df: Array) -> Array:
    """Inverse of the two-tailed t probability."""
    df = trunc(xp, df)
    bad = (p <= 0.0) | (p > 1.0) | (df < 1.0)
    return fail_where(xp, bad, -special(xp, "stdtrit")(df, p / 2.0))


def chisq_dist(xp: Any, x: Array, df: Array, cumulative: Array) -> Array:
    """Chi-squared distribution: CDF or density."""
    df = trunc(xp, df)
    value = gamma_dist(xp, x, df / 2.0, 2.0, cumulative)
    return fail_where(xp, (df < 1.0) | (df > 1e10), value)


def chisq_dist_rt(xp: Any, x: Array, df: Array) -> Array:
    """Right tail of the chi-squared distribution."""
    df = trunc(xp, df)
    value = special(xp, "gammaincc")(df / 2.0, x / 2.0)
    return fail_where(xp, (x < 0.0) | (df < 1.0) | (df > 1e10), value)


def chisq_inv(xp: Any, p: Array, df: Array) -> Array:
    """Inverse chi-squared CDF."""
    df = trunc(xp, df)
    return fail_where(xp, (df < 1.0) | (df > 1e10), gamma_inv(xp, p, df / 2.0, 2.0))


def chisq_inv_rt(xp: Any, p: Array, df: Array) -> Array:
    """Inverse of the chi-squared right tail."""
    df = trunc(xp, df)
    value = 2.0 * special(xp, "gammainccinv")(df / 2.0, p)
    return fail_where(xp, (p <= 0.0) | (p > 1.0) | (df < 1.0) | (df > 1e10), value)


def f_dist(xp: Any, x: Array, df1: Array, df2: Array, cumulative: Array) -> Array:
    """F distribution: CDF or density."""
    df1, df2 = trunc(xp, df1), trunc(xp, df2)
    cdf = special(xp, "fdtr")(df1, df2, x)
    log_density = (
        0.5 * df1 * xp.log(df1 * x)
        + 0.5 * df2 * xp.log(df2)
        - 0.5 * (df1 + df2) * xp.log(df1 * x + df2)
        - xp.log(x)
        - special(xp, "betaln")(df1 / 2.0, df2 / 2.0)
    )
    bad = (x < 0.0) | (df1 < 1.0) | (df2 < 1.0)
    return fail_where(xp, bad, _pick(xp, cumulative, cdf, xp.exp(log_density)))


def f_dist_rt(xp: Any, x: Array, df1: Array, df2: Array) -> Array:
    """Right tail of the F distribution."""
    df1, df2 = trunc(xp, df1), trunc(xp, df2)
    value = special(xp, "fdtrc")(df1, df2, x)
    return fail_where(xp, (x < 0.0) | (df1 < 1.0) | (df2 < 1.0), value)


def _f_from_beta(xp: Any, b: Array, df1: Array, df2: Array) -> Array:
    return df2 * b / (df1 * (1.0 - b))


def f_inv(xp: Any, p: Array, df1: Array, df2: Array) -> Array:
    """Inverse F CDF."""
    df1, df2 = trunc(xp, df1), trunc(xp, df2)
    b = special(xp, "betaincinv")(df1 / 2.0, df2 / 2.0, p)
    bad = (p < 0.0) | (p > 1.0) | (df1 < 1.0) | (df2 < 1.0)
    return fail_where(xp, bad, _f_from_beta(xp, b, df1, df2))


def f_inv_rt(xp: Any, p: Array, df1: Array, df2: Array) -> Array:
    """Inverse of the F right tail."""
    df1, df2 = trunc(xp, df1), trunc(xp, df2)
    # The right tail of F is the left tail of the beta with its parameters swapped.
    complement = special(xp, "betaincinv")(df2 / 2.0, df1 / 2.0, p)
    bad = (p < 0.0) | (p > 1.0) | (df1 < 1.0) | (df2 < 1.0)
    return fail_where(xp, bad, df2 * (1.0 - complement) / (df1 * complement))


def expon_dist(xp: Any, x: Array, rate: Array, cumulative: Array) -> Array:
    """Exponential distribution with rate ``lambda``."""
    value = _pick(xp, cumulative, -xp.expm1(-rate * x), rate * xp.exp(-rate * x))
    return fail_where(xp, (x < 0.0) | (rate <= 0.0), value)


def weibull_dist(xp: Any, x: Array, alpha: Array, beta: Array, cumulative: Array) -> Array:
    """Weibull distribution with shape ``alpha`` and scale ``beta``."""
    power = (x / beta) ** alpha
    density = alpha / beta * (x / beta) ** (alpha - 1.0) * xp.exp(-power)
    value = _pick(xp, cumulative, -xp.expm1(-power), density)
    return fail_where(xp, (x < 0.0) | (alpha <= 0.0) | (beta <= 0.0), value)


def confidence_norm(xp: Any, alpha: Array, sd: Array, size: Array) -> Array:
    """Half-width of a normal confidence interval for a mean."""
    size = trunc(xp, size)
    value = -special(xp, "ndtri")(alpha / 2.0) * sd / xp.sqrt(size)
    return fail_where(xp, _open_unit(alpha) | (sd <= 0.0) | (size < 1.0), value)


def confidence_t(xp: Any, alpha: Array, sd: Array, size: Array) -> tuple[Array, Array]:
    """Half-width of a Student-t confidence interval for a mean."""
    size = trunc(xp, size)
    value = -special(xp, "stdtrit")(size - 1.0, alpha / 2.0) * sd / xp.sqrt(size)
    return with_errors(
        xp,
        value,
        (_open_unit(alpha) | (sd <= 0.0) | (size < 1.0), ExcelError.NUM),
        (size == 1.0, ExcelError.DIV0),
    )


def standardize(xp: Any, x: Array, mean: Array, sd: Array) -> Array:
    """``(x - mean) / sd``."""
    return fail_where(xp, sd <= 0.0, (x - mean) / sd)


def fisher(xp: Any, x: Array) -> Array:
    """Fisher transformation."""
    return fail_where(xp, (x <= -1.0) | (x >= 1.0), xp.arctanh(x))


def fisherinv(xp: Any, y: Array) -> Array:
    """Inverse Fisher transformation."""
    return xp.tanh(y)


def phi(xp: Any, x: Array) -> Array:
    """Standard normal density."""
    return norm_dist(xp, x, 0.0, 1.0, 0.0)


def gauss(xp: Any, x: Array) -> Array:
    """Probability a standard normal falls between its mean and ``x``."""
    return special(xp, "ndtr")(x) - 0.5


_NORM_DIST = kernel(norm_dist, (N, N, N, L))
_NORM_INV = kernel(norm_inv, (N,) * 3)
_NORM_S_INV = kernel(norm_s_inv, (N,))
_LOGNORM_INV = kernel(lognorm_inv, (N,) * 3)
_BETA_INV = kernel(beta_inv, (N,) * 5, (0.0, 1.0))
_GAMMA_DIST = kernel(gamma_dist, (N, N, N, L))
_GAMMA_INV = kernel(gamma_inv, (N,) * 3)
_GAMMALN = kernel(gammaln, (N,))
_CHISQ_INV_RT = kernel(chisq_inv_rt, (N, N))
_CHISQ_DIST_RT = kernel(chisq_dist_rt, (N, N))
_T_INV_2T = kernel(t_inv_2t, (N, N))
_F_DIST_RT = kernel(f_dist_rt, (N,) * 3)
_F_INV_RT = kernel(f_inv_rt, (N,) * 3)
_EXPON_DIST = kernel(expon_dist, (N, N, L))
_WEIBULL_DIST = kernel(weibull_dist, (N, N, N, L))
_CONFIDENCE_NORM = kernel(confidence_norm, (N,) * 3)

KERNELS: dict[str, Kernel] = {
    "NORM.DIST": _NORM_DIST,
    "NORMDIST": _NORM_DIST,
    "NORM.S.DIST": kernel(norm_s_dist, (N, L)),
    "NORMSDIST": kernel(norm_s_dist, (N,)),
    "NORM.INV": _NORM_INV,
    "NORMINV": _NORM_INV,
    "NORM.S.INV": _NORM_S_INV,
    "NORMSINV": _NORM_S_INV,
    "LOGNORM.DIST": kernel(lognorm_dist, (N, N, N, L)),
    "LOGNORMDIST": kernel(lognorm_dist, (N,) * 3),
    "LOGNORM.INV": _LOGNORM_INV,
    "LOGINV": _LOGNORM_INV,
    "BETA.DIST": kernel(beta_dist, (N, N, N, L, N, N), (0.0, 1.0)),
    "BETADIST": kernel(betadist, (N,) * 5, (0.0, 1.0)),
    "BETA.INV": _BETA_INV,
    "BETAINV": _BETA_INV,
    "GAMMA.DIST": _GAMMA_DIST,
    "GAMMADIST": _GAMMA_DIST,
    "GAMMA.INV": _GAMMA_INV,
    "GAMMAINV": _GAMMA_INV,
    "GAMMALN": _GAMMALN,
    "GAMMALN.PRECISE": _GAMMALN,
    "GAMMA": kernel(gamma, (N,)),
    "T.DIST": kernel(t_dist, (N, N, L)),
    "T.DIST.2T": kernel(t_dist_2t, (N, N)),
    "T.DIST.RT": kernel(t_dist_rt, (N, N)),
    "TDIST": kernel(tdist, (N,) * 3),
    "T.INV": kernel(t_inv, (N, N)),
    "T.INV.2T": _T_INV_2T,
    "TINV": _T_INV_2T,
    "CHISQ.DIST": kernel(chisq_dist, (N, N, L)),
    "CHISQ.DIST.RT": _CHISQ_DIST_RT,
    "CHIDIST": _CHISQ_DIST_RT,
    "CHISQ.INV": kernel(chisq_inv, (N, N)),
    "CHISQ.INV.RT": _CHISQ_INV_RT,
    "CHIINV": _CHISQ_INV_RT,
    "F.DIST": kernel(f_dist, (N, N, N, L)),
    "F.DIST.RT": _F_DIST_RT,
    "FDIST": _F_DIST_RT,
    "F.INV": kernel(f_inv, (N,) * 3),
    "F.INV.RT": _F_INV_RT,
    "FINV": _F_INV_RT,
    "EXPON.DIST": _EXPON_DIST,
    "EXPONDIST": _EXPON_DIST,
    "WEIBULL.DIST": _WEIBULL_DIST,
    "WEIBULL": _WEIBULL_DIST,
    "CONFIDENCE.NORM": _CONFIDENCE_NORM,
    "CONFIDENCE": _CONFIDENCE_NORM,
    "CONFIDENCE.T": kernel(confidence_t, (N,) * 3),
    "STANDARDIZE": kernel(standardize, (N,) * 3),
    "FISHER": kernel(fisher, (N,)),
    "FISHERINV": kernel(fisherinv, (N,)),
    "PHI": kernel(phi, (N,)),
    "GAUSS": kernel(gauss, (N,)),
    **DISCRETE_KERNELS,
    **DESCRIPTIVE_KERNELS,
    **PAIRED_KERNELS,
}
