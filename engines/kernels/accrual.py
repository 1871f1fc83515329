"""Excel's ACCRINT: interest a bond paying periodic coupons has accrued since its issue.

Excel pays ``par * rate / frequency`` per quasi-coupon period of the schedule first_interest
sits on (every 12/frequency months either side of it, with the end-of-month rule of
:mod:`engines.kernels.coupons`), in proportion to the share of each period the holding covers:

* the periods wholly between issue and a reference coupon date count one each (none when
  calc_method is FALSE), and the period holding issue its share past issue;
* the days from that reference date to settlement, negative when settlement comes first, count
  over the length of the period between the reference date and first_interest.

The reference date is the coupon before first_interest, or, when settlement is after
first_interest and calc_method is TRUE, the first coupon date on or after settlement. How a
period's length is measured depends on the basis, and differs between the issue's period and the
reference one: Excel's rules, reproduced as they are.
"""

from __future__ import annotations

from typing import Any

from engines.kernels.calendar import invalid, ymd
from engines.kernels.coupons import days_between, is_month_end, schedule_date, schedule_index
from engines.kernels.dates import days360, us_30_360_days
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.xp import Array

N, L = Arg.NUM, Arg.LOGICAL


def _issue_period_length(xp: Any, start: Array, end: Array, basis: Array, nominal: Array) -> Array:
    """The length of the quasi-coupon period holding issue: actual days on basis 1, the period's
    own 30/360 count on bases 0, 2 (US) and 4 (European), nominal on basis 3."""
    first, second = ymd(xp, start), ymd(xp, end)
    us_both = us_30_360_days(xp, first, second, both_ends=True)
    us_start = us_30_360_days(xp, first, second)
    european = days360(xp, start, end, 1.0)
    return xp.where(
        basis == 0.0,
        us_both,
        xp.where(
            basis == 1.0,
            end - start,
            xp.where(basis == 2.0, us_start, xp.where(basis == 3.0, nominal, european)),
        ),
    )


def accrint(
    xp: Any,
    issue: Array,
    first_interest: Array,
    settlement: Array,
    rate: Array,
    par: Array,
    frequency: Array,
    basis: Array = 0.0,
    calc_method: Array = 1.0,
) -> Array:
    """ACCRINT(issue, first_interest, settlement, rate, par, frequency, [basis],
    [calc_method])."""
    issue, first = trunc(xp, issue), trunc(xp, first_interest)
    settlement, basis = trunc(xp, settlement), trunc(xp, basis)
    frequency = trunc(xp, frequency)
    bad = (
        invalid(xp, issue)
        | invalid(xp, first)
        | invalid(xp, settlement)
        | (issue >= settlement)
        | ~((frequency == 1.0) | (frequency == 2.0) | (frequency == 4.0))
        | (basis < 0.0)
        | (basis > 4.0)
        | (rate <= 0.0)
        | (par <= 0.0)
    )
    frequency = xp.where(bad, 1.0, frequency)
    method = xp.where(xp.asarray(calc_method) != 0.0, 1.0, 0.0)
    step = 12.0 / frequency
    month_end = is_month_end(xp, first)

    def coupon(index: Array) -> Array:
        return schedule_date(xp, first, index * step, month_end)

    nominal = xp.where(basis == 3.0, 365.0, 360.0) / frequency
    on_or_before = schedule_index(xp, first, settlement, step, month_end)
    after = (settlement > first) & (method == 1.0)
    reached = coupon(on_or_before) == settlement
    reference = xp.where(after, on_or_before + xp.where(reached, 0.0, 1.0), -1.0)
    reference_date = coupon(reference)
    since = days_between(xp, xp.maximum(issue, reference_date), settlement, basis)
    length = xp.where(basis == 1.0, xp.abs(first - reference_date), nominal)
    share = since / length

    issue_index = schedule_index(xp, first, issue, step, month_end)
    period_start, period_end = coupon(issue_index), coupon(issue_index + 1.0)
    issue_share = days_between(xp, issue, period_end, basis) / _issue_period_length(
        xp, period_start, period_end, basis, nominal
    )
    earliest = xp.where(period_start == issue, method, issue_share)
    whole = xp.maximum(reference - issue_index - 1.0, 0.0)
    before_reference = xp.where(reference > issue_index, method * whole + earliest, 0.0)
    return fail_where(xp, bad, par * rate / frequency * (share + before_reference))


KERNELS: dict[str, Kernel] = {
    "ACCRINT": kernel(accrint, (N, N, N, N, N, N, N, L), (0.0, 1.0)),
}
