"""Excel's date serials: the 1900 calendar with its phantom 29 February 1900 (serial 60).

Serial 1 is 1 January 1900 and serial 0 the 'January 0' Excel shows for it. Excel believes
1900 was a leap year, so serials from 61 (1 March 1900) on are one more than the real day
count. Every date kernel converts through these helpers so that quirk lives in one place.
"""

from __future__ import annotations

from typing import Any

from engines.xp import Array

MAX_SERIAL = 2958465.0  # 31 December 9999
_EPOCH_OFFSET = 25568.0  # days from 1899-12-31 (real serial 0) to 1970-01-01
_PHANTOM_LEAP_DAY = 60.0


def _days_from_civil(xp: Any, year: Array, month: Array, day: Array) -> Array:
    """Days since 1970-01-01 of a proleptic Gregorian date (month 1..12)."""
    year = year - xp.where(month <= 2.0, 1.0, 0.0)
    era = xp.floor(year / 400.0)
    year_of_era = year - era * 400.0
    day_of_year = xp.floor((153.0 * (month + xp.where(month > 2.0, -3.0, 9.0)) + 2.0) / 5.0)
    day_of_year = day_of_year + day - 1.0
    day_of_era = (
        year_of_era * 365.0
        + xp.floor(year_of_era / 4.0)
        - xp.floor(year_of_era / 100.0)
        + day_of_year
    )
    return era * 146097.0 + day_of_era - 719468.0


def _civil_from_days(xp: Any, days: Array) -> tuple[Array, Array, Array]:
    """The proleptic Gregorian (year, month, day) of days since 1970-01-01."""
    days = days + 719468.0
    era = xp.floor(days / 146097.0)
    day_of_era = days - era * 146097.0
    year_of_era = xp.floor(
        (
            day_of_era
            - xp.floor(day_of_era / 1460.0)
            + xp.floor(day_of_era / 36524.0)
            - xp.floor(day_of_era / 146096.0)
        )
        / 365.0
    )
    day_of_year = day_of_era - (
        365.0 * year_of_era + xp.floor(year_of_era / 4.0) - xp.floor(year_of_era / 100.0)
    )
    shifted_month = xp.floor((5.0 * day_of_year + 2.0) / 153.0)
    day = day_of_year - xp.floor((153.0 * shifted_month + 2.0) / 5.0) + 1.0
    month = shifted_month + xp.where(shifted_month < 10.0, 3.0, -9.0)
    year = year_of_era + era * 400.0 + xp.where(month <= 2.0, 1.0, 0.0)
    return year, month, day


def serial(xp: Any, year: Array, month: Array, day: Array) -> Array:
    """Excel serial of ``day`` (any integer, rolling over) in ``month`` of ``year``.

    ``month`` may be any integer too: it rolls into neighbouring years as DATE's does.
    """
    months = year * 12.0 + month - 1.0
    year = xp.floor(months / 12.0)
    month = months - year * 12.0 + 1.0
    first = _days_from_civil(xp, year, month, 1.0) + _EPOCH_OFFSET
    after_phantom = (year > 1900.0) | ((year == 1900.0) & (month >= 3.0))
    return first + xp.where(after_phantom, 1.0, 0.0) + day - 1.0


def ymd(xp: Any, date: Array) -> tuple[Array, Array, Array]:
    """(year, month, day) of an Excel serial, truncated to its day."""
    date = xp.floor(xp.asarray(date, dtype=xp.float64))
    real = xp.where(date > _PHANTOM_LEAP_DAY, date - 1.0, date)
    year, month, day = _civil_from_days(xp, real - _EPOCH_OFFSET)
    phantom = date == _PHANTOM_LEAP_DAY
    zero = date == 0.0
    year = xp.where(zero, 1900.0, year)
    month = xp.where(phantom, 2.0, xp.where(zero, 1.0, month))
    day = xp.where(phantom, 29.0, xp.where(zero, 0.0, day))
    return year, month, day


def days_in_month(xp: Any, year: Array, month: Array) -> Array:
    """Length of a month in Excel's calendar (February 1900 has 29 days)."""
    return serial(xp, year, month + 1.0, 1.0) - serial(xp, year, month, 1.0)


def invalid(xp: Any, date: Array) -> Array:
    """Serials outside Excel's range 0 .. 31 Dec 9999."""
    return ~((date >= 0.0) & (date < MAX_SERIAL + 1.0))
