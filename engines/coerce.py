"""Excel's implicit conversions between numbers, text and booleans, over value blocks."""

from __future__ import annotations

import math
import re
from types import ModuleType
from typing import Any

import numpy as np

from engines.errors import ExcelError
from engines.monthdates import current_year, date_serial, named_month_date, written_year
from engines.values import BOOL, EMPTY, NUMBER, TEXT, Value, host, kinds, texts, with_error
from engines.xp import Array

_NUMERIC_TEXT = re.compile(r"^\s*([+-]?)\s*\$?\s*((?:\d[\d,]*)?\.?\d*(?:[eE][+-]?\d+)?)\s*(%?)\s*$")
_ACCOUNTING = re.compile(r"^\s*\((?![\s+-])(.*)\)\s*$")
_MIXED_FRACTION = re.compile(r"^\s*([+-]?)(\d+)\s+(\d+)/(\d+)\s*$")


def parse_number(text: str) -> float | None:
    """The number Excel reads from ``text`` ("1,000", " 2.5 ", "10%", "$3", "(100)" for -100,
    "1 1/2"), or the date or time it reads there; else None.

    A fraction needs its whole part ("0 3/4"): "3/4" alone is 4 March, as Excel reads it.
    """
    owed = _ACCOUNTING.match(text)
    if owed is not None:  # accounting's negative: "($1,234.50)" is -1234.5
        amount = _numeral(owed.group(1))
        return None if amount is None else -amount
    fraction = _MIXED_FRACTION.match(text)
    if fraction is not None:
        sign, whole, numerator, denominator = fraction.groups()
        if int(denominator) == 0:
            return None
        value = int(whole) + int(numerator) / int(denominator)
        return -value if sign == "-" else value
    number = _numeral(text)
    return parse_date(text) if number is None else number


def _numeral(text: str) -> float | None:
    """A number written in digits, with its sign, grouping, currency and percent."""
    match = _NUMERIC_TEXT.match(text)
    if match is None or not any(ch.isdigit() for ch in match.group(2)):
        return None
    body = match.group(2).replace(",", "")
    try:
        value = float(body)
    except ValueError:
        return None
    if match.group(1) == "-":
        value = -value
    return value / 100.0 if match.group(3) else value


_SLASH_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})(?:/(\d{2,4}))?$")
_CLOCK = re.compile(r"^(\d+):(\d+)(\.\d*)?(?::(\d+(?:\.\d*)?))?\s*([AaPp][Mm])?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME_AFTER_DATE = re.compile(r"^(.*?\S)\s+(\d+:[\d:.]*(?:\s*[AaPp][Mm])?)$")


def _clock(text: str) -> float | None:
    """``h:m``, ``h:m:s`` or ``m:s.f`` [AM|PM] as a fraction of a day.

    Excel lets the last part run past 59 (up to 9999): "23:99" is 23 h 99 min, "0:0:9999"
    9999 s; the parts before it stay within the clock ("24:99" and "23:60:9" are not times).
    """
    match = _CLOCK.match(text)
    if match is None:
        return None
    first, second = int(match.group(1)), int(match.group(2))
    fraction, seconds_part = match.group(3), match.group(4)
    suffix = (match.group(5) or "").upper()
    if fraction not in (None, ".") and seconds_part is None and not suffix:
        minute, second_value = first, second + float(fraction)  # m:s.f
        if minute > 59 or second_value >= 10000:
            return None
        return (minute * 60 + second_value) / 86400
    if fraction is not None and (seconds_part is not None or fraction != "."):
        return None
    hour, minute = first, second
    seconds = float(seconds_part or 0)
    if suffix:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if suffix == "PM" else 0)
    last_limit = 10000 if seconds_part is None else 60
    if hour > 23 or minute >= last_limit or seconds >= 10000:
        return None
    return (hour * 3600 + minute * 60 + seconds) / 86400


def _slash_date(first: str, second: str, year: str | None) -> float | None:
    """``m/d[/y]``, or ``d/m[/y]`` when the first number cannot be a month; without a year,
    the current one (the simulation's, as TODAY() reads it)."""
    month, day = int(first), int(second)
    if month > 12:
        month, day = day, month
    return date_serial(current_year() if year is None else written_year(year), month, day)


def _calendar_date(text: str) -> float | None:
    """The serial of a date without its time: ``m/d[/y]``, ISO ``y-m-d``, or one naming its
    month (:func:`engines.monthdates.named_month_date`)."""
    slash, iso = _SLASH_DATE.match(text), _ISO_DATE.match(text)
    if slash is not None:
        return _slash_date(*slash.groups())
    if iso is not None:
        year, month, day = iso.groups()
        return _slash_date(month, day, year)
    return named_month_date(text)


def parse_date(text: str) -> float | None:
    """Dates, times and dates with a time as Excel serials, in the forms Excel (en-US) reads;
    unlike :func:`parse_number`, no plain number ("-5", "1 1/2"), which DATEVALUE refuses."""
    import datetime as dt

    from openpyxl.utils.datetime import to_excel

    stripped = text.strip()
    if stripped in ("29/02/1900", "02/29/1900", "1900-02-29"):
        return 60.0  # Excel's phantom leap day, kept for Lotus 1-2-3 compatibility
    timed = _TIME_AFTER_DATE.match(stripped)
    date_part, time_part = timed.groups() if timed is not None else (stripped, "")
    day = _calendar_date(date_part)
    if day is not None:
        time = _clock(time_part) if time_part else 0.0
        return None if time is None else day + time
    if ":" in stripped:
        return _clock(stripped)
    for fmt in (
        "%Y-%m-%d",
        "%Y/%m/%d",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%H:%M:%S",
        "%H:%M",
    ):
        try:
            parsed = dt.datetime.strptime(stripped, fmt)
        except ValueError:
            continue
        if fmt.startswith("%H"):
            return parsed.hour / 24 + parsed.minute / 1440 + parsed.second / 86400
        return float(to_excel(parsed))
    return None


