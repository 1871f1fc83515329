"""Excel's securities without periodic coupons: discounted ones (DISC, PRICEDISC, YIELDDISC,
INTRATE, RECEIVED), Treasury bills (TBILLPRICE, TBILLYIELD, TBILLEQ) and those paying their
interest at maturity (PRICEMAT, YIELDMAT, ACCRINTM).

Each runs on the fraction of a year YEARFRAC gives for its day-count basis. Dates and basis are
truncated to integers; a serial outside Excel's calendar, a basis outside 0..4 or settlement on
or after maturity is #NUM!, as are the non-positive prices and rates each function names.
"""

from __future__ import annotations

from typing import Any

from engines.kernels.calendar import invalid
from engines.kernels.coupons import days_between
from engines.kernels.dates import actual_year_length, edate, yearfrac
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.xp import Array

N = Arg.NUM
PAR = 100.0
TBILL_DAYS = 360.0


def _span(xp: Any, start: Array, end: Array, basis: Array) -> tuple[Array, Array]:
    """``(YEARFRAC(start, end, basis), where Excel rejects the dates or basis)``."""
    start, end, basis = trunc(xp, start), trunc(xp, end), trunc(xp, basis)
    bad = invalid(xp, start) | invalid(xp, end) | (start >= end) | (basis < 0.0) | (basis > 4.0)
    return yearfrac(xp, start, end, basis), bad


def disc(
    xp: Any, settlement: Array, maturity: Array, pr: Array, redemption: Array, basis: Array = 0.0
) -> Array:
    """DISC: the discount rate at which ``redemption`` costs ``pr``."""
    years, bad = _span(xp, settlement, maturity, basis)
    bad = bad | (pr <= 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, (1.0 - pr / redemption) / years)


def pricedisc(
    xp: Any,
    settlement: Array,
    maturity: Array,
    discount: Array,
    redemption: Array,
    basis: Array = 0.0,
) -> Array:
    """PRICEDISC: what ``redemption`` costs at discount rate ``discount``."""
    years, bad = _span(xp, settlement, maturity, basis)
    bad = bad | (discount <= 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, redemption * (1.0 - discount * years))


def yielddisc(
    xp: Any, settlement: Array, maturity: Array, pr: Array, redemption: Array, basis: Array = 0.0
) -> Array:
    """YIELDDISC: the simple annual yield of buying ``redemption`` for ``pr``."""
    years, bad = _span(xp, settlement, maturity, basis)
    bad = bad | (pr <= 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, (redemption - pr) / pr / years)


def intrate(
    xp: Any,
    settlement: Array,
    maturity: Array,
    investment: Array,
    redemption: Array,
    basis: Array = 0.0,
) -> Array:
    """INTRATE: the simple annual rate that grows ``investment`` into ``redemption``, which is
    YIELDDISC's with the investment for the price."""
    return yielddisc(xp, settlement, maturity, investment, redemption, basis)


def received(
    xp: Any,
    settlement: Array,
    maturity: Array,
    investment: Array,
    discount: Array,
    basis: Array = 0.0,
) -> Array:
    """RECEIVED: what ``investment`` pays at maturity bought at discount rate ``discount``;
    #NUM! once the discount takes the whole redemption."""
    years, bad = _span(xp, settlement, maturity, basis)
    kept = 1.0 - discount * years
    bad = bad | (investment <= 0.0) | (discount <= 0.0) | (kept <= 0.0)
    return fail_where(xp, bad, investment / kept)


def _bill_days(xp: Any, settlement: Array, maturity: Array) -> tuple[Array, Array]:
    """``(actual days to maturity, where Excel rejects the dates)``: a Treasury bill matures
    after settlement and no more than a year after it."""
    settlement, maturity = trunc(xp, settlement), trunc(xp, maturity)
    bad = invalid(xp, settlement) | invalid(xp, maturity) | (settlement >= maturity)
    bad = bad | (maturity > edate(xp, settlement, 12.0))
    return maturity - settlement, bad


def tbillprice(xp: Any, settlement: Array, maturity: Array, discount: Array) -> Array:
    """TBILLPRICE: the price per 100 face value at discount rate ``discount``."""
    days, bad = _bill_days(xp, settlement, maturity)
    value = PAR * (1.0 - discount * days / TBILL_DAYS)
    return fail_where(xp, bad | (discount <= 0.0) | (value <= 0.0), value)


def tbillyield(xp: Any, settlement: Array, maturity: Array, pr: Array) -> Array:
    """TBILLYIELD: the yield of a bill bought at ``pr`` per 100 face value."""
    days, bad = _bill_days(xp, settlement, maturity)
    return fail_where(xp, bad | (pr <= 0.0), (PAR - pr) / pr * TBILL_DAYS / days)


