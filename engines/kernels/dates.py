"""Excel's date and time functions over serial numbers (see :mod:`engines.kernels.calendar`).

Date arguments are truncated to whole days as Excel does; serials outside 0 .. 31 Dec 9999 are
#NUM!, as are dates before 1900 that DATE and its kin would produce.
"""

from __future__ import annotations

from typing import Any

from engines.kernels.calendar import days_in_month, invalid, serial, ymd
from engines.kernels.spec import Arg, Check, Kernel
from engines.kernels.support import fail_where, kernel, trunc
from engines.kernels.workdays import KERNELS as WORKDAY_KERNELS
from engines.xp import Array

N, T = Arg.NUM, Arg.TEXT
SECONDS_PER_DAY = 86400.0


def _checked(xp: Any, date: Array) -> Array:
    """The serial, or NaN where Excel rejects it."""
    date = trunc(xp, date)
    return fail_where(xp, invalid(xp, date), date)


def date(xp: Any, year: Array, month: Array, day: Array) -> Array:
    """DATE: years 0..1899 mean 1900..3799; months and days roll over."""
    year, month, day = trunc(xp, year), trunc(xp, month), trunc(xp, day)
    bad_year = (year < 0.0) | (year > 9999.0)
    year = xp.where(year < 1900.0, year + 1900.0, year)
    return _checked(xp, fail_where(xp, bad_year, serial(xp, year, month, day)))


def _part(index: int) -> Any:
    def part(xp: Any, date: Array) -> Array:
        return ymd(xp, _checked(xp, date))[index]

    return part


def _shift_months(xp: Any, start: Array, months: Array) -> tuple[Array, Array, Array]:
    year, month, day = ymd(xp, _checked(xp, start))
    return year, month + trunc(xp, months), day


def edate(xp: Any, start: Array, months: Array) -> Array:
    """The same day ``months`` later, clamped to the end of a shorter month."""
    year, month, day = _shift_months(xp, start, months)
    return _checked(xp, serial(xp, year, month, xp.minimum(day, days_in_month(xp, year, month))))


def eomonth(xp: Any, start: Array, months: Array) -> Array:
    """The last day of the month ``months`` after ``start``'s."""
    year, month, _ = _shift_months(xp, start, months)
    return _checked(xp, serial(xp, year, month + 1.0, 1.0) - 1.0)


def days(xp: Any, end: Array, start: Array) -> Array:
    """Days from ``start`` to ``end``."""
    return _checked(xp, end) - _checked(xp, start)


def _is_last_of_february(xp: Any, year: Array, month: Array, day: Array) -> Array:
    return (month == 2.0) & (day == days_in_month(xp, year, 2.0))


def days360(xp: Any, start: Array, end: Array, european: Array = 0.0) -> Array:
    """Days between two dates on a 360-day year (US NASD method unless ``european``)."""
    year1, month1, day1 = ymd(xp, _checked(xp, start))
    year2, month2, day2 = ymd(xp, _checked(xp, end))
    us_day1 = xp.where((day1 == 31.0) | _is_last_of_february(xp, year1, month1, day1), 30.0, day1)
    # A 31st end stays 31 (Excel's 'first of next month') unless the start became the 30th.
    us_day2 = xp.where((day2 == 31.0) & (us_day1 >= 30.0), 30.0, day2)
    day1 = xp.where(european != 0.0, xp.minimum(day1, 30.0), us_day1)
    day2 = xp.where(european != 0.0, xp.minimum(day2, 30.0), us_day2)
    return (year2 - year1) * 360.0 + (month2 - month1) * 30.0 + day2 - day1


def us_30_360_days(
    xp: Any,
    first: tuple[Array, Array, Array],
    second: tuple[Array, Array, Array],
    both_ends: bool = False,
) -> Array:
    """Days between two (year, month, day) dates on Excel's US 30/360 (YEARFRAC basis 0),
    whose February rules differ from DAYS360's.

    ``both_ends`` moves a 31st or a last of February at the end to the 30th whatever the start
    is: how Excel measures a whole coupon period on this basis.
    """
    (year1, month1, day1), (year2, month2, day2) = first, second
    feb1 = _is_last_of_february(xp, year1, month1, day1)
    feb2 = _is_last_of_february(xp, year2, month2, day2)
    new_day1 = xp.where((day1 == 31.0) | feb1, 30.0, day1)
    # A last-of-February start is neither the 30th nor the 31st, so its rules never collide.
    start_rule = ((day1 >= 30.0) & (day2 == 31.0)) | (feb1 & feb2)
    new_day2 = xp.where(((day2 == 31.0) | feb2) if both_ends else start_rule, 30.0, day2)
    return (year2 - year1) * 360.0 + (month2 - month1) * 30.0 + new_day2 - new_day1


