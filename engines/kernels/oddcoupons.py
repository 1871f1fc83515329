"""Excel's bonds with an odd first or last coupon period: ODDFPRICE, ODDFYIELD, ODDLPRICE and
ODDLYIELD.

Excel splits the odd period into quasi-coupon periods of the regular schedule and counts, per
quasi-period, its days from issue (or last interest), the days held before settlement and the
days left, each over the quasi-period's normal length. Those shares depend only on the dates,
frequency and basis, so they are worked out once per distinct set of them, with Excel's own
month stepping; the price, and the yield solving it, then run over every trial at once.

As for PRICE, dates, frequency and basis are truncated; a frequency other than 1, 2 or 4, a
basis outside 0..4, dates out of the order maturity > first coupon > settlement > issue (or
maturity > settlement > last interest), a negative rate or yield, or a non-positive price or
redemption is #NUM!. A first coupon off maturity's coupon schedule is #NUM! too, as in Excel.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy

from engines.kernels.bonds import series, yield_solved
from engines.kernels.calendar import invalid, ymd
from engines.kernels.coupons import (
    Period,
    bond_terms,
    coupon_period,
    days_between,
    is_month_end,
    period_days,
    schedule_date,
)
from engines.kernels.dates import us_30_360_days
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.xp import Array, to_numpy

N = Arg.NUM
PAR = 100.0
Factors = tuple[float, ...]


def _per_distinct(xp: Any, compute: Callable[..., Factors], width: int, *columns: Array) -> Any:
    """``compute`` once per distinct row of ``columns`` (on the host), its ``width`` results
    broadcast back to every trial as arrays of ``xp``."""
    host = numpy.broadcast_arrays(*(to_numpy(xp.asarray(c, dtype=xp.float64)) for c in columns))
    rows = numpy.stack([c.ravel() for c in host], axis=1)
    distinct, where = numpy.unique(rows, axis=0, return_inverse=True)
    results = numpy.array([compute(*(float(v) for v in row)) for row in distinct])
    results = results.reshape(-1, width)
    spread = results[where.ravel()].reshape(*host[0].shape, width)
    return tuple(xp.asarray(spread[..., k]) for k in range(width))


def _step(date: float, months: float, month_end: bool = False) -> float:
    return float(schedule_date(numpy, numpy.float64(date), months, month_end))


def _days(start: float, end: float, basis: float) -> float:
    """Days from start to end on ``basis``, none if end comes first."""
    return max(float(days_between(numpy, numpy.float64(start), numpy.float64(end), basis)), 0.0)


def _period(settlement: float, maturity: float, frequency: float, basis: float) -> Period:
    return coupon_period(numpy, bond_terms(numpy, settlement, maturity, frequency, basis))


def _length(settlement: float, maturity: float, frequency: float, basis: float) -> float:
    period = _period(settlement, maturity, frequency, basis)
    return float(period_days(numpy, period, numpy.float64(frequency), numpy.float64(basis)))


def _whole_periods(first_coupon: float, settlement: float, months: float) -> float:
    """Whole quasi-coupon periods from settlement to the first coupon, stepping from
    settlement; a first coupon on the 29th or 30th of a longer month takes settlement's
    month-end status."""
    year, month, dom = (int(v) for v in ymd(numpy, numpy.float64(first_coupon)))
    month_end = bool(is_month_end(numpy, numpy.float64(first_coupon)))
    if not month_end and month != 2 and dom > 28:
        month_end = bool(is_month_end(numpy, numpy.float64(settlement)))
    start = _step(settlement, 0.0, month_end)
    count = 1.0 if settlement < start else 0.0
    date = _step(start, months, month_end)
    while date < first_coupon:
        count += 1.0
        date = _step(date, months, month_end)
    return count


def _first_period_factors(
    settlement: float, maturity: float, issue: float, first: float, frequency: float, basis: float
) -> Factors:
    """``(T, D, lead, count, accrued)``: the price at periodic growth v is
    ``R v**-T + C D v**-lead + C v**-(lead+1) (1 + ... + v**-(count-1)) - C accrued``."""
    months = 12.0 / frequency
    length = _length(settlement, first, frequency, basis)
    coupons = float(_period(settlement, maturity, frequency, basis).remaining)
    from_issue = _days(issue, first, basis)
    if from_issue < length:
        to_next = _days(settlement, first, basis) / length
        accrued = _days(issue, settlement, basis) / length
        return coupons - 1.0 + to_next, from_issue / length, to_next, coupons - 1.0, accrued
    late, earned, accrued = first, 0.0, 0.0
    quasi = int(_period(issue, first, frequency, basis).remaining)
    for index in range(quasi, 0, -1):
        early = _step(late, -months)
        normal = _days(early, late, basis) if basis == 1.0 else length
        earned += (normal if index > 1 else _days(issue, late, basis)) / normal
        accrued += _days(max(issue, early), min(settlement, late), basis) / normal
        late = early
    around = _period(settlement, first, frequency, basis)
    if basis in (2.0, 3.0):
        to_next = _days(settlement, float(around.next), basis) / length
    else:
        to_next = (length - _days(float(around.previous), settlement, basis)) / length
    lead = _whole_periods(first, settlement, months) + to_next
    regular = float(_period(first, maturity, frequency, basis).remaining)
    return lead + regular, earned, lead, regular, accrued


def _last_period_factors(
    settlement: float, maturity: float, last: float, frequency: float, basis: float
) -> Factors:
    """``(coupon periods, periods accrued, periods left)`` of the odd last period, each
    quasi-period counted over its normal length."""
    months = 12.0 / frequency

    def length(start: float, end: float) -> float:
        if basis == 0.0:
            both = us_30_360_days(
                numpy, ymd(numpy, numpy.float64(start)), ymd(numpy, numpy.float64(end)), True
            )
            return max(float(both), 0.0)
        return _days(start, end, basis)

    quasi = int(_period(last, maturity, frequency, basis).remaining)
    early, paid, accrued, left = last, 0.0, 0.0, 0.0
    for index in range(1, quasi + 1):
        late = _step(early, months)
        normal = length(early, late)
        counted = normal if index < quasi else length(early, maturity)
        held = _days(early, settlement, basis) if early < settlement else 0.0
        paid += counted / normal
        accrued += (counted if late < settlement else held) / normal
        left += _days(max(settlement, early), min(maturity, late), basis) / normal
        early = late
    return paid, accrued, left


def _valid_terms(xp: Any, frequency: Array, basis: Array, *dates: Array) -> Array:
    """Where the frequency, basis and ``dates`` (latest first, strictly decreasing) are
    rejected."""
    terms = bond_terms(xp, dates[1], dates[0], frequency, basis)
    bad = terms.bad
    for later, earlier in zip(dates[1:], dates[2:], strict=False):
        bad = bad | invalid(xp, earlier) | (earlier >= later)
    return bad


def _first_period(
    xp: Any, settlement: Array, maturity: Array, issue: Array, first: Array, *rest: Array
) -> tuple[tuple[Array, ...], Array, Array]:
    """The first-period factors, the frequency and where the dates are rejected."""
    frequency, basis = trunc(xp, rest[0]), trunc(xp, rest[1])
    dates = [trunc(xp, d) for d in (maturity, first, settlement, issue)]
    bad = _valid_terms(xp, frequency, basis, *dates)
    frequency = xp.where(bad, 1.0, frequency)
    # Stepping back whole periods from maturity has to land on the first coupon.
    (mat_year, mat_month, _), (year, month, _) = ymd(xp, dates[0]), ymd(xp, dates[1])
    months_apart = (mat_year - year) * 12.0 + mat_month - month
    stepped = schedule_date(xp, dates[0], -months_apart, is_month_end(xp, dates[0]))
    bad = bad | (xp.mod(months_apart, 12.0 / frequency) != 0.0) | (stepped != dates[1])
    safe = [xp.where(bad, fill, d) for d, fill in zip(dates, (4.0, 3.0, 2.0, 1.0), strict=True)]
    factors = _per_distinct(
        xp, _first_period_factors, 5, safe[2], safe[0], safe[3], safe[1], frequency, basis
    )
    return factors, frequency, bad


def _first_price(
    xp: Any, factors: tuple[Array, ...], coupon: Array, redemption: Array, log_growth: Array
) -> tuple[Array, Array]:
    """``(price, d price / d log_growth)`` from the first-period factors."""
    total, share, lead, count, accrued = factors
    plain, weighted = series(xp, log_growth, count)
    redeemed = redemption * xp.exp(-total * log_growth)
    first = coupon * share * xp.exp(-lead * log_growth)
    later = coupon * xp.exp(-(lead + 1.0) * log_growth)
    price = redeemed + first + later * plain - coupon * accrued
    slope = -total * redeemed - lead * first - later * ((lead + 1.0) * plain + weighted)
    return price, slope


def oddfprice(
    xp: Any,
    settlement: Array,
    maturity: Array,
    issue: Array,
    first_coupon: Array,
    rate: Array,
    yld: Array,
    redemption: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """ODDFPRICE: the price per 100 face value of a bond with an odd first period."""
    dates = (settlement, maturity, issue, first_coupon)
    factors, f, bad = _first_period(xp, *dates, frequency, basis)
    value, _ = _first_price(xp, factors, PAR * rate / f, redemption, xp.log1p(yld / f))
    bad = bad | (rate < 0.0) | (yld < 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, value)


def oddfyield(
    xp: Any,
    settlement: Array,
    maturity: Array,
    issue: Array,
    first_coupon: Array,
    rate: Array,
    pr: Array,
    redemption: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """ODDFYIELD: the yield at which ODDFPRICE is ``pr``, by Newton's method on the log of the
    periodic growth from the usual yield-to-maturity estimate."""
    dates = (settlement, maturity, issue, first_coupon)
    factors, f, bad = _first_period(xp, *dates, frequency, basis)
    coupon = PAR * rate / f
    value = yield_solved(xp, lambda g: _first_price(xp, factors, coupon, redemption, g),
                         rate, pr, redemption, factors[0] / f, f)
    bad = bad | (rate < 0.0) | (pr <= 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, value)


def _last_period(
    xp: Any, settlement: Array, maturity: Array, last: Array, frequency: Array, basis: Array
) -> tuple[tuple[Array, ...], Array, Array]:
    frequency, basis = trunc(xp, frequency), trunc(xp, basis)
    dates = [trunc(xp, d) for d in (maturity, settlement, last)]
    bad = _valid_terms(xp, frequency, basis, *dates)
    frequency = xp.where(bad, 1.0, frequency)
    safe = [xp.where(bad, fill, d) for d, fill in zip(dates, (3.0, 2.0, 1.0), strict=True)]
    factors = _per_distinct(
        xp, _last_period_factors, 3, safe[1], safe[0], safe[2], frequency, basis
    )
    return factors, frequency, bad


def oddlprice(
    xp: Any,
    settlement: Array,
    maturity: Array,
    last_interest: Array,
    rate: Array,
    yld: Array,
    redemption: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """ODDLPRICE: the price per 100 face value of a bond with an odd last period, discounted at
    simple interest over what is left of it."""
    (paid, accrued, left), f, bad = _last_period(
        xp, settlement, maturity, last_interest, frequency, basis
    )
    coupon = PAR * rate / f
    value = (paid * coupon + redemption) / (left * yld / f + 1.0) - accrued * coupon
    bad = bad | (rate < 0.0) | (yld < 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, value)


def oddlyield(
    xp: Any,
    settlement: Array,
    maturity: Array,
    last_interest: Array,
    rate: Array,
    pr: Array,
    redemption: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """ODDLYIELD: the yield of a bond with an odd last period bought at ``pr``."""
    (paid, accrued, left), f, bad = _last_period(
        xp, settlement, maturity, last_interest, frequency, basis
    )
    coupon = PAR * rate / f
    dirty = accrued * coupon + pr
    value = (paid * coupon + redemption - dirty) / dirty * f / left
    bad = bad | (rate < 0.0) | (pr <= 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, value)


KERNELS: dict[str, Kernel] = {
    "ODDFPRICE": kernel(oddfprice, (N,) * 9, (0.0,)),
    "ODDFYIELD": kernel(oddfyield, (N,) * 9, (0.0,)),
    "ODDLPRICE": kernel(oddlprice, (N,) * 8, (0.0,)),
    "ODDLYIELD": kernel(oddlyield, (N,) * 8, (0.0,)),
}
