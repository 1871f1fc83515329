"""Text naming a month read as a date, as Excel (en-US) reads it: "5-Mar-24", "March 5, 2024",
"Mar-2024", "5 Mar 2024", "Jan 15".

Excel's DATEVALUE reads "the current year from your computer's built-in clock" where the text
gives none; here that clock is the simulation's (:mod:`engines.clock`), so a run reads the same
year on every runner and again when it is recomputed. A year written in two digits is 2000-2029
for 00-29 and 1930-1999 for 30-99, Excel's default century window.
"""

from __future__ import annotations

import datetime as dt
import re

from openpyxl.utils.datetime import from_excel

from engines.clock import day_serial, today_serial

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_BY_NAME = {name: number for number, full in enumerate(_MONTHS, 1) for name in (full, full[:3])}
_DAY_FIRST = re.compile(r"^(\d{1,2})(?:-|\s+)([a-z]+)(?:(?:-|,?\s+)(\d{2}|\d{4}))?$", re.I)
_MONTH_FIRST = re.compile(r"^([a-z]+)(?:-|\s+)(\d{1,2}|\d{4})(?:(?:-|,?\s+)(\d{2}|\d{4}))?$", re.I)


def current_year() -> int:
    """The year of TODAY() here: the simulation's moment, or now outside one."""
    return int(from_excel(today_serial()).year)


def written_year(digits: str) -> int:
    """The year meant by ``digits``: two of them fall in Excel's window 1930-2029."""
    year = int(digits)
    if len(digits) <= 2:
        year += 2000 if year < 30 else 1900
    return year


def date_serial(year: int, month: int, day: int) -> float | None:
    """The Excel serial of a calendar date; None for one that does not exist or comes before
    1900, which Excel does not read (YEAR("7/5/1800") is #VALUE!)."""
    if year < 1900:
        return None
    try:
        return float(day_serial(dt.datetime(year, month, day)))
    except ValueError:
        return None


def named_month_date(text: str) -> float | None:
    """The serial of ``text`` written with a month's name, full or in three letters, in any
    case: day first ("5-Mar-24", "5 March 2024", "5-JUL") or month first ("Mar 5, 2024",
    "Jan 15"). A month followed by one number reads it as the day up to 31 ("Mar-24" is 24
    March; "Feb-30" is no date) and as the year past it ("Mar-2024", "Mar-45": the 1st)."""
    day_first = _DAY_FIRST.match(text)
    if day_first is not None:
        day, name, year = day_first.groups()
        month = _BY_NAME.get(name.lower())
        if month is None:
            return None
        return date_serial(current_year() if year is None else written_year(year), month, int(day))
    month_first = _MONTH_FIRST.match(text)
    if month_first is None:
        return None
    name, number, year = month_first.groups()
    month = _BY_NAME.get(name.lower())
    if month is None:
        return None
    if year is not None:
        return None if len(number) > 2 else date_serial(written_year(year), month, int(number))
    if int(number) <= 31:
        return date_serial(current_year(), month, int(number))
    return date_serial(written_year(number), month, 1)