def _is_gregorian_leap(xp: Any, year: Array) -> Array:
    century = xp.mod(year, 100.0) == 0.0
    return (xp.mod(year, 4.0) == 0.0) & (~century | (xp.mod(year, 400.0) == 0.0))


def actual_year_length(xp: Any, start: Array, end: Array) -> Array:
    """Basis 1's year: the length Excel infers from the dates spanned (start <= end)."""
    (year1, month1, day1), (year2, month2, day2) = ymd(xp, start), ymd(xp, end)
    within_a_year = (year1 == year2) | (
        (year2 == year1 + 1.0) & ((month1 > month2) | ((month1 == month2) & (day1 >= day2)))
    )
    leap_day1 = serial(xp, year1, 2.0, 29.0)
    leap_day2 = serial(xp, year2, 2.0, 29.0)
    leap1, leap2 = _is_gregorian_leap(xp, year1), _is_gregorian_leap(xp, year2)
    spans_leap_day = (leap1 & (start <= leap_day1) & (leap_day1 <= end)) | (
        leap2 & (start <= leap_day2) & (leap_day2 <= end)
    )
    short_year = xp.where((year1 == year2) & leap1, 366.0, xp.where(spans_leap_day, 366.0, 365.0))
    # Year lengths here are true Gregorian ones: Excel drops its phantom 29 February 1900.
    spanned = serial(xp, year2 + 1.0, 1.0, 1.0) - serial(xp, year1, 1.0, 1.0)
    average_year = (spanned - xp.where(year1 <= 1900.0, 1.0, 0.0)) / (year2 - year1 + 1.0)
    return xp.where(within_a_year, short_year, average_year)


def _bad_basis(xp: Any, basis: Array) -> Array:
    """Day-count bases outside 0..4."""
    basis = trunc(xp, basis)
    return (basis < 0.0) | (basis > 4.0)


def yearfrac(xp: Any, start: Array, end: Array, basis: Array = 0.0) -> Array:
    """The fraction of a year between two dates on day-count ``basis`` 0..4."""
    start, end = _checked(xp, start), _checked(xp, end)
    start, end = xp.minimum(start, end), xp.maximum(start, end)
    basis = trunc(xp, basis)
    first, second = ymd(xp, start), ymd(xp, end)
    european = (days360(xp, start, end, 1.0)) / 360.0
    fraction = xp.where(
        basis == 0.0,
        us_30_360_days(xp, first, second) / 360.0,
        xp.where(
            basis == 1.0,
            (end - start) / actual_year_length(xp, start, end),
            xp.where(
                basis == 2.0,
                (end - start) / 360.0,
                xp.where(basis == 3.0, (end - start) / 365.0, european),
            ),
        ),
    )
    return fail_where(xp, _bad_basis(xp, basis), fraction)


_DATEDIF_UNITS = ("Y", "M", "D", "MD", "YM", "YD")


def datedif(xp: Any, start: Array, end: Array, unit: str) -> Array:
    """Whole years, months or days between two dates, Excel's undocumented DATEDIF."""
    start, end = _checked(xp, start), _checked(xp, end)
    year1, month1, day1 = ymd(xp, start)
    year2, month2, day2 = ymd(xp, end)
    unit = unit.upper()
    if unit not in _DATEDIF_UNITS:
        return xp.full((start + end).shape, xp.nan)
    months = (year2 - year1) * 12.0 + month2 - month1 - xp.where(day2 < day1, 1.0, 0.0)
    later_in_year = (month2 > month1) | ((month2 == month1) & (day2 >= day1))
    by_unit = {
        "Y": xp.floor(months / 12.0),
        "M": months,
        "D": end - start,
        "YM": months - 12.0 * xp.floor(months / 12.0),
        # Excel counts MD from start's day in the month before end, which can go negative.
        "MD": xp.where(day2 >= day1, day2 - day1, end - serial(xp, year2, month2 - 1.0, day1)),
        # Excel moves the end into start's year, so YD follows that year's February.
        "YD": serial(xp, xp.where(later_in_year, year1, year1 + 1.0), month2, day2) - start,
    }
    return fail_where(xp, start > end, by_unit[unit])


def _weekday_index(xp: Any, date: Array) -> Array:
    """0 for Sunday .. 6 for Saturday (serial 1 is a Sunday in Excel's calendar)."""
    return xp.mod(date - 1.0, 7.0)


