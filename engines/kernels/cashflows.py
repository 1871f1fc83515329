"""Excel's functions over a series of cash flows: NPV, XNPV, IRR, XIRR, MIRR, FVSCHEDULE.

Cash flows arrive as ``(k, n)`` VALUES; cells Excel skips are NaN and take no period, so the
period of a flow is its position among the present cells.
"""

from __future__ import annotations

from typing import Any

from engines.errors import ExcelError
from engines.kernels.solvers import newton
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import cells, fail_where, kernel, skip_missing, trunc, with_errors
from engines.xp import Array

N, V = Arg.NUM, Arg.VALUES
DAYS_PER_YEAR = 365.0
FALLBACK_GUESSES = (0.1, 0.0, -0.5, 1.0, 10.0)


def _periods(xp: Any, present: Array) -> Array:
    """Zero-based period of each present cell, counting only present cells."""
    if bool(xp.all(present)):
        # No cell skipped (the common case): the periods are the positions, the same in every
        # trial, so one column broadcasts instead of a scan over all trials.
        positions = xp.arange(present.shape[0], dtype=xp.float64)
        return positions.reshape((-1,) + (1,) * (present.ndim - 1))
    return xp.cumsum(present, axis=0) - 1.0


def _has_both_signs(xp: Any, flows: Array) -> Array:
    return xp.any(flows > 0.0, axis=0) & xp.any(flows < 0.0, axis=0)


def _present_value(xp: Any, rate: Array, flows: Array, exponents: Array) -> Array:
    """``sum f/(1+r)**e`` per trial."""
    return xp.sum(flows * (1.0 + rate) ** (-exponents), axis=0)


def _discounted(xp: Any, rate: Array, flows: Array, exponents: Array) -> tuple[Array, Array]:
    """``(sum f/(1+r)**e, its derivative in r)`` per trial."""
    growth = 1.0 + rate
    discount = growth ** (-exponents)
    value = xp.sum(flows * discount, axis=0)
    slope = xp.sum(-exponents * flows * discount, axis=0) / growth
    return value, slope


def _rate_root(xp: Any, flows: Array, exponents: Array, guess: Array) -> Array:
    """Newton from ``guess``; trials it fails on retry from Excel's default guess and a few
    others, since Excel still finds a root there when the guess is far off. Flows without
    both signs have no root and come back NaN without retries."""
    solvable = _has_both_signs(xp, flows)
    start = xp.broadcast_arrays(xp.asarray(guess, dtype=xp.float64), flows[0])[0]
    root = newton(xp, lambda r: _discounted(xp, r, flows, exponents), start)
    for fallback in FALLBACK_GUESSES:
        failed = (xp.isnan(root) | (root <= -1.0)) & solvable
        if not bool(xp.any(failed)):
            break
        retry = newton(
            xp, lambda r: _discounted(xp, r, flows, exponents), xp.full(root.shape, fallback)
        )
        root = xp.where(failed, retry, root)
    return fail_where(xp, ~solvable | (root <= -1.0), root)


def npv(xp: Any, rate: Array, values: Array) -> Array:
    """Net present value of flows at the end of periods 1, 2, ..."""
    flows, present = skip_missing(xp, values)
    return _present_value(xp, rate, flows, _periods(xp, present) + 1.0)


def irr(xp: Any, values: Array, guess: Array = 0.1) -> Array:
    """The rate at which NPV of the flows (from period 0) is zero, by Newton's method."""
    flows, present = skip_missing(xp, values)
    periods = _periods(xp, present)
    return _rate_root(xp, flows, periods, guess)


def _dated(xp: Any, values: Array, dates: Array) -> tuple[Array, Array, Array]:
    """``(flows, years since the first date, valid)`` for XNPV and XIRR."""
    values = cells(xp, values)
    dates = trunc(xp, cells(xp, dates))
    if values.shape[0] != dates.shape[0]:
        # Ranges of different sizes are #NUM! in every trial.
        dates = xp.full(values.shape, -1.0)
    values, dates = xp.broadcast_arrays(values, dates)
    present = ~xp.isnan(values) & ~xp.isnan(dates)
    flows = xp.where(present, values, 0.0)
    first_row = xp.argmax(present, axis=0)
    first = xp.take_along_axis(dates, first_row[None, ...], axis=0)
    years = xp.where(present, (dates - first) / DAYS_PER_YEAR, 0.0)
    valid = xp.all(~present | ((dates >= first) & (dates >= 0.0)), axis=0)
    return flows, years, valid & xp.any(present, axis=0)


def xnpv(xp: Any, rate: Array, values: Array, dates: Array) -> Array:
    """Net present value of flows on given dates, discounted from the first date (Excel
    accepts only positive rates)."""
    flows, years, valid = _dated(xp, values, dates)
    value = _present_value(xp, rate, flows, years)
    return fail_where(xp, ~valid | (rate <= 0.0), value)


def xirr(xp: Any, values: Array, dates: Array, guess: Array = 0.1) -> Array:
    """The rate at which XNPV is zero, by Newton's method. Excel refuses a negative guess."""
    flows, years, valid = _dated(xp, values, dates)
    return fail_where(xp, ~valid | (guess < 0.0), _rate_root(xp, flows, years, guess))


def mirr(xp: Any, values: Array, finance_rate: Array, reinvest_rate: Array) -> Array:
    """Modified IRR: outflows financed at one rate, inflows reinvested at another."""
    flows, present = skip_missing(xp, values)
    periods = _periods(xp, present)
    count = xp.sum(present, axis=0)
    gains = xp.sum(xp.where(flows > 0.0, flows, 0.0) * (1.0 + reinvest_rate) ** -periods, axis=0)
    costs = xp.sum(xp.where(flows < 0.0, flows, 0.0) * (1.0 + finance_rate) ** -periods, axis=0)
    ratio = -gains * (1.0 + reinvest_rate) ** (count - 1.0) / costs
    return ratio ** (1.0 / (count - 1.0)) - 1.0


def fvschedule(xp: Any, principal: Array, schedule: Array) -> Array:
    """``principal`` compounded through each rate of ``schedule``."""
    rates, _ = skip_missing(xp, schedule)
    return principal * xp.prod(1.0 + rates, axis=0)


def _npv_errors(xp: Any, rate: Array, values: Array) -> tuple[Array, Array]:
    value = npv(xp, rate, values)
    return with_errors(
        xp, value, (rate == -1.0, ExcelError.DIV0), (~xp.isfinite(value), ExcelError.NUM)
    )


KERNELS: dict[str, Kernel] = {
    "NPV": kernel(_npv_errors, (N, V), variadic=True),
    "IRR": kernel(irr, (V, N), (0.1,), range_error=ExcelError.VALUE),
    "XNPV": kernel(xnpv, (N, V, V)),
    "XIRR": kernel(xirr, (V, V, N), (0.1,)),
    "MIRR": kernel(mirr, (V, N, N), nan_error=ExcelError.DIV0),
    "FVSCHEDULE": kernel(fvschedule, (N, V), nan_error=ExcelError.VALUE),
}
