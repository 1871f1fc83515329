"""Excel's French depreciation, AMORLINC (linear) and AMORDEGRC (degressive).

The first period runs from the purchase to ``first_period`` and is prorated: the year share
is the days between the two dates on ``basis`` over the days of the purchase year (366 in a
leap year on basis 1, 365 on basis 3, 360 on bases 0 and 4); on bases 1 and 3 the 28th and
29th of February of a leap year both count as the 28th. Basis 2 is not accepted (#NUM!).
Later periods depreciate a full year at ``rate``. ``period`` 0 is the first period and a
fractional one counts the whole periods it holds (1.7 is period 1); between 0 and 1 AMORLINC
charges a full period and AMORDEGRC nothing, as Excel does. A period past ``1/rate`` rounded
up depreciates nothing.

The rules follow Excel's results as the ExcelFinancialFunctions library recorded them (its
test data is Excel's output); LibreOffice's algorithm differs where the first period takes
the whole depreciable amount or ``period`` is fractional.
"""

from __future__ import annotations

from typing import Any

from engines.kernels.calendar import days_in_month, invalid, serial, ymd
from engines.kernels.dates import yearfrac
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.xp import Array

N = Arg.NUM


def _leap_february_end(xp: Any, date: Array) -> Array:
    """``date`` with the 29th of February of a leap year moved to the 28th."""
    year, month, day = ymd(xp, date)
    leap_february = (month == 2.0) & (days_in_month(xp, year, 2.0) == 29.0) & (day >= 28.0)
    return xp.where(leap_february, serial(xp, year, 2.0, 28.0), xp.floor(date))


def _first_share(xp: Any, purchased: Array, first_end: Array, basis: Array) -> Array:
    """The part of a year the first period lasts, as the AMOR functions count it: YEARFRAC's
    on the 30/360 bases, actual days over the purchase year's on bases 1 and 3."""
    thirty_360 = yearfrac(xp, purchased, first_end, xp.where(basis == 4.0, 4.0, 0.0))
    actual_days = _leap_february_end(xp, first_end) - _leap_february_end(xp, purchased)
    year = ymd(xp, purchased)[0]
    actual_year = xp.where((basis == 1.0) & (days_in_month(xp, year, 2.0) == 29.0), 366.0, 365.0)
    return xp.where((basis == 0.0) | (basis == 4.0), thirty_360, actual_days / actual_year)


def _invalid(
    xp: Any, cost: Array, purchased: Array, first_end: Array, salvage: Array, period: Array,
    rate: Array, basis: Array,
) -> Array:
    """Arguments both functions reject with #NUM!."""
    return (
        (cost < 0.0)
        | (salvage < 0.0)
        | (salvage > cost)
        | (period < 0.0)
        | (rate <= 0.0)
        | (purchased > first_end)
        | invalid(xp, purchased)
        | invalid(xp, first_end)
        | ((basis != 0.0) & (basis != 1.0) & (basis != 3.0) & (basis != 4.0))
    )


def _first_charge(
    xp: Any, cost: Array, purchased: Array, first_end: Array, salvage: Array, rate: Array,
    basis: Array,
) -> tuple[Array, Array]:
    """The first period's charge at ``rate``, never more than cost less salvage, and whether
    that period is a stub (dates that count no days charge a full year instead)."""
    charge = _first_share(xp, purchased, first_end, basis) * rate * cost
    stub = charge != 0.0
    charge = xp.where(stub, charge, cost * rate)
    return xp.minimum(charge, cost - salvage), stub


def _broadcast(xp: Any, *values: Array | float) -> list[Array]:
    return list(xp.broadcast_arrays(*(xp.asarray(v, dtype=xp.float64) for v in values)))


