"""Excel's prices, yields and durations of bonds paying periodic coupons: PRICE, YIELD,
DURATION and MDURATION.

Settlement sits ``a`` days into a coupon period ``e`` days long (see
:mod:`engines.kernels.coupons`); Excel discounts the ``n`` coupons left, the first one
``s = (e - a) / e`` of a period away, at ``1 + yld / frequency`` a period, and quotes the price
clean: less the ``a / e`` of a coupon already accrued. With one coupon left it discounts at
simple interest instead. Sums over the coupons are taken in closed form, so a trial costs the
same whatever the bond's length.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from engines.kernels.coupons import bond_terms, coupon_period, days_between, period_days
from engines.kernels.solvers import newton
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel
from engines.xp import Array

N = Arg.NUM
PAR = 100.0


@dataclass(frozen=True)
class Position:
    """Where settlement sits in the coupon schedule, as PRICE, YIELD and DURATION read it."""

    coupons: Array  # n, the coupons left
    accrued: Array  # a / e, the share of the current coupon already earned
    to_next: Array  # s = (e - a) / e, periods until the next coupon
    accrued_days: Array  # a
    length: Array  # e
    actual_length: Array  # the current period's length in actual days
    frequency: Array
    basis: Array
    bad: Array


def position(
    xp: Any, settlement: Array, maturity: Array, frequency: Array, basis: Array
) -> Position:
    """The coupon position, with the trials whose dates, frequency or basis are #NUM!."""
    terms = bond_terms(xp, settlement, maturity, frequency, basis)
    period = coupon_period(xp, terms)
    accrued_days = days_between(xp, period.previous, terms.settlement, terms.basis)
    length = period_days(xp, period, terms.frequency, terms.basis)
    # Excel counts the days to the next coupon as the period less those accrued.
    return Position(
        coupons=period.remaining,
        accrued=accrued_days / length,
        to_next=(length - accrued_days) / length,
        accrued_days=accrued_days,
        length=length,
        actual_length=period.next - period.previous,
        frequency=terms.frequency,
        basis=terms.basis,
        bad=terms.bad,
    )


def series(xp: Any, log_growth: Array, count: Array) -> tuple[Array, Array]:
    """``(sum v**-j, sum j * v**-j)`` over j = 0 .. count-1, for ``v = exp(log_growth)``.

    Closed forms, exact at ``v = 1``. Close to it the second cancels: it keeps about
    16 - log10(1 / (count * |log_growth|)) digits, still nine for a yield of 1e-8.
    """
    flat = log_growth == 0.0
    rate = xp.where(flat, 1.0, log_growth)
    step = xp.expm1(-rate)
    total = xp.expm1(-count * rate)
    plain = total / step
    weighted = (count * xp.exp(-count * rate) * step - xp.exp(-rate) * total) / step**2
    return (
        xp.where(flat, count, plain),
        xp.where(flat, count * (count - 1.0) / 2.0, weighted),
    )


def _compound(
    xp: Any, where: Position, coupon: Array, redemption: Array, log_growth: Array
) -> tuple[Array, Array]:
    """``(price, d price / d log_growth)`` discounting every coupon at compound interest."""
    plain, weighted = series(xp, log_growth, where.coupons)
    last = where.coupons - 1.0 + where.to_next
    redeemed = redemption * xp.exp(-last * log_growth)
    lead = xp.exp(-where.to_next * log_growth)
    price = redeemed + coupon * lead * plain - coupon * where.accrued
    slope = -last * redeemed - coupon * lead * (where.to_next * plain + weighted)
    return price, slope