def number_text(value: float) -> str:
    """A number as Excel turns it into text (General format, up to 15 significant digits)."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "#NUM!"
    magnitude = abs(value)
    # past 15 digits a whole number cannot be written out in 15 significant ones: 1E+15
    if 1e-9 <= magnitude < 1e15 or magnitude < 1e-300:
        digits = 15 - (math.floor(math.log10(magnitude)) + 1)
        text = f"{round(value, max(digits, 0)):.{max(digits, 0)}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        if len(text.lstrip("-")) <= 15 or "." in text:  # 999999999999999.7 rounds up to 1E+15
            return text
    mantissa, exponent = f"{value:.14E}".split("E")
    mantissa = mantissa.rstrip("0").rstrip(".")
    sign = "-" if exponent.startswith("-") else "+"
    return f"{mantissa}E{sign}{abs(int(exponent)):02d}"


def to_number(xp: ModuleType, value: Value) -> tuple[Array, Array | None]:
    """Numbers for arithmetic: booleans 0/1, empty 0, numeric text parsed, other text #VALUE!."""
    if value.text is None or isinstance(value.kind, int) and value.kind != TEXT:
        return value.num, value.err
    parsed = _parse_numbers(texts(value))
    is_text = kinds(xp, value) == TEXT
    num = xp.where(is_text, xp.asarray(parsed), value.num)
    return num, with_error(xp, value.err, is_text & xp.isnan(num), ExcelError.VALUE)


def _parse_numbers(text: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """:func:`parse_number` of every entry, NaN where it is no number. Each distinct text is
    parsed once: a constant cell's text repeats in every trial, and parsing tries many forms."""
    parsed: dict[str, float] = {}

    def parse(entry: str) -> float:
        number = parsed.get(entry)
        if number is None:
            found = parse_number(entry)
            number = parsed[entry] = np.nan if found is None else found
        return number

    return np.vectorize(parse, otypes=[float])(text)  # type: ignore[no-any-return]


def to_number_arg(xp: ModuleType, value: Value) -> tuple[Array, Array | None]:
    """A function's numeric argument: as :func:`to_number`, but a boolean read from a cell is
    #VALUE! (``SQRT(A1)`` with A1 TRUE), while a typed TRUE counts as 1."""
    num, err = to_number(xp, value)
    if value.area is None or (isinstance(value.kind, int) and value.kind != BOOL):
        return num, err
    return num, with_error(xp, err, kinds(xp, value) == BOOL, ExcelError.VALUE)


def to_bool(xp: ModuleType, value: Value) -> tuple[Array, Array | None]:
    """Truth values: numbers non-zero, text "TRUE"/"FALSE" (any case), other text #VALUE!."""
    flags = value.num != 0
    if value.text is None:
        return flags, value.err
    upper = np.vectorize(lambda s: s.upper(), otypes=[object])(texts(value))
    is_text = kinds(xp, value) == TEXT
    flags = xp.where(is_text, xp.asarray(upper == "TRUE"), flags)
    bad = is_text & xp.asarray((upper != "TRUE") & (upper != "FALSE"))
    return flags, with_error(xp, value.err, bad, ExcelError.VALUE)


def to_text(xp: ModuleType, value: Value) -> np.ndarray[Any, Any]:
    """Text of every entry: numbers in General format, TRUE/FALSE, empty as ""."""
    kind = host(xp, kinds(xp, value))
    num = host(xp, value.num)
    shape = np.broadcast_shapes(kind.shape, num.shape, texts(value).shape)
    kind = np.broadcast_to(kind, shape)
    num = np.broadcast_to(num, shape)
    text = np.broadcast_to(texts(value), shape)
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        tag = kind[index]
        if tag == TEXT:
            out[index] = text[index]
        elif tag == BOOL:
            out[index] = "TRUE" if num[index] else "FALSE"
        elif tag == EMPTY:
            out[index] = ""
        else:
            out[index] = number_text(float(num[index]))
    return out


def text_value(xp: ModuleType, text: np.ndarray[Any, Any], err: Array | None) -> Value:
    """A text block from an object array of str."""
    return Value(xp.zeros(text.shape), err, TEXT, text)


def as_output(xp: ModuleType, value: Value, n: int) -> tuple[Array, Array]:
    """An output cell's value for ``n`` trials: numbers (booleans as 0/1), and per trial its
    Excel error code (0 for none; #VALUE! for a value neither number nor boolean, #NUM! for a
    number that is not finite)."""
    num, err = to_number(xp, value)
    num = xp.broadcast_to(num[:, 0, 0] if num.ndim == 3 else num, (n,))
    codes = xp.zeros((n,), dtype=xp.int8) if err is None else xp.broadcast_to(err[:, 0, 0], (n,))
    kind = value.kind
    if not isinstance(kind, int) or kind not in (NUMBER, BOOL):
        is_number = (xp.broadcast_to(kinds(xp, value)[:, 0, 0], (n,)) == NUMBER) | (
            xp.broadcast_to(kinds(xp, value)[:, 0, 0], (n,)) == BOOL
        )
        codes = xp.where((codes == 0) & ~is_number, xp.int8(int(ExcelError.VALUE)), codes)
    codes = xp.where((codes == 0) & ~xp.isfinite(num), xp.int8(int(ExcelError.NUM)), codes)
    values = xp.where(codes == 0, num, xp.nan)
    return values.astype(xp.float64), codes.astype(xp.int8)
