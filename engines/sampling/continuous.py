"""Continuous @RISK families with closed-form or special-function inverse CDFs.

Parameterisations follow @RISK (the scipy.stats equivalents are spelled out in the tests).
"""

from __future__ import annotations

from typing import Any

from engines.sampling.checks import ordered, positive
from engines.sampling.errors import require
from engines.sampling.family import Family, Params
from engines.sampling.special import special
from engines.xp import Array


def _normal_ppf(xp: Any, u: Array, p: Params) -> Array:
    return p[0] + p[1] * special(xp, "ndtri", u)


def _normal_cdf(xp: Any, x: Array, p: Params) -> Array:
    return special(xp, "ndtr", (x - p[0]) / p[1])


def _lognorm_underlying(xp: Any, p: Params) -> tuple[Array, Array]:
    """(mu, sigma) of the normal underlying RiskLognorm(mean, sd)."""
    mean, sd = p
    var = xp.log1p((sd / mean) ** 2)
    return xp.log(mean) - var / 2, xp.sqrt(var)


def _lognorm2_ppf(xp: Any, u: Array, p: Params) -> Array:
    return xp.exp(_normal_ppf(xp, u, p))


def _lognorm2_cdf(xp: Any, x: Array, p: Params) -> Array:
    safe = xp.where(x > 0, x, 1.0)
    return xp.where(x > 0, _normal_cdf(xp, xp.log(safe), p), 0.0)


def _triang_ppf(xp: Any, u: Array, p: Params) -> Array:
    lo, mode, hi = p
    split = (mode - lo) / (hi - lo)
    left = lo + xp.sqrt(u * (hi - lo) * (mode - lo))
    right = hi - xp.sqrt((1 - u) * (hi - lo) * (hi - mode))
    return xp.where(u < split, left, right)


def _triang_cdf(xp: Any, x: Array, p: Params) -> Array:
    lo, mode, hi = p
    c = xp.clip(x, lo, hi)
    left = (c - lo) ** 2 / xp.where(mode > lo, (hi - lo) * (mode - lo), 1.0)
    right = 1 - (hi - c) ** 2 / xp.where(hi > mode, (hi - lo) * (hi - mode), 1.0)
    return xp.where(c <= mode, xp.where(mode > lo, left, 0.0), xp.where(hi > mode, right, 1.0))


def trigen_bounds(xp: Any, p: Params) -> tuple[Array, Array]:
    """The (min, max) of the triangle whose bottom_perc and top_perc percentiles are given.

    Each bound solves a quadratic given the other; alternating the two is a contraction that
    settles to double precision within a few dozen rounds for any feasible input.
    """
    bottom, mode, top, bottom_perc, top_perc = p
    lo_p, hi_p = bottom_perc / 100.0, top_perc / 100.0
    below, above = mode - bottom, top - mode
    left, right = below + 0.0 * above, above + 0.0 * below
    for _ in range(200):
        b = 2 * below + lo_p * right
        new_left = (b + xp.sqrt(xp.maximum(b * b - 4 * (1 - lo_p) * below**2, 0))) / (
            2 * (1 - lo_p)
        )
        c = 2 * above + (1 - hi_p) * new_left
        new_right = (c + xp.sqrt(xp.maximum(c * c - 4 * hi_p * above**2, 0))) / (2 * hi_p)
        step = xp.max(xp.abs(new_left - left) + xp.abs(new_right - right))
        left, right = new_left, new_right
        if float(step) <= 1e-15 * float(xp.max(left + right)):
            break
    return mode - left, mode + right


def _trigen_check(xp: Any, p: Params) -> None:
    bottom, mode, top, bottom_perc, top_perc = p
    dist = "RiskTrigen"
    require(xp, dist, bottom < top, "bottom", "< top", bottom)
    in_range = (mode >= bottom) & (mode <= top)
    require(xp, dist, in_range, "most likely", "between bottom and top", mode)
    require(
        xp,
        dist,
        (bottom_perc >= 0) & (bottom_perc < 100),
        "bottom perc",
        "in [0, 100)",
        bottom_perc,
    )
    require(
        xp,
        dist,
        (top_perc > bottom_perc) & (top_perc <= 100),
        "top perc",
        "in (bottom perc, 100]",
        top_perc,
    )


def _trigen_triang(xp: Any, p: Params) -> tuple[Array, Array, Array]:
    lo, hi = trigen_bounds(xp, p)
    return lo, p[1], hi


def _pert_shapes(p: Params) -> tuple[Array, Array]:
    lo, mode, hi = p
    return 1 + 4 * (mode - lo) / (hi - lo), 1 + 4 * (hi - mode) / (hi - lo)


def _beta_ppf(xp: Any, u: Array, a1: Array, a2: Array, lo: Array, hi: Array) -> Array:
    return lo + (hi - lo) * special(xp, "betaincinv", a1, a2, u)


def _beta_cdf(xp: Any, x: Array, a1: Array, a2: Array, lo: Array, hi: Array) -> Array:
    return special(xp, "betainc", a1, a2, xp.clip((x - lo) / (hi - lo), 0.0, 1.0))