def amorlinc(
    xp: Any, cost: Array, purchased: Array, first_end: Array, salvage: Array, period: Array,
    rate: Array, basis: Array = 0.0,
) -> Array:
    """Linear depreciation: the prorated first period, then ``cost * rate`` a period until cost
    less salvage is spent."""
    cost, purchased, first_end, salvage, period, rate, basis = _broadcast(
        xp, cost, purchased, first_end, salvage, period, rate, trunc(xp, basis)
    )
    first, _ = _first_charge(xp, cost, purchased, first_end, salvage, rate, basis)
    full = cost * rate
    whole_periods = xp.floor(period)
    left_after = cost - salvage - first - (whole_periods - 1.0) * full
    later = xp.where(whole_periods < 1.0, full, xp.clip(left_after, 0.0, full))
    charge = xp.where(period == 0.0, first, later)
    spent = (cost == salvage) | (period > xp.ceil(1.0 / rate))
    charge = xp.where(spent, 0.0, charge)
    bad = _invalid(xp, cost, purchased, first_end, salvage, period, rate, basis)
    return fail_where(xp, bad, charge)


def _excel_round(xp: Any, value: Array) -> Array:
    """Round to a whole number, halves away from zero, after cleaning to 13 decimals."""
    clean = xp.round(value, 13)
    return xp.sign(clean) * xp.floor(xp.abs(clean) + 0.5)


def _coefficient(xp: Any, life: Array) -> Array:
    """The degressive coefficient of an asset life of whole years (1/rate rounded up)."""
    return xp.where(life > 6.0, 2.5, xp.where(life >= 5.0, 2.0, xp.where(life >= 3.0, 1.5, 1.0)))


def amordegrc(
    xp: Any, cost: Array, purchased: Array, first_end: Array, salvage: Array, period: Array,
    rate: Array, basis: Array = 0.0,
) -> Array:
    """Degressive depreciation: ``rate`` times a coefficient set by the asset's life (1.5 for
    3 to 4 years, 2 for 5 to 6, 2.5 beyond) on the remaining value, each charge rounded to a
    whole amount; the period before the last takes half of what remains and the last the rest,
    and nothing is charged once the remaining value is below salvage. A life (1/rate) under
    3 years or between 4 and 5 is #NUM!.
    """
    cost, purchased, first_end, salvage, period, rate, basis = _broadcast(
        xp, cost, purchased, first_end, salvage, period, rate, trunc(xp, basis)
    )
    life = xp.ceil(1.0 / rate)
    degressive = rate * _coefficient(xp, life)
    first, stub = _first_charge(xp, cost, purchased, first_end, salvage, degressive, basis)
    first = _excel_round(xp, first)
    # The period before the last (``halving``, counting the stub) takes half of what remains
    # and the last the rest; before it each takes ``degressive`` of what remains. No period
    # takes anything once what remains is below salvage, which, as what remains only falls,
    # holds from the first period where it does.
    halving = life + xp.where(stub, 1.0, 0.0) - 3.0
    count = xp.floor(period)
    geometric = (halving < 1.0) | (count < halving)
    steps_before = xp.where(geometric, count, halving) - 1.0
    remaining = (cost - first) * (1.0 - degressive) ** xp.maximum(steps_before, 0.0)
    remaining = xp.where(
        geometric | (count == halving),
        remaining,
        xp.where(count == halving + 1.0, remaining * 0.5, 0.0),
    )
    share = xp.where(geometric, degressive, xp.where(count == halving, 0.5, 1.0))
    charge = xp.where((remaining < salvage) | (count < 1.0), 0.0, share * remaining)
    charge = xp.where(period == 0.0, first, _excel_round(xp, charge))
    charge = xp.where((cost == salvage) | (period > life), 0.0, charge)
    years = 1.0 / rate
    bad = _invalid(xp, cost, purchased, first_end, salvage, period, rate, basis)
    bad = bad | (years < 3.0) | ((years > 4.0) & (years < 5.0))
    return fail_where(xp, bad, charge)


KERNELS: dict[str, Kernel] = {
    "AMORLINC": kernel(amorlinc, (N,) * 7, (0.0,)),
    "AMORDEGRC": kernel(amordegrc, (N,) * 7, (0.0,)),
}
