"""Excel's coupon schedule: the COUP* functions, and the day counts PRICE, YIELD and DURATION
take from it.

Coupons fall every 12/frequency months counting back from maturity, on maturity's day of the
month (the month's last day where a month is shorter), or on the last day of every month when
maturity is the last day of its month: Excel's end-of-month rule. Settlement lies in the period
from the previous coupon date (on or before it) to the next (after it).

Each basis counts days its own way: actual days (1, 2, 3), US 30/360 (0) or European 30/360 (4)
from the previous coupon to settlement; a period is 360/frequency days long on bases 0, 2 and 4,
365/frequency on basis 3 and its actual length on basis 1. Dates and frequency are truncated to
integers; a frequency other than 1, 2 or 4, a basis outside 0..4, a serial outside Excel's
calendar or settlement on or after maturity is #NUM!.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engines.kernels.calendar import days_in_month, invalid, serial, ymd
from engines.kernels.dates import days360, us_30_360_days
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.xp import Array

N = Arg.NUM


@dataclass(frozen=True)
class Terms:
    """A bond's dates, frequency and basis as Excel reads them, and where they are #NUM!."""

    settlement: Array
    maturity: Array
    frequency: Array
    basis: Array
    bad: Array


def bond_terms(
    xp: Any, settlement: Array, maturity: Array, frequency: Array, basis: Array
) -> Terms:
    """Truncated arguments, with the trials Excel rejects marked ``bad``."""
    settlement, maturity = trunc(xp, settlement), trunc(xp, maturity)
    frequency, basis = trunc(xp, frequency), trunc(xp, basis)
    bad = (
        invalid(xp, settlement)
        | invalid(xp, maturity)
        | (settlement >= maturity)
        | ~((frequency == 1.0) | (frequency == 2.0) | (frequency == 4.0))
        | ~((basis >= 0.0) & (basis <= 4.0))
    )
    # Rejected trials still flow through the arithmetic; a valid frequency keeps it finite.
    return Terms(settlement, maturity, xp.where(bad, 1.0, frequency), basis, bad)


def is_month_end(xp: Any, date: Array) -> Array:
    """Whether a serial is the last day of its month (the end-of-month rule's test)."""
    year, month, day = ymd(xp, date)
    return day == days_in_month(xp, year, month)


def schedule_date(xp: Any, anchor: Array, months: Array, month_end: Array) -> Array:
    """The coupon date ``months`` after ``anchor`` (negative: before) on anchor's schedule:
    anchor's day, the last day of a shorter month, or every month's last day for ``month_end``."""
    year, month, day = ymd(xp, anchor)
    month = month + months
    length = days_in_month(xp, year, month)
    return serial(xp, year, month, xp.where(month_end, length, xp.minimum(day, length)))


def schedule_index(xp: Any, anchor: Array, date: Array, step: Array, month_end: Array) -> Array:
    """The k whose coupon date ``k * step`` months from ``anchor`` is the last on or before
    ``date``: whole steps to date's month, one fewer if that coupon falls later in the month."""
    anchor_year, anchor_month, _ = ymd(xp, anchor)
    year, month, _ = ymd(xp, date)
    index = xp.floor(((year - anchor_year) * 12.0 + month - anchor_month) / step)
    late = schedule_date(xp, anchor, index * step, month_end) > date
    return index - xp.where(late, 1.0, 0.0)


@dataclass(frozen=True)
class Period:
    """The coupon period holding settlement: its ends and the coupons left to maturity."""

    previous: Array
    next: Array
    remaining: Array


def coupon_period(xp: Any, terms: Terms) -> Period:
    """COUPPCD, COUPNCD and COUPNUM at once, counting back from maturity."""
    step = 12.0 / terms.frequency
    month_end = is_month_end(xp, terms.maturity)
    index = schedule_index(xp, terms.maturity, terms.settlement, step, month_end)
    previous = schedule_date(xp, terms.maturity, index * step, month_end)
    following = schedule_date(xp, terms.maturity, (index + 1.0) * step, month_end)
    return Period(previous, following, -index)


def days_between(xp: Any, start: Array, end: Array, basis: Array) -> Array:
    """Days from ``start`` to ``end`` as ``basis`` counts them (negative if end is earlier)."""
    us = us_30_360_days(xp, ymd(xp, start), ymd(xp, end))
    european = days360(xp, start, end, 1.0)
    return xp.where(basis == 0.0, us, xp.where(basis == 4.0, european, end - start))


def period_days(xp: Any, period: Period, frequency: Array, basis: Array) -> Array:
    """COUPDAYS: the period's length, nominal except on basis 1."""
    nominal = xp.where(basis == 3.0, 365.0, 360.0) / frequency
    return xp.where(basis == 1.0, period.next - period.previous, nominal)


def days_to_next(xp: Any, period: Period, settlement: Array, basis: Array) -> Array:
    """COUPDAYSNC. On basis 0 Excel takes the period's own 30/360 length less the days already
    accrued, so the three counts need not add up to COUPDAYS."""
    since = us_30_360_days(xp, ymd(xp, period.previous), ymd(xp, settlement))
    length = us_30_360_days(xp, ymd(xp, period.previous), ymd(xp, period.next), both_ends=True)
    after = days_between(xp, settlement, period.next, basis)
    return xp.where(basis == 0.0, length - since, after)


_PARTS: dict[str, Callable[[Any, Terms, Period], Array]] = {
    # A previous coupon before Excel's calendar begins cannot be shown.
    "COUPPCD": lambda xp, terms, period: fail_where(
        xp, invalid(xp, period.previous), period.previous
    ),
    "COUPNCD": lambda xp, terms, period: period.next,
    "COUPNUM": lambda xp, terms, period: period.remaining,
    "COUPDAYBS": lambda xp, terms, period: days_between(
        xp, period.previous, terms.settlement, terms.basis
    ),
    "COUPDAYS": lambda xp, terms, period: period_days(xp, period, terms.frequency, terms.basis),
    "COUPDAYSNC": lambda xp, terms, period: days_to_next(xp, period, terms.settlement, terms.basis),
}


def _coupon_function(name: str) -> Callable[..., Array]:
    part = _PARTS[name]

    def coupon(
        xp: Any, settlement: Array, maturity: Array, frequency: Array, basis: Array = 0.0
    ) -> Array:
        terms = bond_terms(xp, settlement, maturity, frequency, basis)
        return fail_where(xp, terms.bad, part(xp, terms, coupon_period(xp, terms)))

    coupon.__name__ = name.lower()
    coupon.__doc__ = f"{name}(settlement, maturity, frequency, [basis])."
    return coupon


KERNELS: dict[str, Kernel] = {
    name: kernel(_coupon_function(name), (N, N, N, N), (0.0,)) for name in _PARTS
}
