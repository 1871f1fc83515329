"""Excel's time-value-of-money functions, plus the cash-flow, depreciation and securities families.

Excel's sign convention holds throughout: money paid out is negative, money received positive.
``type`` (payments at period start) counts as 1 for any non-zero value, as in Excel.
"""

from __future__ import annotations

from typing import Any

from engines.errors import ExcelError
from engines.kernels.cashflows import KERNELS as CASHFLOW_KERNELS
from engines.kernels.depreciation import KERNELS as DEPRECIATION_KERNELS
from engines.kernels.securities import KERNELS as SECURITY_KERNELS
from engines.kernels.solvers import newton
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc, with_errors
from engines.xp import Array

N = Arg.NUM


def _growth(xp: Any, rate: Array, nper: Array) -> tuple[Array, Array]:
    """``((1+rate)**nper, ((1+rate)**nper - 1) / rate)``, the annuity factor exact near rate 0."""
    rate = xp.asarray(rate, dtype=xp.float64)
    log_growth = nper * xp.log1p(rate)
    annuity = xp.where(rate == 0.0, nper, xp.expm1(log_growth) / xp.where(rate == 0.0, 1.0, rate))
    # (1+rate)**nper directly where log1p is undefined (rate <= -1), as Excel's power would be
    growth = xp.where(rate > -1.0, xp.exp(log_growth), (1.0 + rate) ** nper)
    annuity = xp.where(rate > -1.0, annuity, (growth - 1.0) / rate)
    return growth, annuity


def _due(xp: Any, pay_type: Array) -> Array:
    return xp.where(xp.asarray(pay_type) != 0, 1.0, 0.0)


def pmt(
    xp: Any, rate: Array, nper: Array, pv: Array, fv: Array = 0.0, pay_type: Array = 0.0
) -> Array:
    """The level payment that takes ``pv`` to ``fv`` over ``nper`` periods."""
    growth, annuity = _growth(xp, rate, nper)
    return -(fv + pv * growth) / ((1.0 + rate * _due(xp, pay_type)) * annuity)


def fv(
    xp: Any, rate: Array, nper: Array, payment: Array, pv: Array = 0.0, pay_type: Array = 0.0
) -> Array:
    """The balance after ``nper`` periods of ``payment`` on an opening ``pv``."""
    growth, annuity = _growth(xp, rate, nper)
    return -(pv * growth + payment * (1.0 + rate * _due(xp, pay_type)) * annuity)


def pv(
    xp: Any, rate: Array, nper: Array, payment: Array, fv: Array = 0.0, pay_type: Array = 0.0
) -> Array:
    """The present value of ``nper`` payments and a final ``fv``."""
    growth, annuity = _growth(xp, rate, nper)
    return -(fv + payment * (1.0 + rate * _due(xp, pay_type)) * annuity) / growth


def nper(
    xp: Any, rate: Array, payment: Array, pv: Array, fv: Array = 0.0, pay_type: Array = 0.0
) -> Array:
    """The number of periods for ``payment`` to take ``pv`` to ``fv``."""
    rate = xp.asarray(rate, dtype=xp.float64)
    level = payment * (1.0 + rate * _due(xp, pay_type))
    safe_rate = xp.where(rate == 0.0, 1.0, rate)
    periods = xp.log((level - fv * safe_rate) / (level + pv * safe_rate)) / xp.log1p(safe_rate)
    return xp.where(rate == 0.0, -(pv + fv) / payment, periods)


def ipmt(
    xp: Any,
    rate: Array,
    per: Array,
    nper: Array,
    present: Array,
    future: Array = 0.0,
    pay_type: Array = 0.0,
) -> Array:
    """The interest part of payment number ``per``."""
    due = _due(xp, pay_type)
    payment = pmt(xp, rate, nper, present, future, due)
    # With payments in advance the first one carries no interest, and period k's interest
    # accrued on the balance left after payment k-1.
    balance = xp.where(
        due == 1.0,
        fv(xp, rate, per - 2.0, payment, present, due) - payment,
        fv(xp, rate, per - 1.0, payment, present, due),
    )
    interest = xp.where(per == 1.0, xp.where(due == 1.0, 0.0, -present), balance) * rate
    return fail_where(xp, (per < 1.0) | (per > nper), interest)


def _principal_level(xp: Any, rate: Array, nper: Array, pv: Array, fv: Array) -> Array:
    """Principal repaid by the first regular payment, without the cancellation of PMT - IPMT.

    Each later payment repays (1 + rate) times more. Scaling this level keeps the tiny
    principal parts of high-rate loans exact, as Excel's are.
    """
    _, annuity = _growth(xp, rate, nper)
    return -(pv + fv) / annuity


def ppmt(
    xp: Any, rate: Array, per: Array, nper: Array, pv: Array, fv: Array = 0.0, pay_type: Array = 0.0
) -> Array:
    """The principal part of payment number ``per``."""
    due = _due(xp, pay_type)
    regular = _principal_level(xp, rate, nper, pv, fv) * (1.0 + rate) ** (per - 1.0 - due)
    # In advance, the first payment carries no interest: all of it is principal.
    principal = xp.where((due == 1.0) & (per == 1.0), pmt(xp, rate, nper, pv, fv, due), regular)
    return fail_where(xp, (per < 1.0) | (per > nper), principal)