def _first_day_of_week(xp: Any, return_type: Array, types: dict[int, int]) -> Array:
    """Weekday index (0 = Sunday) on which weeks start, NaN for unknown return types."""
    first = xp.full(xp.asarray(return_type).shape, xp.nan)
    for code, weekday in types.items():
        first = xp.where(return_type == code, float(weekday), first)
    return first


_WEEKDAY_STARTS = {1: 0, 2: 1, 11: 1, 12: 2, 13: 3, 14: 4, 15: 5, 16: 6, 17: 0}


def weekday(xp: Any, date: Array, return_type: Array = 1.0) -> Array:
    """Day of the week, numbered as ``return_type`` says (3 counts Monday as 0)."""
    return_type = trunc(xp, return_type)
    first = _first_day_of_week(xp, return_type, {**_WEEKDAY_STARTS, 3: 1})
    number = xp.mod(_weekday_index(xp, _checked(xp, date)) - first, 7.0)
    return xp.where(return_type == 3.0, number, number + 1.0)


def isoweeknum(xp: Any, date: Array) -> Array:
    """ISO 8601 week number: weeks start Monday, week 1 holds the year's first Thursday."""
    date = _checked(xp, date)
    thursday = date - xp.mod(date - 2.0, 7.0) + 3.0
    # The first days of 1900 fall in a week whose Thursday is in 1899.
    year = xp.where(thursday <= 0.0, 1899.0, ymd(xp, xp.maximum(thursday, 1.0))[0])
    return xp.floor((thursday - serial(xp, year, 1.0, 1.0)) / 7.0) + 1.0


def weeknum(xp: Any, date: Array, return_type: Array = 1.0) -> Array:
    """Week of the year, week 1 being the one holding 1 January (21 means ISO weeks)."""
    return_type = trunc(xp, return_type)
    date = _checked(xp, date)
    first = _first_day_of_week(xp, return_type, _WEEKDAY_STARTS)
    january_first = serial(xp, ymd(xp, date)[0], 1.0, 1.0)
    lead = xp.mod(_weekday_index(xp, january_first) - first, 7.0)
    week = xp.floor((date - january_first + lead) / 7.0) + 1.0
    return xp.where(return_type == 21.0, isoweeknum(xp, date), week)


def time(xp: Any, hour: Array, minute: Array, second: Array) -> Array:
    """TIME: the fraction of a day, wrapping past 24 hours."""
    hour, minute, second = trunc(xp, hour), trunc(xp, minute), trunc(xp, second)
    total = hour * 3600.0 + minute * 60.0 + second
    bad = (total < 0.0) | (hour > 32767.0) | (minute > 32767.0) | (second > 32767.0)
    return fail_where(xp, bad, xp.mod(total, SECONDS_PER_DAY) / SECONDS_PER_DAY)


def _clock(divisor: float, modulus: float) -> Any:
    def clock_part(xp: Any, moment: Array) -> Array:
        moment = xp.asarray(moment, dtype=xp.float64)
        # Excel reads the time to the nearest second before splitting it
        seconds = xp.floor((moment - xp.floor(moment)) * SECONDS_PER_DAY + 0.5)
        part = xp.mod(xp.floor(seconds / divisor), modulus)
        return fail_where(xp, invalid(xp, xp.floor(moment)), part)

    return clock_part


KERNELS: dict[str, Kernel] = {
    "DATE": kernel(date, (N, N, N)),
    "YEAR": kernel(_part(0), (N,)),
    "MONTH": kernel(_part(1), (N,)),
    "DAY": kernel(_part(2), (N,)),
    "EDATE": kernel(edate, (N, N)),
    "EOMONTH": kernel(eomonth, (N, N)),
    "DAYS": kernel(days, (N, N)),
    "DAYS360": kernel(days360, (N, N, N), (0.0,)),
    # Excel validates the basis before reading the dates.
    "YEARFRAC": kernel(yearfrac, (N, N, N), (0.0,), checks=(Check(2, _bad_basis),)),
    "DATEDIF": kernel(datedif, (N, N, T)),
    "WEEKDAY": kernel(weekday, (N, N), (1.0,)),
    "WEEKNUM": kernel(weeknum, (N, N), (1.0,)),
    "ISOWEEKNUM": kernel(isoweeknum, (N,)),
    "TIME": kernel(time, (N, N, N)),
    "HOUR": kernel(_clock(3600.0, 24.0), (N,)),
    "MINUTE": kernel(_clock(60.0, 60.0), (N,)),
    "SECOND": kernel(_clock(1.0, 60.0), (N,)),
    **WORKDAY_KERNELS,
}