def price(
    xp: Any,
    settlement: Array,
    maturity: Array,
    rate: Array,
    yld: Array,
    redemption: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """PRICE: the clean price per 100 face value at annual yield ``yld``."""
    where = position(xp, settlement, maturity, frequency, basis)
    coupon = PAR * rate / where.frequency
    periodic = yld / where.frequency
    compound, _ = _compound(xp, where, coupon, redemption, xp.log1p(periodic))
    simple = (redemption + coupon) / (1.0 + where.to_next * periodic) - coupon * where.accrued
    value = xp.where(where.coupons == 1.0, simple, compound)
    bad = where.bad | (rate < 0.0) | (yld < 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, value)


def yield_(
    xp: Any,
    settlement: Array,
    maturity: Array,
    rate: Array,
    pr: Array,
    redemption: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """YIELD: the annual yield at which PRICE is ``pr``.

    With one coupon left that is PRICE's simple-interest formula solved, though Excel measures
    the period in actual days there on bases 2 and 3; otherwise Newton's method on the log of
    the periodic growth, in which the price is convex and decreasing over all reals, from the
    usual yield-to-maturity estimate.
    """
    where = position(xp, settlement, maturity, frequency, basis)
    f = where.frequency
    coupon = PAR * rate / f
    # PRICE's length on the 30/360 bases, the actual one on the others: YIELD(PRICE(y)) is not
    # y in the last period on bases 2 and 3, in Excel as here.
    thirty = (where.basis == 0.0) | (where.basis == 4.0)
    length = xp.where(thirty, where.length, where.actual_length)
    dirty = pr + coupon * where.accrued_days / length
    simple = ((redemption + coupon) / dirty - 1.0) * f * length / (length - where.accrued_days)
    years = (where.coupons - 1.0 + where.to_next) / f
    several = yield_solved(xp, lambda g: _compound(xp, where, coupon, redemption, g),
                           rate, pr, redemption, years, f)
    value = xp.where(where.coupons == 1.0, simple, several)
    bad = where.bad | (rate < 0.0) | (pr <= 0.0) | (redemption <= 0.0)
    return fail_where(xp, bad, value)


def yield_solved(xp: Any, price_and_slope: Callable[[Array], tuple[Array, Array]],
                 rate: Array, pr: Array, redemption: Array, years: Array, f: Array) -> Array:
    """The annual yield at which a bond's price is ``pr``: Newton's method on the log of the
    periodic growth (``price_and_slope`` of it), in which the price is convex and decreasing,
    from the usual yield-to-maturity estimate over ``years`` to redemption."""
    estimate = (PAR * rate + (redemption - pr) / years) / ((redemption + pr) / 2.0)

    def residual_and_slope(log_growth: Array) -> tuple[Array, Array]:
        value, slope = price_and_slope(log_growth)
        return value - pr, slope

    start = xp.log1p(xp.maximum(estimate / f, -0.5))
    return f * xp.expm1(newton(xp, residual_and_slope, start))


def _macaulay(
    xp: Any,
    settlement: Array,
    maturity: Array,
    coupon: Array,
    yld: Array,
    frequency: Array,
    basis: Array,
) -> tuple[Array, Array]:
    """``(duration in years, 1 + yld / frequency)``: the payments' mean time to arrive,
    weighted by their present values, for a bond redeemed at 100."""
    where = position(xp, settlement, maturity, frequency, basis)
    growth = 1.0 + yld / where.frequency
    plain, weighted = series(xp, xp.log1p(yld / where.frequency), where.coupons)
    # Every payment is discounted by growth**-s more; that common factor cancels.
    redeemed = PAR * growth ** (1.0 - where.coupons)
    paid = PAR * coupon / where.frequency
    last = where.coupons - 1.0 + where.to_next
    timed = redeemed * last + paid * (where.to_next * plain + weighted)
    periods = timed / (redeemed + paid * plain)
    bad = where.bad | (coupon < 0.0) | (yld < 0.0)
    return fail_where(xp, bad, periods / where.frequency), growth


def duration(
    xp: Any,
    settlement: Array,
    maturity: Array,
    coupon: Array,
    yld: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """DURATION: Macaulay duration in years."""
    return _macaulay(xp, settlement, maturity, coupon, yld, frequency, basis)[0]


def mduration(
    xp: Any,
    settlement: Array,
    maturity: Array,
    coupon: Array,
    yld: Array,
    frequency: Array,
    basis: Array = 0.0,
) -> Array:
    """MDURATION: Macaulay duration over ``1 + yld / frequency``."""
    years, growth = _macaulay(xp, settlement, maturity, coupon, yld, frequency, basis)
    return years / growth


KERNELS: dict[str, Kernel] = {
    "PRICE": kernel(price, (N,) * 7, (0.0,)),
    "YIELD": kernel(yield_, (N,) * 7, (0.0,)),
    "DURATION": kernel(duration, (N,) * 6, (0.0,)),
    "MDURATION": kernel(mduration, (N,) * 6, (0.0,)),
}