def _cumulative(
    xp: Any, rate: Array, nper: Array, pv: Array, start: Array, end: Array, pay_type: Array
) -> tuple[Array, Array]:
    """``(interest, principal)`` summed over periods ``start..end`` (CUMIPMT's rules)."""
    # Excel truncates the period numbers; nper stays fractional (its cached results show it).
    start, end = trunc(xp, start), trunc(xp, end)
    due = xp.asarray(pay_type, dtype=xp.float64)
    payment = pmt(xp, rate, nper, pv, 0.0, due)
    # Regular principal parts grow geometrically (see PPMT); in advance, period 1 is all
    # principal and the series starts at period 2.
    first = xp.where(due == 1.0, xp.maximum(start, 2.0) - 2.0, start - 1.0)
    count = end - first - due
    _, annuity = _growth(xp, rate, count)
    series = _principal_level(xp, rate, nper, pv, 0.0) * (1.0 + rate) ** first * annuity
    principal = series + xp.where((due == 1.0) & (start == 1.0), payment, 0.0)
    interest = payment * (end - start + 1.0) - principal
    bad = (
        (rate <= 0.0)
        | (nper <= 0.0)
        | (pv <= 0.0)
        | (start < 1.0)
        | (end < start)
        | (end > nper)
        | ((due != 0.0) & (due != 1.0))
    )
    return fail_where(xp, bad, interest), fail_where(xp, bad, principal)


def cumipmt(
    xp: Any, rate: Array, nper: Array, pv: Array, start: Array, end: Array, pay_type: Array
) -> Array:
    """Interest paid between two periods, inclusive."""
    return _cumulative(xp, rate, nper, pv, start, end, pay_type)[0]


def cumprinc(
    xp: Any, rate: Array, nper: Array, pv: Array, start: Array, end: Array, pay_type: Array
) -> Array:
    """Principal repaid between two periods, inclusive."""
    return _cumulative(xp, rate, nper, pv, start, end, pay_type)[1]


def rate(
    xp: Any,
    nper: Array,
    payment: Array,
    pv: Array,
    fv: Array = 0.0,
    pay_type: Array = 0.0,
    guess: Array = 0.1,
) -> Array:
    """The periodic rate solving the annuity equation, by Newton's method from ``guess``."""
    due = _due(xp, pay_type)

    def residual_and_slope(r: Array) -> tuple[Array, Array]:
        growth, annuity = _growth(xp, r, nper)
        safe_r = xp.where(r == 0.0, 1.0, r)
        growth_slope = nper * growth / (1.0 + r)
        annuity_slope = xp.where(
            r == 0.0,
            nper * (nper - 1.0) / 2.0,
            (growth_slope * safe_r - (growth - 1.0)) / safe_r**2,
        )
        residual = pv * growth + payment * (1.0 + r * due) * annuity + fv
        slope = pv * growth_slope + payment * (due * annuity + (1.0 + r * due) * annuity_slope)
        return residual, slope

    start = xp.broadcast_arrays(
        *(xp.asarray(a, dtype=xp.float64) for a in (guess, nper, payment, pv, fv, due))
    )[0]
    return newton(xp, residual_and_slope, start)


def effect(xp: Any, nominal: Array, npery: Array) -> Array:
    """The effective annual rate of a nominal rate compounded ``npery`` times a year."""
    npery = trunc(xp, npery)
    return fail_where(
        xp, (nominal <= 0.0) | (npery < 1.0), xp.expm1(npery * xp.log1p(nominal / npery))
    )


def nominal(xp: Any, effective: Array, npery: Array) -> Array:
    """The nominal annual rate behind an effective rate."""
    npery = trunc(xp, npery)
    return fail_where(
        xp, (effective <= 0.0) | (npery < 1.0), npery * xp.expm1(xp.log1p(effective) / npery)
    )


def ispmt(xp: Any, rate: Array, per: Array, nper: Array, pv: Array) -> Array:
    """Interest in period ``per`` of a loan repaid in equal principal instalments."""
    return pv * rate * (per / nper - 1.0)


def pduration(xp: Any, rate: Array, pv: Array, fv: Array) -> Array:
    """Periods for ``pv`` to grow to ``fv`` at ``rate``."""
    bad = (rate <= 0.0) | (pv <= 0.0) | (fv <= 0.0)
    return fail_where(xp, bad, (xp.log(fv) - xp.log(pv)) / xp.log1p(rate))


def rri(xp: Any, nper: Array, pv: Array, fv: Array) -> tuple[Array, Array]:
    """The equivalent growth rate from ``pv`` to ``fv`` over ``nper`` periods."""
    growth = (fv / pv) ** (1.0 / nper) - 1.0
    return with_errors(
        xp,
        growth,
        (nper <= 0.0, ExcelError.NUM),
        (pv == 0.0, ExcelError.NUM),
        (~xp.isfinite(growth), ExcelError.NUM),
    )


KERNELS: dict[str, Kernel] = {
    "PMT": kernel(pmt, (N, N, N, N, N), (0.0, 0.0)),
    "FV": kernel(fv, (N, N, N, N, N), (0.0, 0.0)),
    "PV": kernel(pv, (N, N, N, N, N), (0.0, 0.0)),
    "NPER": kernel(nper, (N, N, N, N, N), (0.0, 0.0)),
    "IPMT": kernel(ipmt, (N, N, N, N, N, N), (0.0, 0.0)),
    "PPMT": kernel(ppmt, (N, N, N, N, N, N), (0.0, 0.0)),
    "CUMIPMT": kernel(cumipmt, (N,) * 6),
    "CUMPRINC": kernel(cumprinc, (N,) * 6),
    "RATE": kernel(rate, (N,) * 6, (0.0, 0.0, 0.1)),
    "EFFECT": kernel(effect, (N, N)),
    "NOMINAL": kernel(nominal, (N, N)),
    "ISPMT": kernel(ispmt, (N,) * 4, nan_error=ExcelError.DIV0),
    "PDURATION": kernel(pduration, (N, N, N)),
    "RRI": kernel(rri, (N, N, N)),
    **CASHFLOW_KERNELS,
    **DEPRECIATION_KERNELS,
    **SECURITY_KERNELS,
}