def tbilleq(xp: Any, settlement: Array, maturity: Array, discount: Array) -> Array:
    """TBILLEQ: the bond-equivalent yield of a bill at discount rate ``discount``.

    Bills of up to half a year compare with a bond paying at maturity; longer ones with a bond
    that pays a coupon half-way, which makes the yield the root of a quadratic.
    """
    days, bad = _bill_days(xp, settlement, maturity)
    short = 365.0 * discount / (TBILL_DAYS - discount * days)
    price = 1.0 - discount * days / TBILL_DAYS
    year = xp.where(days == 366.0, 366.0, 365.0)
    share = days / year
    squared = share**2 - (2.0 * share - 1.0) * (1.0 - 1.0 / price)
    long = 2.0 * (xp.sqrt(squared) - share) / (2.0 * share - 1.0)
    value = xp.where(days > 182.0, long, short)
    return fail_where(xp, bad | (discount <= 0.0) | ((days > 182.0) & (squared < 0.0)), value)


def _year_basis(xp: Any, start: Array, end: Array, basis: Array) -> Array:
    """Days in the year ``basis`` measures ``start`` to ``end`` against (YEARFRAC's divisor)."""
    actual = actual_year_length(xp, xp.minimum(start, end), xp.maximum(start, end))
    return xp.where(basis == 1.0, actual, xp.where(basis == 3.0, 365.0, 360.0))


def _at_maturity(
    xp: Any, settlement: Array, maturity: Array, issue: Array, basis: Array
) -> tuple[Array, Array, Array, Array]:
    """``(years issue->maturity, issue->settlement, settlement->maturity, bad)`` as PRICEMAT
    and YIELDMAT count them: days from issue over the year issue->settlement spans, the last
    as the difference of the other two."""
    years, bad = _span(xp, settlement, maturity, basis)
    issue, basis = trunc(xp, issue), trunc(xp, basis)
    settlement, maturity = trunc(xp, settlement), trunc(xp, maturity)
    year = _year_basis(xp, issue, settlement, basis)
    to_maturity = days_between(xp, issue, maturity, basis) / year
    to_settlement = days_between(xp, issue, settlement, basis) / year
    return to_maturity, to_settlement, to_maturity - to_settlement, bad | invalid(xp, issue)


def pricemat(
    xp: Any,
    settlement: Array,
    maturity: Array,
    issue: Array,
    rate: Array,
    yld: Array,
    basis: Array = 0.0,
) -> Array:
    """PRICEMAT: the price per 100 face value of a security paying its interest at maturity."""
    whole, held, left, bad = _at_maturity(xp, settlement, maturity, issue, basis)
    value = PAR * (1.0 + whole * rate) / (1.0 + left * yld) - PAR * held * rate
    return fail_where(xp, bad | (rate < 0.0) | (yld < 0.0), value)


def yieldmat(
    xp: Any,
    settlement: Array,
    maturity: Array,
    issue: Array,
    rate: Array,
    pr: Array,
    basis: Array = 0.0,
) -> Array:
    """YIELDMAT: the annual yield of a security paying its interest at maturity, bought at
    ``pr``."""
    whole, held, left, bad = _at_maturity(xp, settlement, maturity, issue, basis)
    dirty = pr / PAR + held * rate
    value = ((1.0 + whole * rate) / dirty - 1.0) / left
    return fail_where(xp, bad | (rate < 0.0) | (pr <= 0.0), value)


def accrintm(
    xp: Any,
    issue: Array,
    settlement: Array,
    rate: Array,
    par: Array = 1000.0,
    basis: Array = 0.0,
) -> Array:
    """ACCRINTM: interest accrued from ``issue`` to ``settlement`` (par 1,000 if omitted)."""
    years, bad = _span(xp, issue, settlement, basis)
    return fail_where(xp, bad | (rate <= 0.0) | (par <= 0.0), par * rate * years)


KERNELS: dict[str, Kernel] = {
    "DISC": kernel(disc, (N,) * 5, (0.0,)),
    "PRICEDISC": kernel(pricedisc, (N,) * 5, (0.0,)),
    "YIELDDISC": kernel(yielddisc, (N,) * 5, (0.0,)),
    "INTRATE": kernel(intrate, (N,) * 5, (0.0,)),
    "RECEIVED": kernel(received, (N,) * 5, (0.0,)),
    "TBILLPRICE": kernel(tbillprice, (N,) * 3),
    "TBILLYIELD": kernel(tbillyield, (N,) * 3),
    "TBILLEQ": kernel(tbilleq, (N,) * 3),
    "PRICEMAT": kernel(pricemat, (N,) * 6, (0.0,)),
    "YIELDMAT": kernel(yieldmat, (N,) * 6, (0.0,)),
    "ACCRINTM": kernel(accrintm, (N,) * 5, (1000.0, 0.0)),
}
