"""Excel's date and time format codes for TEXT (:mod:`engines.functions.textformat`): y m d h s,
AM/PM, elapsed counts ([h] [m] [s]) and fractional seconds, on Excel's 1900 calendar."""

from __future__ import annotations

import datetime as dt
import re

from openpyxl.utils.datetime import from_excel

_DATE_CODES = re.compile(
    r'"[^"]*"|\\.|\[(h+|m+|s+)\]|\[[^\]]*\]|(y+|m+|d+|h+|s+|am/pm|a/p)'
    r"|((?:(?<=s)|(?<=s\]))\.0+)",
    re.IGNORECASE,
)
"""Quoted and escaped literals; elapsed counts (group 1); brackets; date and time codes
(group 2); fractional seconds, zeros after a point that follows seconds (group 3)."""
_LAST_DAY = 2958465.0  # 31 December 9999
# A run of one code letter stands for the longest code it reaches: yyy is yyyy, dddddd dddd.
_LONGEST = {"y": ("yy", "yy", "yyyy"), "d": ("d", "dd", "ddd", "dddd"), "h": ("h", "hh")}
_LONGEST |= {"s": ("s", "ss"), "m": ("m", "mm", "mmm", "mmmm", "mmmmm", "mmmm")}
_DAY_ZERO = {"d": "0", "dd": "00"}  # serial 0: 0 January 1900
_WEEKDAYS = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
"""By serial modulo 7: Excel counts weekdays from its 1 January 1900, a Sunday, through its
29 February 1900 (serial 60), so days before March 1900 are a weekday off the real calendar."""
_LEAP_DAY = 60



def date_text(value: float, section: str) -> str | None:
    """``value`` as a date/time; None (#VALUE!) for a negative or post-9999 serial, except
    that a lone elapsed count ([h], [m], [s]) shows negative values with a sign."""
    codes = [m for m in _DATE_CODES.finditer(section) if m.group(1) or m.group(2) or m.group(3)]
    if value < 0 and len(codes) == 1 and codes[0].group(1):
        shown = date_text(-value, section)
        return None if shown is None else "-" + shown
    elapsed_only = all(m.group(1) or m.group(3) for m in codes)
    if value < 0 or (value >= _LAST_DAY + 1 and not elapsed_only):
        return None
    # seconds round at the precision shown: [s].000 keeps milliseconds
    places = max((len(m.group(3)) - 1 for m in codes if m.group(3)), default=0)
    ticks = round(value * 86400 * 10**places)
    seconds, fraction = divmod(ticks, 10**places)
    digits = str(fraction).rjust(places, "0")
    # elapsed counts need no calendar, so they go past 9999
    moment = _moment(seconds / 86400) if not elapsed_only else dt.datetime(1900, 1, 1)
    twelve = bool(re.search(r"am/pm|a/p", section, re.IGNORECASE))
    out: list[str] = []
    last_hour = False
    for match in _DATE_CODES.finditer(section):
        elapsed, code = match.group(1), _longest((match.group(2) or "").lower())
        text = match.group(0)
        if match.group(3):
            out.append("." + digits[: len(text) - 1])
            continue
        if elapsed:
            unit = {"h": 3600, "m": 60, "s": 1}[elapsed[0].lower()]
            out.append(str(seconds // unit).rjust(len(elapsed), "0"))
            last_hour = elapsed[0].lower() == "h"
            continue
        if not code:
            out.append(text.strip('"').lstrip("\\") if not text.startswith("[") else "")
            continue
        minute = code in ("m", "mm") and (last_hour or _seconds_follow(section, match.end()))
        part = _date_part(moment, code, minute, twelve, seconds // 86400)
        out.append(_DAY_ZERO.get(code, part) if value < 1 else part)
        if code[0] in "hs":
            last_hour = code[0] == "h"
        elif code[0] != "m":
            last_hour = False
    return _with_literals(section, out)


def _longest(code: str) -> str:
    forms = _LONGEST.get(code[:1])
    return forms[min(len(code), len(forms)) - 1] if forms else code


def _moment(value: float) -> dt.datetime:
    """The serial as a datetime rounded to the second; serials below 1 (Excel's 0 January
    1900) keep their time on 1 January, the day fields being fixed by :func:`_date_part`."""
    moment = from_excel(value) if value >= 1 else dt.datetime(1900, 1, 1) + dt.timedelta(value)
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.combine(dt.date(1900, 1, 1), moment)
    return (moment + dt.timedelta(microseconds=500_000)).replace(microsecond=0)


def _seconds_follow(section: str, end: int) -> bool:
    return bool(re.match(r"[^a-zA-Z]*s", section[end:]))


def _with_literals(section: str, parts: list[str]) -> str:
    pieces = []
    position = 0
    for match, part in zip(_DATE_CODES.finditer(section), parts, strict=True):
        pieces.append(section[position : match.start()])
        pieces.append(part)
        position = match.end()
    pieces.append(section[position:])
    return "".join(pieces)


def _date_part(moment: dt.datetime, code: str, minute: bool, twelve: bool, serial: int) -> str:
    """One date or time code; ``serial`` (the whole day) names the weekday, and serial 60 is
    Excel's 29 February 1900, which ``moment`` (a Python date) holds as the 28th."""
    hour = moment.hour % 12 or 12 if twelve else moment.hour
    day = 29 if serial == _LEAP_DAY else moment.day
    weekday = _WEEKDAYS[serial % 7]
    table = {
        "yyyy": f"{moment.year:04d}",
        "yyy": f"{moment.year:04d}",
        "yy": f"{moment.year % 100:02d}",
        "y": f"{moment.year % 100:02d}",
        "mmmmm": moment.strftime("%B")[0],
        "mmmm": moment.strftime("%B"),
        "mmm": moment.strftime("%b"),
        "mm": f"{moment.minute:02d}" if minute else f"{moment.month:02d}",
        "m": str(moment.minute) if minute else str(moment.month),
        "dddd": weekday,
        "ddd": weekday[:3],
        "dd": f"{day:02d}",
        "d": str(day),
        "hh": f"{hour:02d}",
        "h": str(hour),
        "ss": f"{moment.second:02d}",
        "s": str(moment.second),
        "am/pm": "AM" if moment.hour < 12 else "PM",
        "a/p": "A" if moment.hour < 12 else "P",
    }
    return table.get(code, code)