def _beta_general_check(xp: Any, p: Params) -> None:
    positive("RiskBetaGeneral", "alpha1", "alpha2")(xp, p[:2])
    require(xp, "RiskBetaGeneral", p[2] < p[3], "min", "< max", p[2])


def _student_mean(xp: Any, p: Params) -> Array:
    # The mean is undefined for nu <= 1; the median (0) is the natural static value there.
    return 0.0 * p[0]


def _from_exp(xp: Any, x: Array, survival: Array) -> Array:
    return xp.where(x > 0, -xp.expm1(-survival), 0.0)


FAMILIES = (
    Family(
        "RiskNormal",
        ("mean", "sd"),
        lambda xp, p: require(xp, "RiskNormal", p[1] > 0, "sd", "> 0", p[1]),
        _normal_ppf,
        _normal_cdf,
        lambda xp, p: p[0] + 0.0 * p[1],
    ),
    Family(
        "RiskLognorm",
        ("mean", "sd"),
        positive("RiskLognorm", "mean", "sd"),
        lambda xp, u, p: _lognorm2_ppf(xp, u, _lognorm_underlying(xp, p)),
        lambda xp, x, p: _lognorm2_cdf(xp, x, _lognorm_underlying(xp, p)),
        lambda xp, p: p[0] + 0.0 * p[1],
    ),
    Family(
        "RiskLognorm2",
        ("mu", "sigma"),
        lambda xp, p: require(xp, "RiskLognorm2", p[1] > 0, "sigma", "> 0", p[1]),
        _lognorm2_ppf,
        _lognorm2_cdf,
        lambda xp, p: xp.exp(p[0] + p[1] ** 2 / 2),
    ),
    Family(
        "RiskUniform",
        ("min", "max"),
        lambda xp, p: require(xp, "RiskUniform", p[0] < p[1], "min", "< max", p[0]),
        lambda xp, u, p: p[0] + u * (p[1] - p[0]),
        lambda xp, x, p: xp.clip((x - p[0]) / (p[1] - p[0]), 0.0, 1.0),
        lambda xp, p: (p[0] + p[1]) / 2,
    ),
    Family(
        "RiskTriang",
        ("min", "mode", "max"),
        ordered("RiskTriang"),
        _triang_ppf,
        _triang_cdf,
        lambda xp, p: (p[0] + p[1] + p[2]) / 3,
    ),
    Family(
        "RiskTrigen",
        ("bottom", "most likely", "top", "bottom perc", "top perc"),
        _trigen_check,
        lambda xp, u, p: _triang_ppf(xp, u, _trigen_triang(xp, p)),
        lambda xp, x, p: _triang_cdf(xp, x, _trigen_triang(xp, p)),
        lambda xp, p: sum(_trigen_triang(xp, p)) / 3,
    ),
    Family(
        "RiskPert",
        ("min", "mode", "max"),
        ordered("RiskPert"),
        lambda xp, u, p: _beta_ppf(xp, u, *_pert_shapes(p), p[0], p[2]),
        lambda xp, x, p: _beta_cdf(xp, x, *_pert_shapes(p), p[0], p[2]),
        lambda xp, p: (p[0] + 4 * p[1] + p[2]) / 6,
    ),
    Family(
        "RiskBetaGeneral",
        ("alpha1", "alpha2", "min", "max"),
        _beta_general_check,
        lambda xp, u, p: _beta_ppf(xp, u, *p),
        lambda xp, x, p: _beta_cdf(xp, x, *p),
        lambda xp, p: p[2] + (p[3] - p[2]) * p[0] / (p[0] + p[1]),
    ),
    Family(
        "RiskExpon",
        ("beta",),
        positive("RiskExpon", "beta"),
        lambda xp, u, p: -p[0] * xp.log1p(-u),
        lambda xp, x, p: _from_exp(xp, x, xp.maximum(x, 0) / p[0]),
        lambda xp, p: p[0],
    ),
    Family(
        "RiskGamma",
        ("alpha", "beta"),
        positive("RiskGamma", "alpha", "beta"),
        lambda xp, u, p: p[1] * special(xp, "gammaincinv", p[0], u),
        lambda xp, x, p: special(xp, "gammainc", p[0], xp.maximum(x, 0) / p[1]),
        lambda xp, p: p[0] * p[1],
    ),
    Family(
        "RiskWeibull",
        ("alpha", "beta"),
        positive("RiskWeibull", "alpha", "beta"),
        lambda xp, u, p: p[1] * (-xp.log1p(-u)) ** (1 / p[0]),
        lambda xp, x, p: _from_exp(xp, x, (xp.maximum(x, 0) / p[1]) ** p[0]),
        lambda xp, p: p[1] * special(xp, "gamma", 1 + 1 / p[0]),
    ),
    Family(
        "RiskStudent",
        ("nu",),
        positive("RiskStudent", "nu"),
        lambda xp, u, p: special(xp, "stdtrit", p[0] + 0.0 * u, u),
        lambda xp, x, p: special(xp, "stdtr", p[0] + 0.0 * x, x),
        _student_mean,
    ),
)
