"""NETWORKDAYS and WORKDAY, plain and .INTL, counted in closed form over whole weeks.

Days are numbered by their serial: ``count(x)`` is how many workdays fall on serials up to
``x`` (from an arbitrary origin), so a range's workdays are a difference of two counts and the
n-th workday an inverse lookup. Holidays only subtract when they fall on a workday and are
counted once however often they are listed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy

from engines.errors import ExcelError
from engines.kernels.calendar import invalid
from engines.kernels.spec import Arg, Kernel
from engines.kernels.support import kernel, trunc, with_errors
from engines.xp import Array

N, T, V = Arg.NUM, Arg.TEXT, Arg.VALUES

# Excel's numbered weekends as Monday-first masks (1 = weekend day), as its strings spell them.
_WEEKEND_CODES = {
    1: "0000011",
    2: "1000001",
    3: "1100000",
    4: "0110000",
    5: "0011000",
    6: "0001100",
    7: "0000110",
    11: "0000001",
    12: "1000000",
    13: "0100000",
    14: "0010000",
    15: "0001000",
    16: "0000100",
    17: "0000010",
}


class _Week:
    """Which serial residues (serial mod 7) are workdays under one weekend pattern."""

    def __init__(self, xp: Any, weekend_mask: str) -> None:
        # Serial 2 is a Monday in Excel's calendar, so residue r is weekday (r - 2) mod 7.
        works = [weekend_mask[(residue - 2) % 7] == "0" for residue in range(7)]
        self.xp = xp
        self.per_week = float(sum(works))
        self.works = xp.asarray(works)
        self.count_to = xp.asarray(numpy.cumsum(works), dtype=xp.float64)
        self.residues = xp.asarray([r for r in range(7) if works[r]], dtype=xp.float64)

    def _residue(self, date: Array) -> Array:
        xp = self.xp
        return xp.mod(xp.where(xp.isfinite(date), date, 0.0), 7.0).astype(xp.int64)

    def count(self, date: Array) -> Array:
        """Workdays on serials up to and including ``date``."""
        xp = self.xp
        return xp.floor(date / 7.0) * self.per_week + xp.take(self.count_to, self._residue(date))

    def is_workday(self, date: Array) -> Array:
        return self.xp.take(self.works, self._residue(date)) & self.xp.isfinite(date)

    def nth(self, number: Array) -> Array:
        """The serial of workday ``number`` in :meth:`count`'s numbering."""
        xp = self.xp
        weeks = xp.floor((number - 1.0) / self.per_week)
        within = number - weeks * self.per_week - 1.0
        within = xp.where(xp.isfinite(within), within, 0.0).astype(xp.int64)
        return weeks * 7.0 + xp.take(self.residues, within)


def _weekend_mask(weekend: str | float) -> str | ExcelError:
    """Excel's weekend argument (a code or a seven-character mask) as a Monday-first mask."""
    text = weekend.strip() if isinstance(weekend, str) else ""
    if isinstance(weekend, str) and not text:
        return _WEEKEND_CODES[1]  # an omitted weekend argument means Saturday and Sunday
    if len(text) == 7 and set(text) <= {"0", "1"}:
        return text if text != "1111111" else ExcelError.VALUE
    try:
        code = float(text) if isinstance(weekend, str) else float(weekend)
    except ValueError:
        return ExcelError.VALUE
    if not math.isfinite(code) or code != int(code):
        return ExcelError.NUM
    return _WEEKEND_CODES.get(int(code), ExcelError.NUM)


def _holidays(xp: Any, week: _Week, holidays: Array | None) -> Array:
    """Distinct workday holidays as a ``(k, n)`` array, NaN where a row does not count."""
    if holidays is None:
        return xp.full((0, 1), xp.nan)
    days = xp.sort(trunc(xp, xp.atleast_2d(holidays)), axis=0)
    repeated = xp.zeros(days.shape, dtype=bool)
    repeated[1:] = days[1:] == days[:-1]
    return xp.where(week.is_workday(days) & ~repeated, days, xp.nan)


def _within(xp: Any, holidays: Array, low: Array, high: Array) -> Array:
    return xp.sum((holidays >= low) & (holidays <= high), axis=0).astype(xp.float64)


def _failed(xp: Any, shape_of: Array, error: ExcelError) -> tuple[Array, Array]:
    return with_errors(xp, xp.full(xp.asarray(shape_of).shape, xp.nan), (True, error))


def networkdays_intl(
    xp: Any, start: Array, end: Array, weekend: str | float = "1", holidays: Array | None = None
) -> tuple[Array, Array]:
    """Workdays from ``start`` to ``end`` inclusive, negative when ``end`` comes first."""
    start, end = trunc(xp, start), trunc(xp, end)
    mask = _weekend_mask(weekend)
    if isinstance(mask, ExcelError):
        return _failed(xp, start + end, mask)
    week = _Week(xp, mask)
    off = _holidays(xp, week, holidays)
    low, high = xp.minimum(start, end), xp.maximum(start, end)
    total = week.count(high) - week.count(low - 1.0) - _within(xp, off, low, high)
    total = xp.where(start > end, -total, total)
    return with_errors(xp, total, (invalid(xp, start) | invalid(xp, end), ExcelError.NUM))


def workday_intl(
    xp: Any, start: Array, days: Array, weekend: str | float = "1", holidays: Array | None = None
) -> tuple[Array, Array]:
    """The workday ``days`` workdays after (or, negative, before) ``start``."""
    start, days = trunc(xp, start), trunc(xp, days)
    mask = _weekend_mask(weekend)
    if isinstance(mask, ExcelError):
        return _failed(xp, start + days, mask)
    week = _Week(xp, mask)
    off = _holidays(xp, week, holidays)
    forward = days > 0.0
    # Workday numbers counted from start's side; holidays passed over push the target further.
    base = xp.where(forward, week.count(start) + days, week.count(start - 1.0) + days + 1.0)
    found = week.nth(base)
    for _ in range(off.shape[0] + 1):
        skipped = xp.where(
            forward, _within(xp, off, start + 1.0, found), _within(xp, off, found, start - 1.0)
        )
        found = week.nth(xp.where(forward, base + skipped, base - skipped))
    found = xp.where(days == 0.0, start, found)
    return with_errors(xp, found, (invalid(xp, start) | invalid(xp, found), ExcelError.NUM))


def networkdays(
    xp: Any, start: Array, end: Array, holidays: Array | None = None
) -> tuple[Array, Array]:
    """Monday-to-Friday workdays from ``start`` to ``end`` inclusive."""
    return networkdays_intl(xp, start, end, "1", holidays)


def workday(
    xp: Any, start: Array, days: Array, holidays: Array | None = None
) -> tuple[Array, Array]:
    """The Monday-to-Friday workday ``days`` workdays from ``start``."""
    return workday_intl(xp, start, days, "1", holidays)


KERNELS: dict[str, Kernel] = {
    "NETWORKDAYS": kernel(networkdays, (N, N, V), min_args=2),
    "NETWORKDAYS.INTL": kernel(networkdays_intl, (N, N, T, V), ("1",), min_args=2),
    "WORKDAY": kernel(workday, (N, N, V), min_args=2),
    "WORKDAY.INTL": kernel(workday_intl, (N, N, T, V), ("1",), min_args=2),
}
